output "db_endpoints" {
  value = { for name, db in aws_db_instance.clinic : name => db.endpoint }
}

output "lab_reports_bucket" {
  value = aws_s3_bucket.lab_reports.bucket
}
