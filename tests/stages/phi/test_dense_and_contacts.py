"""Dense CSV exports (column-wise validation), international phones, logins that are not e-mails."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from pulsecheck.stages.phi import columns, scanfile
from pulsecheck.stages.phi.detect import scan


def kinds(text: str) -> list[str]:
    return [h.kind for h in scan(text)]


@pytest.mark.parametrize("number", ["+44 20 7946 0958", "+49 30 901820", "+33 1 42 68 53 00", "+442079460958"])
def test_international_phones_found(number: str) -> None:
    assert kinds(f"call the patient at {number} tomorrow") == ["phone"]


@pytest.mark.parametrize("decoy", ["version +2.3.4", "at 2024-01-15T10:30:45+05:30", "order +4400000000",
                                   "build +20240115103045", "+44 1 2 3", "delta +1234-5678"])
def test_plus_decoys_quiet(decoy: str) -> None:
    assert kinds(decoy) == []


@pytest.mark.parametrize("text", [
    "DATABASE_URL=postgresql://clinic:S3cr3t@db.internal:5432/clinic",
    "redis://:pw@cache.internal:6379/0", "url = ssh://deploy@git.clinic.io/team/app.git",
    "git remote add origin deploy@git.corp.example:team/app.git", "ssh -i key.pem admin@bastion.clinic.io",
])
def test_logins_are_not_emails(text: str) -> None:
    assert kinds(text) == []


def test_real_emails_still_found() -> None:
    assert kinds("mailto:jane.doe@gmail.com and https://x.io/?to=ann.lee@gmail.com") == ["email", "email"]


def _export(path: Path, rows: int, seed: int = 3) -> None:
    r = random.Random(seed)

    def d(n: int) -> str:
        return "".join(r.choice("0123456789") for _ in range(n))

    cells = {
        "ssn": lambda: r.choice([f"{d(3)}-{d(2)}-{d(4)}", d(9), "078-05-1120", f"9{d(2)}-{d(2)}-{d(4)}", "", "n/a"]),
        "phone": lambda: r.choice([f"({d(3)}) {d(3)}-{d(4)}", f"{d(3)}.{d(3)}.{d(4)}", d(10), f"+1 {d(3)} {d(3)} {d(4)}",
                                   "+44 20 7946 0958", "222-222-2222", f"{d(3)}-555-{d(4)}", ""]),
        "email": lambda: r.choice([f"ann.{d(3)}@gmail.com", f"x{d(2)}@example.com", "logo@2x.png", "", "none"]),
        "notes": lambda: r.choice(["", "ok", f"SSN {d(3)}-{d(2)}-{d(4)}", "Patient John Smith DOB: 1980-02-03"]),
    }
    with path.open("w") as fh:
        fh.write("id,first_name,ssn,phone,email,notes\n")
        for i in range(rows):
            fh.write(",".join([str(i), r.choice(["Ann", "Ann123"]), *(make() for make in cells.values())]) + "\n")
        fh.write("ragged,row,123-45-6780\n")
        fh.write('1,"Lee, Ann",123-45-6780,(617) 253-0143,ann@gmail.com,"two\nlines"\n')


def _tallies(path: Path) -> dict[str, tuple[int, int, list[int]]]:
    result = scanfile.scan_file(path, path.name)
    return {k: (t.count, t.synthetic, t.lines) for k, t in result.kinds.items()}


def test_dense_export_matches_line_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Column-wise validation gives the line scan's counts, synthetic counts and first lines,
    across chunk boundaries, ragged rows and a quoted field spanning lines."""
    path = tmp_path / "patients.csv"
    _export(path, 12_000)
    monkeypatch.setattr(scanfile, "CHUNK", 256 * 1024)
    calls: list[bool] = []
    real = columns.scan_chunk
    monkeypatch.setattr(columns, "scan_chunk", lambda *a: calls.append(real(*a)) or calls[-1])
    dense = _tallies(path)
    assert calls and calls.count(True) >= len(calls) - 1  # the last chunk (quoted newline) falls back
    monkeypatch.setattr(columns, "plan", lambda header: None)
    assert dense == _tallies(path)
    assert {"ssn", "phone", "email", "dob_with_name", "csv_phi"} <= set(dense)
    with path.open(newline="") as fh:  # rows whose identifier cells are all empty or "n/a"/"none" hold no one
        held = sum(any(c not in ("", "n/a", "none") for c in row[2:5]) for row in list(csv.reader(fh))[1:])
    assert 11_000 < held < 12_002 and dense["csv_phi"][0] == held


def test_dense_plan_needs_classified_columns() -> None:
    assert columns.plan("id,notes,amount") is None
    plan = columns.plan("id\tmobile\te_mail\tssn")
    assert plan is not None and plan.delimiter == "\t"
    assert dict(plan.checked) == {1: "phone", 2: "email", 3: "ssn"} and plan.others == (0,)
