variable "region" {
  type    = string
  default = "us-east-1"
}

variable "environment" {
  type    = string
  default = "production"
}

variable "vpc_id" {
  type = string
}

variable "db_subnet_ids" {
  type = list(string)
}

variable "app_security_group_id" {
  type = string
}

variable "rds_monitoring_role_arn" {
  type = string
}

variable "access_log_bucket" {
  type = string
}
