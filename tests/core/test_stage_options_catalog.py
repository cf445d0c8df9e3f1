"""Each stage's options model is found by importing ``stages/<name>/options.py``, guarded: one
stage whose options cannot load does not stop the configuration of the others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulsecheck.config import load_settings
from pulsecheck.options import StageOptions, UntypedOptions
from pulsecheck.settings import ALL_STAGES, Settings
from pulsecheck.stage_options import options_catalog


@pytest.fixture
def broken_sast(tmp_path: Path, shadow_stage: Any) -> Iterator[None]:
    """A ``sast`` stage package whose options module raises on import (a missing native library)."""
    pkg = tmp_path / "extra" / "sast"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "options.py").write_text('raise ImportError("libsemgrep.so: cannot open shared object file")\n',
                                    encoding="utf-8")
    with shadow_stage("sast", tmp_path / "extra"):
        yield


def test_every_implemented_stage_declares_a_frozen_strict_model() -> None:
    catalog = options_catalog()
    assert set(catalog.models) == set(ALL_STAGES) and catalog.errors == {}
    for model in catalog.models.values():
        assert issubclass(model, StageOptions)
        assert model.model_config.get("frozen") and model.model_config.get("strict")
        assert model.model_config.get("extra") == "forbid"


@pytest.mark.usefixtures("broken_sast")
def test_a_stage_whose_options_cannot_load_is_recorded_and_the_rest_loads(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pulsecheck.toml").write_text("[stages.sast]\nrules = 1\n[stages.phi]\nhistory = false\n",
                                          encoding="utf-8")
    s = load_settings({}, None, repo, env={"PULSECHECK_USER_CONFIG": ""})
    assert "libsemgrep.so" in s.option_errors["sast"]
    assert s.options_for("phi").history is False


def test_settings_built_in_code_validate_raw_tables() -> None:
    s = Settings(stage_options={"phi": {"history": False}, "plugin": {"identities": [{"name": "a"}]}})
    assert s.options_for("phi").history is False
    assert isinstance(s.options_for("plugin"), UntypedOptions)  # a stage without a model: kept as given
    with pytest.raises(ValueError, match="workers"):
        Settings(stage_options={"phi": {"workers": "many"}})
