"""pulsecheck: a security audit of healthcare software, mapped to HIPAA and GDPR."""

__version__ = "0.1.0"
