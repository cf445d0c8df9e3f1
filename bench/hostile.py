"""Hostile-repository cases of issue 10 under hard caps: time and peak memory per case.

Each case builds a minimal hostile repository in a temporary directory, then runs the real CLI
under ``prlimit`` (address space and CPU seconds) with a wall-clock timeout, through
``/usr/bin/time -v`` for the peak resident memory of the whole process tree's largest process.
A case passes when the CLI ended by itself (no cap hit) with the expected exit codes.

    .venv/bin/python bench/hostile.py                # every case, default caps
    .venv/bin/python bench/hostile.py --only bomb    # cases whose name contains "bomb"
    .venv/bin/python bench/hostile.py --big          # the 3 x 300 MB single-commit history
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / ".venv" / "bin" / "pulsecheck"
KEY = "AKIA" + "UJZDEGXDNCF32EPF"  # the shape of an AWS key id, not a real one
GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], list[str]]
    """Builds the repository under the given directory; returns the CLI arguments."""
    ok_codes: tuple[int, ...] = (0, 1, 2)


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


def _commit_all(repo: Path, message: str) -> None:
    if not (repo / ".git").exists():
        _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def _audit(repo: Path, *extra: str) -> list[str]:
    return ["audit", str(repo), "-f", "json", "-o", str(repo.parent / "report.json"), "--quiet", *extra]


def planted_packages(work: Path) -> list[str]:
    marker = work / "markers"
    marker.mkdir()
    payload = f"import pathlib; pathlib.Path({str(marker)!r}, __name__).write_text('ran')\n"
    repo = _write(work / "repo", {
        **{p: payload for p in ("pulsecheck/__init__.py", "multiprocessing/__init__.py", "encodings/__init__.py",
                                "sitecustomize.py")},
        **{f"exports/e{i}.csv": "name,ssn\n" + "Jane Roe,123-45-6789\n" * 150_000 for i in range(6)},
        "settings.py": f"KEY = '{KEY}'\n"})
    _commit_all(repo, "planted")
    return _audit(repo)


def dev_zero_lockfiles(work: Path) -> list[str]:
    repo = _write(work / "repo", {"app.py": "x = 1\n"})
    for name in ("requirements.txt", "package-lock.json", "pnpm-lock.yaml", "Cargo.lock"):
        (repo / name).symlink_to("/dev/zero")
    os.mkfifo(repo / "constraints.txt")
    return _audit(repo)


def big_commit(size_mb: int) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        repo = work / "repo"
        line = b"patient_note = 'nothing to see here, just a long line of text'\n"
        for i in range(3):
            path = repo / f"blob{i}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                for _ in range(size_mb * 1024 * 1024 // len(line)):
                    fh.write(line)
        _commit_all(repo, "big")
        for i in range(3):
            (repo / f"blob{i}.txt").unlink()
        _commit_all(repo, "gone")
        return _audit(repo, "--stage", "secrets", "--stage", "phi")
    return build


def yaml_alias_bomb(work: Path) -> list[str]:
    lines = ["lockfileVersion: '6.0'", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 14)]
    lines.append("packages: *a13")
    repo = _write(work / "repo", {"pnpm-lock.yaml": "\n".join(lines) + "\n", "settings.py": f"KEY = '{KEY}'\n"})
    return _audit(repo)


def openapi_allof(work: Path) -> list[str]:
    lines = ["openapi: 3.0.0", "x-parts:", "  p0: &p0 {properties: {ssn: {type: string}}}"]
    lines += [f"  p{i}: &p{i} {{allOf: [*p{i - 1}, *p{i - 1}, *p{i - 1}]}}" for i in range(1, 25)]
    lines += ["components:", "  schemas:", "    Patient: *p24"]
    return _audit(_write(work / "repo", {"api/openapi.yaml": "\n".join(lines) + "\n"}))


def requirement_includes(work: Path) -> list[str]:
    n = 60
    files: dict[str, str | bytes] = {
        ("requirements.txt" if i == 0 else f"req{i}.txt"):
            (f"-r req{i + 1}.txt\n-c req{i + 1}.txt\n" if i + 1 < n else "-c requirements.txt\n") + f"pkg{i}==1.{i}\n"
        for i in range(n)}
    return _audit(_write(work / "repo", files), "--stage", "deps")


def one_small_file(work: Path) -> list[str]:
    depth = 1100
    repo = _write(work / "repo", {
        "requirements.txt": "django==1." + "9" * 4300 + "\n",
        "patients.csv": 'name,ssn,notes\nJane Roe,123-45-6789,"' + "n" * 200_000 + '"\n',
        "crlf.csv": "name,ssn\rJane Roe,123-45-6789\r",
        "deep.json": "[" * depth + "]" * depth})
    (repo / "loop").symlink_to("loop")
    deep = repo
    for _ in range(depth):
        deep = deep / "d"
        deep.mkdir()
    return _audit(repo)


def utf16_env(work: Path) -> list[str]:
    text = f"AWS_ACCESS_KEY_ID={KEY}\r\n".encode("utf-16-le")
    return _audit(_write(work / "repo", {".env": b"\xff\xfe" + text}), "--stage", "secrets")


def stage_timeout(work: Path) -> list[str]:
    line = "Jane Roe,123-45-6789,jane@example.org,555-0100\n"
    repo = _write(work / "repo", {f"e{i}.csv": "name,ssn,email,phone\n" + line * 1_000_000 for i in range(4)})
    return _audit(repo, "--stage", "phi") + ["--config", str(_write(work, {"cfg.toml": "stage_timeout = 2\n"})
                                                             / "cfg.toml")]


def db_import_liar(work: Path) -> list[str]:
    archive = work / "PyPI" / "all.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("liar.json", b" " * (1024 * 1024 * 1024))
    data = bytearray(archive.read_bytes())
    for signature, at, name_at, size_at in ((b"PK\x01\x02", 28, 46, 24), (b"PK\x03\x04", 26, 30, 22)):
        i = data.find(signature)
        while i != -1:
            n = int.from_bytes(data[i + at:i + at + 2], "little")
            if data[i + name_at:i + name_at + n] == b"liar.json":
                data[i + size_at:i + size_at + 4] = (100).to_bytes(4, "little")
            i = data.find(signature, i + 4)
    archive.write_bytes(bytes(data))
    return ["db", "import", str(archive), "--db", str(work / "osv.sqlite")]


def cases(big: bool) -> list[Case]:
    return [
        Case("c01-planted-packages", planted_packages),
        Case("c07-dev-zero-and-fifo", dev_zero_lockfiles),
        Case("c07-one-commit-3x" + ("300" if big else "30") + "MB", big_commit(300 if big else 30)),
        Case("c09-yaml-alias-bomb", yaml_alias_bomb),
        Case("c09-openapi-allof", openapi_allof),
        Case("c09-requirement-includes", requirement_includes),
        Case("c10-one-small-file", one_small_file),
        Case("c11-utf16-env", utf16_env),
        Case("c12-stage-timeout", stage_timeout),
        Case("c13-db-import-liar", db_import_liar, (0, 2)),
    ]


_MAXRSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")


def run_case(case: Case, mem_mb: int, cpu_s: int, wall_s: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix=f"pulsecheck-{case.name}-"))
    try:
        args = case.build(work)
        cmd = ["/usr/bin/time", "-v", "prlimit", f"--as={mem_mb * 1024 * 1024}", f"--cpu={cpu_s}", "--",
               str(CLI), *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")} | {
            "CI": "1", "PULSECHECK_DB": str(work / "no-db.sqlite"), **GIT_ENV}
        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=wall_s)
            code, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired as exc:
            code, err = -1, (exc.stderr or b"").decode() if isinstance(exc.stderr, bytes) else str(exc.stderr or "")
        elapsed = time.monotonic() - start
        rss = _MAXRSS.search(err)
        report = work / "report.json"
        stages = json.loads(report.read_text())["stages"] if report.is_file() else []
        return {"case": case.name, "exit": code, "seconds": round(elapsed, 1),
                "peak_mb": round(int(rss.group(1)) / 1024) if rss else None,
                "ok": code in case.ok_codes,
                "stages": {s["name"]: s["status"] for s in stages},
                "markers": sorted(p.name for p in (work / "markers").iterdir()) if (work / "markers").is_dir() else []}
    finally:
        subprocess.run(["rm", "-rf", str(work)], check=False)  # shutil.rmtree recurses per level


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run cases whose name contains this")
    parser.add_argument("--big", action="store_true", help="the 3 x 300 MB history case")
    parser.add_argument("--mem-mb", type=int, default=3072, help="address-space cap per process")
    parser.add_argument("--cpu-s", type=int, default=300, help="CPU-seconds cap")
    parser.add_argument("--wall-s", type=int, default=300, help="wall-clock timeout")
    ns = parser.parse_args()
    rows = [run_case(c, ns.mem_mb, ns.cpu_s, ns.wall_s) for c in cases(ns.big) if ns.only in c.name]
    print(f"{'case':30} {'exit':>4} {'s':>7} {'peak MB':>8}  ok  stages")
    for row in rows:
        stages = " ".join(f"{k}={v}" for k, v in row["stages"].items())  # type: ignore[attr-defined]
        markers = f"  MARKERS: {row['markers']}" if row["markers"] else ""
        print(f"{row['case']:30} {row['exit']:>4} {row['seconds']:>7} {row['peak_mb'] or '-':>8}  "
              f"{'yes' if row['ok'] else 'NO ':3} {stages}{markers}")
    return 0 if all(r["ok"] and not r["markers"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
