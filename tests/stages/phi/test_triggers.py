"""The RE2 prefilter loses nothing, long lines and non-ASCII text map back right, the pool agrees."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from pathlib import Path

from pulsecheck import engine
from pulsecheck.model import Targets
from pulsecheck.runtime import Runtime
from pulsecheck.settings import Settings
from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.phi import detect, triggers
from pulsecheck.stages.phi.pool import Outcome, scan_entries
from pulsecheck.stages.phi.scanfile import scan_file

# Pieces that build values, near-misses, separators and context words in every combination.
TOKENS = [
    "123-45-6780", "123 45 6780", "999-12-3456", "123456780", "1234567893", "943 476 5919", "9434765919",
    "(617) 253-0143", "617.253.0143", "1-617-253-0143", "+1 617 253 0143", "6172530143", "555-0100",
    "4532 0151 1283 0366", "4532015112830366", "4242 4242 4242 4242", "30569309025904", "378282246310005",
    "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "1EG4-TE5-MK73", "1EG4TE5MK73", "AB1234563",
    "john.smith@gmail.com", "a@b.co", "logo@2x.png", "SSN", "ssn:", "NPI", "NHS number", "OHIP", "phone",
    "tel", "DEA#", "card", "test", "MRN: 00123456", "MRN", "DOB: 1980-02-03", "Diagnosis: E11.9", "dx",
    "John Smith", "Mary", "patient", "name=", "2024-01-15T10:30:45Z", "v1.2.3", "ORD-2024-000123",
    "é", "日本", "—", "١٢٣-٤٥-٦٧٨٠", "(", ")", "-", ".", ",", '"', ":", "=", "/", "\t", "  ", "\r", "|",
]


def _text(rng: random.Random, lines: int) -> str:
    out = []
    for _ in range(lines):
        out.append(" ".join(rng.choice(TOKENS) if rng.random() < 0.8 else str(rng.randrange(10 ** rng.randint(1, 19)))
                            for _ in range(rng.randint(0, 14))))
    return "\n".join(out)


def _hits(text: str, context: str = "", exhaustive: bool = False) -> list[tuple[str, int, bool]]:
    return sorted((h.kind, h.offset, h.synthetic) for h in detect.scan(text, context, exhaustive=exhaustive))


def test_prefilter_finds_exactly_what_the_exhaustive_scan_finds() -> None:
    rng = random.Random(11)
    found = 0
    for _ in range(60):
        text = _text(rng, 40)
        want = _hits(text, exhaustive=True)
        found += len(want)
        assert _hits(text) == want, text
    assert found > 500  # the corpus really exercises the detectors


def test_context_from_a_csv_header_widens_the_triggers() -> None:
    rows = "\n".join(f"{n},ok" for n in ("123456780", "1234567893", "AB1234563", "6172530143"))
    for header in ("ssn,status", "npi,status", "dea,status", "phone,status", "id,status"):
        assert _hits(rows, header) == _hits(rows, header, exhaustive=True)
    assert {k for k, _, _ in _hits(rows, "ssn,status")} == {"ssn"}
    assert _hits(rows, "id,status") == []


def test_long_lines_are_windowed_without_losing_or_moving_hits() -> None:
    rng = random.Random(5)
    for _ in range(5):
        line = ",".join(f'"{rng.choice(TOKENS)}"' if rng.random() < 0.5 else "x" * rng.randint(1, 300)
                        for _ in range(800))
        text = "head\n" + line + "\ntail ssn 123-45-6780\n"
        assert len(line) > triggers.LONG_LINE
        assert _hits(text) == _hits(text, exhaustive=True)
    for _ in range(5):  # dense triggers: windows overlap and must grow to cover each other
        line = ",".join(rng.choice(TOKENS) for _ in range(3000))
        assert _hits(line) == _hits(line, exhaustive=True)
    # A context word at the very end of one trigger's window, its value just past the cut.
    # ("npi" ends at the "," where the window around "@" is cut: MARGIN bytes after the "@").
    edge = "x" * 4500 + "," + "z" * 300 + " a@b.co" + " " * (triggers.MARGIN - 7) + "npi,1234567893," + "y" * 5000
    assert ("npi", edge.index("1234567893"), False) in _hits(edge) == _hits(edge, exhaustive=True)
    blob = "a" * 20_000 + " ssn 123-45-6780 " + "b" * 20_000  # no break character anywhere
    assert _hits(blob) == _hits(blob, exhaustive=True) != []


def test_offsets_map_back_through_non_ascii_text() -> None:
    text = "naïve café — 日本\nPatient José Núñez SSN 123-45-6780 ✓\n" * 3
    hits = _hits(text)
    assert hits == _hits(text, exhaustive=True)
    assert [text[off:off + 11] for kind, off, _ in hits if kind == "ssn"] == ["123-45-6780"] * 3


def scan_files(files: list[tuple[Path, str, int]], workers: int, min_bytes: int, part_bytes: int = 8 << 20) -> list[Outcome]:
    """``files`` (all in one directory) scanned through the file index and the engine's worker pool."""
    root = files[0][0].parent
    index = FileIndex(root)
    entries = [e for e in (index.get(rel) for _, rel, _ in files) if e is not None]
    scratch = root.parent / f"{root.name}-scratch"
    scratch.mkdir(exist_ok=True)
    runtime = Runtime(cpus=workers).for_stage("phi", scratch, threading.Event())
    return list(scan_entries(index, entries, runtime=runtime, workers=workers, min_bytes=min_bytes,
                             part_bytes=part_bytes))


