"""Load a gitleaks TOML config (``--gitleaks-config``) so teams keep their custom rules.

Supported: ``[[rules]]`` with id, description, regex, secretGroup, keywords, entropy, path and
rule allowlists (``[rules.allowlist]`` or ``[[rules.allowlists]]``: regexes with their
``regexTarget``, stopwords, paths), plus the top-level ``[allowlist]`` / ``[[allowlists]]``.
Go's RE2 syntax is translated where Python's ``re`` differs (POSIX classes, ``\\z``,
mid-pattern flags). A rule that still cannot be compiled, or that matches on paths only, is
skipped and reported; it never stops the scan.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulsecheck.stages.secrets.rules import RuleError, SecretRule, build_rule

_POSIX = {"alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "digit": "0-9", "upper": "A-Z", "lower": "a-z",
          "xdigit": "0-9A-Fa-f", "space": r"\s", "punct": r"!-/:-@\[-`{-~", "word": r"\w"}
_INLINE_FLAGS = re.compile(r"\(\?([imsU]+)\)")


@dataclass
class GitleaksConfig:
    rules: list[SecretRule] = field(default_factory=list)
    path_regexes: list[re.Pattern[str]] = field(default_factory=list)
    regexes: list[re.Pattern[str]] = field(default_factory=list)
    stopwords: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def go_to_python(pattern: str) -> str:
    """Translate the RE2 constructs Python spells differently."""
    out = re.sub(r"\[:(\w+):\]", lambda m: _POSIX.get(m.group(1), m.group(0)), pattern)
    out = out.replace(r"\z", r"\Z").replace(r"\x{", r"\u{")
    out = re.sub(r"\\u\{([0-9a-fA-F]{1,4})\}", lambda m: "\\u" + m.group(1).rjust(4, "0"), out)
    flags = "".join(sorted(set("".join(_INLINE_FLAGS.findall(out)).replace("U", ""))))
    if flags:  # Python only accepts global flags at the very start
        out = f"(?{flags})" + _INLINE_FLAGS.sub("", out)
    return out


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(go_to_python(pattern))


def _allowlists(table: dict[str, Any]) -> list[dict[str, Any]]:
    single = table.get("allowlist")
    many = table.get("allowlists") or []
    return ([single] if isinstance(single, dict) else []) + [a for a in many if isinstance(a, dict)]


def load_gitleaks_config(path: Path) -> GitleaksConfig:
    """Parse ``path``; raises ``RuleError`` with a one-line reason if the file is unusable."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: not a readable gitleaks TOML config ({exc})") from None
    cfg = GitleaksConfig()
    for allow in _allowlists(data):
        for p in allow.get("paths", []):
            try:
                cfg.path_regexes.append(_compile(p))
            except re.error:
                cfg.skipped.append(f"global allowlist path {p!r}: unsupported regex")
        for r in allow.get("regexes", []):
            try:
                cfg.regexes.append(_compile(r))
            except re.error:
                cfg.skipped.append(f"global allowlist regex {r!r}: unsupported regex")
        cfg.stopwords.extend(str(w).lower() for w in allow.get("stopwords", []))
    for spec in data.get("rules", []):
        rid = str(spec.get("id", "")).strip()
        if not rid or "regex" not in spec:
            cfg.skipped.append(f"gitleaks rule {rid or '?'}: no regex (path-only rules are not supported)")
            continue
        try:
            cfg.rules.append(_convert(rid, spec))
        except (RuleError, re.error) as exc:
            cfg.skipped.append(f"gitleaks rule {rid}: {exc}")
    return cfg


def _convert(rid: str, spec: dict[str, Any]) -> SecretRule:
    allow: list[str] = []
    allow_line: list[str] = []
    stopwords: list[str] = []
    for a in _allowlists(spec):
        target = str(a.get("regexTarget", "secret"))
        (allow if target == "secret" else allow_line).extend(go_to_python(r) for r in a.get("regexes", []))
        stopwords.extend(a.get("stopwords", []))
    regex = _compile(str(spec["regex"]))
    group = int(spec.get("secretGroup", 0)) or (1 if regex.groups else 0)
    rule = build_rule({
        "id": f"gitleaks.{rid}", "title": str(spec.get("description") or rid), "regex": regex.pattern,
        "keywords": spec.get("keywords", []), "entropy": float(spec.get("entropy", 0.0)),
        "group": group, "kind": "specific", "priority": 40, "min_length": 1, "category": "gitleaks",
        "path": go_to_python(spec["path"]) if spec.get("path") else None,
        "stopwords": stopwords, "confidence": "medium", "severity": "high",
    }, prefix="secrets.")
    return dataclasses.replace(rule, allow=tuple(re.compile(a) for a in allow),
                               allow_line=tuple(re.compile(a) for a in allow_line))
