"""Hostile Python input: a note naming the file, the stage goes on, bounded work."""

from __future__ import annotations

from pathlib import Path

from pulsecheck import engine
from pulsecheck.model import Targets
from pulsecheck.settings import Settings

from .conftest import engine_hits

SQLI = '''from flask import request

def view(cur):
    cur.execute("SELECT * FROM t WHERE a = '%s'" % request.args["a"])
'''


def audit(root: Path):
    report = engine.run(Targets(path=str(root)), Settings(stages=("sast",)))
    (sast,) = [r for r in report.stages if r.name == "sast"]
    return report, sast


def test_unparsable_deep_huge_and_non_utf8_files_are_notes_and_the_rest_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    (tmp_path / "deep.py").write_text("x = " + "(" * 1000 + "1" + ")" * 1000 + "\n"
                                      "y = " + "+".join(["a"] * 3000) + "\n", encoding="utf-8")
    (tmp_path / "latin1.py").write_bytes("# caf\xe9\nname = 'Jos\xe9'\n".encode("latin-1") + SQLI.encode())
    (tmp_path / "big.py").write_text("x = 1\n" * 900_000, encoding="utf-8")  # ~5.4 MB
    (tmp_path / "ok.py").write_text(SQLI, encoding="utf-8")
    report, sast = audit(tmp_path)
    notes = sast.outcome.notes
    assert any(n.startswith("broken.py: not parsed:") for n in notes)
    assert any(n.startswith("big.py: not parsed:") and "limit" in n for n in notes)
    assert sast.status == "completed"
    lines = {(f.location.display(), f.rule_id) for f in report.findings}
    assert ("ok.py:4", "sast.python-sql-injection") in lines
    assert ("latin1.py:6", "sast.python-sql-injection") in lines
    deep_noted = any(n.startswith("deep.py:") for n in notes)
    assert deep_noted or sast.outcome.facts["python"]["parsed"] == 3


def test_import_cycle_and_mutual_recursion_terminate_with_the_flow(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "from flask import request\nfrom b import ping\n\n"
        "def pong(v, n):\n    return v if n <= 0 else ping(v, n - 1)\n\n"
        "def view(cur):\n    cur.execute(ping(request.args['q'], 3))\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("from a import pong\n\ndef ping(v, n):\n    return pong(v + '', n)\n",
                                   encoding="utf-8")
    hits, notes = engine_hits(tmp_path)
    sql = [h for h in hits if h.rule.id == "sast.python-sql-injection"]
    assert [(h.path, h.line) for h in sql] == [("a.py", 8)]
    assert not notes


def test_many_small_files_finish(tmp_path: Path) -> None:
    for i in range(5000):
        d = tmp_path / f"pkg{i // 100}"
        d.mkdir(exist_ok=True)
        (d / f"m{i}.py").write_text(f"import os\n\ndef f{i}(x):\n    return os.path.join('a', x)\n",
                                    encoding="utf-8")
    (tmp_path / "pkg0" / "view.py").write_text(SQLI, encoding="utf-8")
    report, sast = audit(tmp_path)
    assert sast.outcome.facts["python"]["parsed"] == 5001
    assert [f.location.display() for f in report.findings if f.rule_id == "sast.python-sql-injection"] == \
        ["pkg0/view.py:4"]
