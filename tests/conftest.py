"""Shared test fixtures: where the project's shared data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repository (OSV data, corpora, gitleaks config)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
