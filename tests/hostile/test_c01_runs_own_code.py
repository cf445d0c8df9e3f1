"""Class 1: the scanned repository must never run its own code.

``cd repo && pulsecheck audit .`` with a planted ``pulsecheck/``, ``multiprocessing/``,
``encodings/`` and ``sitecustomize.py``: each would leave a marker file if any process of
ours imported it (worker processes that put the working directory first on the import path).
"""

from __future__ import annotations

from pathlib import Path

from .kit import FAKE_KEY, git_repo, pulsecheck

PLANTED = ("pulsecheck/__init__.py", "multiprocessing/__init__.py", "encodings/__init__.py",
           "sitecustomize.py", "usercustomize.py", "pulsecheck/stages/__init__.py")


def test_planted_packages_are_never_imported(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    payload = "import pathlib\npathlib.Path({!r}).joinpath({!r}).write_text('ran')\n"
    files: dict[str, str | bytes] = {rel: payload.format(str(markers), rel.replace("/", "_")) for rel in PLANTED}
    # enough input that the phi pool and the secrets history workers start
    files |= {f"data/export{i}.csv": "name,ssn\n" + "Jane Roe,123-45-6789\n" * 120_000 for i in range(8)}
    files["config.py"] = f"AWS_ACCESS_KEY_ID = '{FAKE_KEY}'\n"
    repo = git_repo(tmp_path / "repo", files)
    out = tmp_path / "out" / "report.json"
    run = pulsecheck("audit", ".", "-f", "json", "-o", str(out), "--quiet", cwd=repo, report=out)
    assert sorted(p.name for p in markers.iterdir()) == [], "a planted module ran"
    assert run.report is not None, run.stderr[-2000:]
    assert all(s["status"] != "errored" for s in run.report["stages"]), run.report["stages"]
