"""A taint finding's path becomes a SARIF codeFlow that validates against the OASIS schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from pulsecheck import engine
from pulsecheck.model import Targets
from pulsecheck.reporters.sarif import render
from pulsecheck.settings import Settings

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "reporters" / "schemas" / "sarif-schema-2.1.0.json")
                    .read_text("utf-8"))


def test_code_flow_from_request_to_sql(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from flask import Flask, request\napp = Flask(__name__)\n\n"
        "@app.route('/s')\ndef s():\n    q = request.args.get('q')\n    sql = f\"SELECT * FROM t WHERE a = '{q}'\"\n"
        "    get_db().execute(sql)\n    return 'ok'\n", encoding="utf-8")
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("sast",)))
    data = json.loads(render(report))
    jsonschema.Draft7Validator(SCHEMA).validate(data)
    (result,) = [r for r in data["runs"][0]["results"] if r["ruleId"] == "sast.python-sql-injection"]
    steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
    lines = [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps]
    assert lines[0] == 6 and lines[-1] == 8 and 7 in lines
    assert steps[0]["location"]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
