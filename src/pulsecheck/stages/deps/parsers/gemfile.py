"""Gemfile (Bundler), read line by line as text: ``gem 'name', 'req', ...`` and ``group ... do``.

A Gemfile is Ruby and is never run; what a line builds at run time (``gem name`` from a
variable) is not a literal and is left out. Gems from ``git:``, ``github:`` or ``path:`` are
not RubyGems releases.
"""

from __future__ import annotations

import re

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.pins import gem_exact

_GEM = re.compile(r"""^\s*gem\s*(?:\(\s*)?(['"])([^'"\s]+)\1""")
_STRING_ARG = re.compile(r"""\s*,\s*(['"])([^'"]*)\1""")
_OPENS = re.compile(r"(?:\bdo(?:\s*\|[^|]*\|)?$)|^(?:if|unless|case|begin|while|until|def|class|module)\b")
_ENDS = re.compile(r"^\s*end\b")
_NOT_RELEASE = re.compile(r"\b(?:git|github|gist|bitbucket|path)\s*(?::|=>)")
_GROUP_OPTION = re.compile(r"\bgroups?\s*(?::|=>)\s*(\[[^\]]*\]|:\w+|['\"]\w+['\"])")
_SYMBOL = re.compile(r"""[:'"](\w+)""")
_DEV_GROUPS = frozenset({"development", "dev", "test", "tests", "ci", "lint", "linting", "rubocop", "debug"})


def _dev(groups_text: str) -> bool:
    names = set(_SYMBOL.findall(groups_text))
    return bool(names) and names <= _DEV_GROUPS


def _requirements(rest: str) -> list[str]:
    """The version requirement strings right after the gem name (before keyword options)."""
    out, pos = [], 0
    while match := _STRING_ARG.match(rest, pos):
        out.append(match.group(2))
        pos = match.end()
    return out


def parse_gemfile(text: str, rel: str) -> list[Package]:
    out = []
    blocks: list[bool] = []  # per open block: is it a development/test group?
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if _ENDS.match(line):
            if blocks:
                blocks.pop()
            continue
        if line.startswith("group") and line.endswith(" do"):
            blocks.append(_dev(line[5:-3]))
            continue
        gem = _GEM.match(line)
        if gem is None:
            if _OPENS.search(line):
                blocks.append(False)
            continue
        rest = line[gem.end():]
        if _NOT_RELEASE.search(rest):
            continue
        option = _GROUP_OPTION.search(rest)
        dev = any(blocks) or (option is not None and _dev(option.group(1)))
        out.append(Package("RubyGems", gem.group(2), gem_exact(_requirements(rest)), rel, number,
                           direct=True, dev=dev))
    return out
