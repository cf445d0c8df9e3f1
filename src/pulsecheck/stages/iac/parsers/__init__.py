"""Parsers from each IaC format into :class:`~pulsecheck.stages.iac.model.Resource` objects."""
