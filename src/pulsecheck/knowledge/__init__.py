"""Shared knowledge about health data that every stage asks: what a field name means
(the vocabulary), the typed profile facts (stack, app kind, data map), FHIR resource groups.

    from pulsecheck.knowledge import ProfileFacts, DataMap, vocabulary
    facts = ProfileFacts.from_json(ctx.profile)
    facts.data_map.is_medical("patients", "diagnosisCode")
    vocabulary().classify("date_of_birth")        # for a name no table declares
"""

from pulsecheck.knowledge.datamap import DataMap, FhirResource, Field, Store, Table, name_key
from pulsecheck.knowledge.facts import APP_KINDS, AppKind, ProfileFacts
from pulsecheck.knowledge.fhir import fhir_resource_groups
from pulsecheck.knowledge.vocabulary import FieldClass, Vocabulary, classify, tokens, vocabulary

__all__ = ["APP_KINDS", "AppKind", "DataMap", "FhirResource", "Field", "FieldClass", "ProfileFacts", "Store",
           "Table", "Vocabulary", "classify", "fhir_resource_groups", "name_key", "tokens", "vocabulary"]
