"""Where a secret stands decides how loud it is: vendored code, tests, examples, docs, catalogues.

A value rule cannot tell a leaked key from the AWS SDK's documentation sample or a DBUnit
test user's password hash by the value alone; the file says it. Findings wholly in such
places are kept (a real key in a fixture is still a key) but never reach high severity:

- vendored third-party code (``node_modules``, ``vendor``, ``site-packages``... the shared
  file-type rule with versioned copies such as ``lib/html2pdf_v4.03/``, plus bundled libraries and
  directories that hold installed ``*.dist-info`` packages): LOW, "vendored dependency";
- tests, fixtures and test datasets (the shared test-path rule): a name-matched value LOW, a
  key of a vendor's own format MEDIUM (test keys are usually throwaway, sometimes not);
- example and template files (``.env.example``, ``*.dist``, ``*.sample``) and documentation
  (README, ``*.md``, package ``METADATA``): LOW for values people choose, MEDIUM for vendor
  keys.

Translation catalogues (``messages_es.properties``, ``.po``, ``.strings``, ``.resx``,
``.xliff``, ``locales/*.json``) hold sentences *about* passwords: name-matched values there
are dropped unless they look machine-made (:func:`is_catalogue`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pulsecheck.model import Confidence, Severity
from pulsecheck.sources import filetypes

_INSTALLED_META = re.compile(r"\.(?:dist-info|egg-info)$")
_EXAMPLE_SUFFIXES = frozenset({"example", "examples", "sample", "samples", "template", "tmpl", "tpl", "dist", "skel"})
_EXAMPLE_STEM = re.compile(r"^(?:example|sample|template)s?(?:[_-]|$)|[_-](?:example|sample|template)s?$",
                           re.IGNORECASE)
_DOC_FILE = re.compile(r"\.(?:md|mdx|markdown|rst|adoc|asciidoc|textile|rdoc|pod)$|^(?:metadata|pkg-info)$|"
                       r"^(?:readme|changelog|changes|history|install|usage)(?:\.(?:txt|text|html?))?$",
                       re.IGNORECASE)
_CATALOGUE_FILE = re.compile(
    r"\.(?:po|pot|strings|stringsdict|resx|xlf|xliff|arb)$|"
    r"^(?:messages|strings|translations?|i18n|locale|lang)"
    r"(?:[_-][A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,4})?)?\.(?:properties|json|ya?ml|php|js|ts)$", re.IGNORECASE)
_CATALOGUE_DIR = re.compile(r"^(?:locales?|i18n|l10n|lang|langs|languages|translations?|messages|nls|"
                            r"[a-z]{2}(?:[_-][A-Za-z]{2})?\.lproj)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Placement:
    """How loud a finding may be where it stands: None when the place says nothing."""

    severity: Severity
    confidence: Confidence
    why: str


def _file(path: str) -> str:
    return path.rsplit("/", 1)[-1]


_LIBRARY_PARENT = frozenset({"lib", "libs", "ext", "external", "externals", "extern", "3rdparty", "thirdparty",
                             "third-party", "contrib", "deps", "_vendor", "vendors", "plugins"})
_MANIFEST = frozenset({"composer.json", "package.json", "bower.json", "setup.py", "pyproject.toml", "pom.xml",
                       "cargo.toml", "go.mod"})
_LICENCE = re.compile(r"^(?:licen[cs]e|copying|copyright)(?:\.\w+)?$", re.IGNORECASE)


def third_party_dirs(paths: Iterable[str]) -> frozenset[str]:
    """Directories of third-party code the shared vendored rule does not name, from the tree's
    file list: those holding installed Python distributions (a ``*.dist-info`` child: a
    site-packages tree scanned as the root), and bundled libraries (``lib/tcpdf/``: a directory
    under ``lib``, ``ext``, ``contrib``... with its own package manifest and licence file)."""
    out: set[str] = set()
    children: dict[str, set[str]] = {}
    for path in paths:
        parts = path.split("/")
        for i, part in enumerate(parts[:-1]):
            if _INSTALLED_META.search(part):
                out.add("/".join(parts[:i]))
                break
        if len(parts) >= 3 and parts[-3].lower() in _LIBRARY_PARENT:
            children.setdefault("/".join(parts[:-1]), set()).add(parts[-1].lower())
    for folder, names in children.items():
        if names & _MANIFEST and any(_LICENCE.match(n) for n in names):
            out.add(folder)
    return frozenset(out)


def is_vendored(path: str, third_party: frozenset[str] = frozenset()) -> bool:
    """Third-party code: the shared vendored rule (versioned copies such as ``lib/extjs-4.2.1/``
    included) or a :func:`third_party_dirs` tree."""
    if filetypes.is_vendored(path):
        return True
    if not third_party:
        return False
    parts = path.split("/")
    return any("/".join(parts[:i]) in third_party for i in range(len(parts)))


def is_example_file(path: str) -> bool:
    """``.env.example``, ``config.php.dist``, ``settings.sample.json``, ``docker-compose.template.yml``."""
    parts = _file(path).lower().lstrip(".").split(".")
    return any(p in _EXAMPLE_SUFFIXES for p in parts[1:]) or bool(_EXAMPLE_STEM.search(parts[0]))


def is_doc_file(path: str) -> bool:
    """README, Markdown/reST/AsciiDoc pages, package ``METADATA``: prose with sample values."""
    return bool(_DOC_FILE.search(_file(path)))


def is_catalogue(path: str) -> bool:
    """A translation catalogue: gettext, Java/Spring message bundles, Apple, .NET, XLIFF, i18n JSON."""
    if _CATALOGUE_FILE.search(_file(path)):
        return True
    parts = path.split("/")
    return any(_CATALOGUE_DIR.match(p) for p in parts[:-1]) and _file(path).lower().endswith(
        (".json", ".properties", ".yml", ".yaml", ".po", ".php", ".js", ".ts", ".xml"))


_LOW = Confidence.LOW


def placement(path: str, *, generic: bool, confidence: Confidence,
              third_party: frozenset[str] = frozenset()) -> Placement | None:
    """The ceiling for a finding at ``path``; ``generic`` is a value matched by its name or a
    URI's password (chosen by people), as opposed to a key in a vendor's own format."""
    if is_vendored(path, third_party):
        return Placement(Severity.LOW, _LOW, "in a vendored dependency (third-party code; its test and "
                                               "documentation keys are not this project's)")
    if filetypes.is_test(path):
        if generic:
            return Placement(Severity.LOW, _LOW, "in test data (a test dataset or fixture)")
        return Placement(Severity.MEDIUM, min(confidence, Confidence.MEDIUM), "in test code or fixtures")
    if is_example_file(path) or is_doc_file(path):
        kind = "an example or template file" if is_example_file(path) else "documentation"
        if generic:
            return Placement(Severity.LOW, _LOW, f"in {kind} (a sample value)")
        return Placement(Severity.MEDIUM, min(confidence, Confidence.MEDIUM), f"in {kind}")
    return None


def loudest(places: Iterable[Placement | None]) -> Placement | None:
    """The ceiling of a finding seen in several places: none as soon as one place sets none."""
    out: Placement | None = None
    for p in places:
        if p is None:
            return None
        if out is None or p.severity > out.severity:
            out = p
    return out
