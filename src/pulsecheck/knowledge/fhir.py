"""Which FHIR resource types hold identity data and which hold medical data (``data/fhir_resources.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=1)
def fhir_resource_groups() -> dict[str, str]:
    """FHIR resource type -> ``identity`` or ``medical``."""
    text = resources.files(__package__).joinpath("data/fhir_resources.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {name: group for group in ("identity", "medical") for name in data[group]}
