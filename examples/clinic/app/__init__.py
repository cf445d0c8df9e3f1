"""Northwind Clinic patient portal (a deliberately vulnerable demo target for pulsecheck)."""
