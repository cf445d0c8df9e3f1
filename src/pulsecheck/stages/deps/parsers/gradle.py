"""build.gradle / build.gradle.kts, read as text (a build script is a program: never run).

Only string-literal coordinates are read: ``implementation 'g:a:v'``, ``api("g:a:v")``,
``testImplementation group: 'g', name: 'a', version: 'v'``. A ``$name`` / ``${name}`` version
is resolved from a plain ``name = '1.2'`` assignment in the same file; anything else
(dynamic ``1.+``, a version catalog, a platform/BOM-managed version) is left unresolved.
"""

from __future__ import annotations

import re

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines
from pulsecheck.stages.deps.parsers.pins import maven_exact

# a word, not a word ending in a configuration name: ``\w*(?:api|...)`` backtracks quadratically
_CONFIG = r"\b([A-Za-z_]\w*)"
_CONFIGS = ("implementation", "api", "compile", "compileonly", "runtime", "runtimeonly", "kapt", "ksp", "classpath",
            "annotationprocessor", "provided", "developmentonly")
_COORD = re.compile(_CONFIG + r"""\s*(?:\(\s*)?(?:(?:enforced)?platform\s*\(\s*)?(['"])([^'"\s:]+):([^'"\s:]+)"""
                    r"""(?::([^'"\s:@]+))?(?::[^'"\s:@]+)?(?:@\w+)?\2""", re.IGNORECASE)
_MAP = re.compile(_CONFIG + r"""\s*(?:\(\s*)?group\s*[:=]\s*(['"])([^'"]+)\2\s*,\s*name\s*[:=]\s*(['"])([^'"]+)\4"""
                  r"""(?:\s*,\s*version\s*[:=]\s*(['"])([^'"]+)\6)?""", re.IGNORECASE)
_ASSIGN = re.compile(r"""(?:^|[\s.(,])(\w+)\s*=\s*['"]([^'"$\n]{1,100})['"]""", re.MULTILINE)
_REF = re.compile(r"^\$\{?(\w+)\}?$")


def _dev(config: str) -> bool | None:
    low = config.lower()
    if low == "classpath":
        return None  # buildscript: the build's tooling
    return low.startswith(("test", "androidtest"))


def parse_gradle(text: str, rel: str) -> list[Package]:
    values = {m.group(1): m.group(2) for m in _ASSIGN.finditer(text)}
    lines = Lines(text)
    found: list[tuple[int, str, str, str, str]] = []
    for m in _COORD.finditer(text):
        found.append((m.start(), m.group(1), m.group(3), m.group(4), m.group(5) or ""))
    for m in _MAP.finditer(text):
        found.append((m.start(), m.group(1), m.group(3), m.group(5), m.group(7) or ""))
    out = []
    for offset, config, group, artifact, version in sorted(found):
        if not config.lower().endswith(_CONFIGS):
            continue
        ref = _REF.match(version)
        if ref:
            version = values.get(ref.group(1), "")
        out.append(Package("Maven", f"{group}:{artifact}", maven_exact(version), rel, lines.of_offset(offset),
                           direct=True, dev=_dev(config)))
    return out