def test_pool_matches_one_process_and_reports_bad_files(tmp_path: Path) -> None:
    rng = random.Random(3)
    files = []
    for i in range(6):
        path = tmp_path / f"f{i}.log"
        path.write_text(_text(rng, 300))
        files.append((path, path.name, path.stat().st_size))
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"a": "\xff\xfe"}')
    files.append((bad, bad.name, bad.stat().st_size))
    pooled = list(scan_files(files, workers=2, min_bytes=0))
    assert [o.rel for o in pooled] == [rel for _, rel, _ in files]
    assert pooled[-1].result is not None  # decoded with replacement by the index: scanned, not dropped
    for (path, rel, _), outcome in zip(files[:-1], pooled[:-1], strict=True):
        assert outcome.result is not None
        want = scan_file(path, rel)
        assert {k: (t.count, t.lines) for k, t in outcome.result.kinds.items()} == \
               {k: (t.count, t.lines) for k, t in want.kinds.items()}
        assert want.kinds


def test_stage_with_worker_option_reports_the_same(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("x\nssn: 123-45-6780 phone (617) 253-0143\n")
    (tmp_path / "b.txt").write_text("Patient John Smith DOB: 1980-02-03\n")

    def run(workers: int) -> list[tuple[str, str, int | None]]:
        settings = Settings(stages=("phi",), stage_options={"phi": {"history": False, "workers": workers}})
        report = engine.run(Targets(path=str(tmp_path)), settings)
        return sorted((f.rule_id, f.location.path, f.location.line) for f in report.findings)  # type: ignore[union-attr]

    assert run(1) == run(2) and len(run(1)) == 3


def test_lockfiles_and_minified_bundles_are_skipped_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").write_text('{"author": "ann@gmail.com", "ssn": "123-45-6780"}\n')
    (tmp_path / "vendor.js").write_text("var a=1;" * 2000 + "/* ssn 123-45-6780 */\n")
    (tmp_path / "app.js").write_text("// ssn 123-45-6780\nconst x = 1;\n")
    settings = Settings(stages=("phi",), stage_options={"phi": {"history": False}})
    report = engine.run(Targets(path=str(tmp_path)), settings)
    paths = {f.location.path for f in report.findings}  # type: ignore[union-attr]
    assert paths == {"app.js"}
    notes = report.stages[0].outcome.notes  # type: ignore[union-attr]
    assert any(n.startswith("package-lock.json: lockfile") for n in notes)
    assert any(n.startswith("vendor.js: minified") for n in notes)


def test_json_lines_in_a_json_file_are_judged_from_the_first_chunk(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text("".join('{"note": "ssn 123-45-6780"},\n' if i == 7 else '{"note": "ok"},\n' for i in range(50_000)))
    result = scan_file(path, path.name)
    assert result.notes == ["malformed JSON (Extra data: line 1 column 15 (char 14)); values scanned, "
                            "structure not checked"]
    assert result.kinds["ssn"].lines == [8]


def test_big_files_split_into_parts_give_the_whole_file_result(tmp_path: Path) -> None:
    rng = random.Random(9)
    csv_path = tmp_path / "patients.csv"
    with csv_path.open("w") as fh:
        fh.write("first_name,last_name,ssn,phone\n")
        for i in range(40_000):
            fh.write(f"Ann{i},Lee,{'123-45-6780' if i % 997 == 0 else ''},{'(617) 253-0143' if i % 1999 == 0 else ''}\n")
    log_path = tmp_path / "app.log"
    log_path.write_text(_text(rng, 6000) + "\n")
    bad = tmp_path / "blob.csv"
    bad.write_bytes(b"a,b\n" + b"x,y\n" * 200_000 + b"\xff\xfe\n" + b"x,y\n" * 10)
    files = [(p, p.name, p.stat().st_size) for p in (csv_path, log_path, bad)]
    split = list(scan_files(files, workers=2, min_bytes=0, part_bytes=64 * 1024))
    for (path, rel, _), outcome in zip(files[:2], split[:2], strict=True):
        want = scan_file(path, rel)
        assert outcome.result is not None
        got = {k: (t.count, t.lines, t.synthetic, sorted(t.details)) for k, t in outcome.result.kinds.items()}
        assert got == {k: (t.count, t.lines, t.synthetic, sorted(t.details)) for k, t in want.kinds.items()}
    assert split[0].result is not None and split[0].result.kinds["csv_phi"].count == 61  # rows with an SSN (41) or phone (21), one both
    assert split[0].result.kinds["ssn"].lines[:3] == [2, 999, 1996]
    assert split[2].result is None and split[2].note and "not UTF-8" in split[2].note


def test_pool_works_from_a_script_without_a_main_guard(tmp_path: Path) -> None:
    """Workers are isolated interpreters, not multiprocessing children: an unguarded caller is fine."""
    for i in range(3):
        (tmp_path / f"f{i}.log").write_text("x\nssn: 123-45-6780\n")
    script = tmp_path.parent / f"{tmp_path.name}-unguarded.py"
    script.write_text(
        "import pathlib, threading\n"
        "from pulsecheck.runtime import Runtime\n"
        "from pulsecheck.sources.tree import FileIndex\n"
        "from pulsecheck.stages.phi.pool import scan_entries\n"
        f"root = pathlib.Path({str(tmp_path)!r})\n"
        "index = FileIndex(root)\n"
        "rt = Runtime(cpus=2).for_stage('phi', root.parent, threading.Event())\n"
        "out = list(scan_entries(index, index.files(), runtime=rt, workers=2, min_bytes=0))\n"
        "print([(o.rel, o.result.kinds['ssn'].lines) for o in out])\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[('f0.log', [2]), ('f1.log', [2]), ('f2.log', [2])]"
