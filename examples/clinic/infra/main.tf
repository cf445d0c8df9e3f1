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

resource "aws_security_group" "db" {
  name        = "clinic-db"
  description = "PostgreSQL for the patient portal"
  vpc_id      = var.vpc_id

  ingress {
    description = "PostgreSQL"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_db_subnet_group" "clinic" {
  name       = "clinic"
  subnet_ids = var.db_subnet_ids
}

resource "aws_db_instance" "clinic" {
  identifier              = "clinic-${var.environment}"
  engine                  = "postgres"
  engine_version          = "16.3"
  instance_class          = "db.t4g.medium"
  allocated_storage       = 50
  db_name                 = "clinic"
  username                = "clinic"
  password                = var.db_password
  db_subnet_group_name    = aws_db_subnet_group.clinic.name
  vpc_security_group_ids  = [aws_security_group.db.id]
  storage_encrypted       = false
  backup_retention_period = 0
  skip_final_snapshot     = true
}

resource "aws_s3_bucket" "lab_reports" {
  bucket = "northwind-clinic-lab-reports-${var.environment}"
}

resource "aws_s3_bucket_public_access_block" "lab_reports" {
  bucket                  = aws_s3_bucket.lab_reports.id
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_acl" "lab_reports" {
  bucket = aws_s3_bucket.lab_reports.id
  acl    = "public-read"
}

resource "aws_cognito_user_pool" "patients" {
  name              = "clinic-patients"
  mfa_configuration = "OFF"

  password_policy {
    minimum_length    = 8
    require_lowercase = true
    require_numbers   = true
    require_symbols   = false
    require_uppercase = false
  }
}
