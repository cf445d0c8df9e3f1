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

Two more places lower a value people choose (a generic password or a URI's) to MEDIUM:
configuration of a local development environment (a file in a ``local``, ``.local``, ``dev`` or
``development`` directory, such as cookiecutter-django's ``.envs/.local/.postgres``: credentials
of a database that only runs on the developer's machine; a ``.env.local`` file is not one, it
holds a developer's own keys), and a JSON member quoted in a comment (a documented sample
payload). A vendor-format key keeps its severity there.

A secret seen in several places is as loud as its loudest place, except that a file with the
same name as a vendored copy holding the same secret (``tcpdf.crt`` of a library copy removed
from the tree and seen only in history) is another copy of that library's file.

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
_LOCAL_ENV_DIR = frozenset({"local", ".local", "dev", ".dev", "development", "devel", "localdev", "local-dev"})
_PROGRAM_EXT = re.compile(r"\.(?:py|pyx|js|jsx|mjs|cjs|ts|tsx|java|kt|go|rb|php|cs|c|cc|cpp|h|hpp|swift|scala|rs|"
                          r"dart|vue|svelte|sh|bash|ps1)$", re.IGNORECASE)


def is_local_dev_config(path: str) -> bool:
    """Configuration of a local development environment: a non-code file in a directory named
    ``local``/``.local``/``dev``/``development`` (``.envs/.local/.postgres``, ``config/dev/db.yml``)."""
    parts = path.split("/")
    return any(p.lower() in _LOCAL_ENV_DIR for p in parts[:-1]) and not _PROGRAM_EXT.search(parts[-1])


def vendored_copies(paths: Iterable[str], third_party: frozenset[str] = frozenset()) -> frozenset[str]:
    """Paths of one secret that are not vendored by their own path but share their file name
    with a vendored place of the same secret: other copies of that library file."""
    paths = list(paths)
    names = {_file(p) for p in paths if is_vendored(p, third_party)}
    return frozenset(p for p in paths if _file(p) in names and not is_vendored(p, third_party))


def placement(path: str, *, generic: bool, confidence: Confidence,
              third_party: frozenset[str] = frozenset(), copy_of_vendored: bool = False) -> Placement | None:
    """The ceiling for a finding at ``path``; ``generic`` is a value matched by its name or a
    URI's password (chosen by people), as opposed to a key in a vendor's own format;
    ``copy_of_vendored``: the same secret is in a vendored file of this name (:func:`vendored_copies`)."""
    if copy_of_vendored or is_vendored(path, third_party):
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
    if generic and is_local_dev_config(path):
        return Placement(Severity.MEDIUM, min(confidence, Confidence.MEDIUM),
                         "in local development configuration (credentials of a service on the developer's machine)")
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
