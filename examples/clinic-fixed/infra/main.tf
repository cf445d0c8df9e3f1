terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

locals {
  # Identity data and medical data are kept in separately encrypted databases.
  stores = toset(["identity", "clinical"])
}

resource "aws_kms_key" "data" {
  for_each                = local.stores
  description             = "clinic ${each.key} data"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_security_group" "db" {
  name        = "clinic-db"
  description = "PostgreSQL for the patient portal"
  vpc_id      = var.vpc_id

  ingress {
    description     = "PostgreSQL from the portal only"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [var.app_security_group_id]
  }
}

resource "aws_db_subnet_group" "clinic" {
  name       = "clinic"
  subnet_ids = var.db_subnet_ids
}

resource "aws_db_instance" "clinic" {
  for_each                            = local.stores
  identifier                          = "clinic-${each.key}-${var.environment}"
  engine                              = "postgres"
  engine_version                      = "16.3"
  instance_class                      = "db.t4g.medium"
  allocated_storage                   = 50
  db_name                             = each.key
  username                            = "clinic"
  manage_master_user_password         = true
  db_subnet_group_name                = aws_db_subnet_group.clinic.name
  vpc_security_group_ids              = [aws_security_group.db.id]
  publicly_accessible                 = false
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.data[each.key].arn
  backup_retention_period             = 35
  deletion_protection                 = true
  multi_az                            = true
  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  copy_tags_to_snapshot               = true
  monitoring_interval                 = 30
  monitoring_role_arn                 = var.rds_monitoring_role_arn
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = aws_kms_key.data[each.key].arn
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "clinic-${each.key}-final"
}

resource "aws_s3_bucket" "lab_reports" {
  bucket = "northwind-clinic-lab-reports-${var.environment}"
}

resource "aws_s3_bucket_public_access_block" "lab_reports" {
  bucket                  = aws_s3_bucket.lab_reports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "lab_reports" {
  bucket = aws_s3_bucket.lab_reports.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lab_reports" {
  bucket = aws_s3_bucket.lab_reports.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data["clinical"].arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "lab_reports" {
  bucket = aws_s3_bucket.lab_reports.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_logging" "lab_reports" {
  bucket        = aws_s3_bucket.lab_reports.id
  target_bucket = var.access_log_bucket
  target_prefix = "lab-reports/"
}

resource "aws_cognito_user_pool" "patients" {
  name              = "clinic-patients"
  mfa_configuration = "ON"

  software_token_mfa_configuration {
    enabled = true
  }

  user_pool_add_ons {
    advanced_security_mode = "ENFORCED"
  }

  password_policy {
    minimum_length    = 12
    require_lowercase = true
    require_numbers   = true
    require_symbols   = true
    require_uppercase = true
  }
}
