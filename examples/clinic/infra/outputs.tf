output "db_endpoint" {
  value = aws_db_instance.clinic.endpoint
}

output "lab_reports_bucket" {
  value = aws_s3_bucket.lab_reports.bucket
}
