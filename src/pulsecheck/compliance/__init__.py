"""Compliance catalogs (HIPAA Security Rule, GDPR, OWASP Top 10 2021) and the finding mapper.

Stages set CWE and OWASP ids on their rules; :func:`pulsecheck.compliance.mapper.map_findings`
adds the HIPAA sections and GDPR articles from the data files in ``data/``.
"""
