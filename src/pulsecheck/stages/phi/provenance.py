"""Where a file sits says whether its patient-shaped values can be a real patient's.

Measured on real health repositories, nearly every PHI finding at high severity was demo or test
data: DBUnit datasets and unit-test fixtures, example payloads under ``examples/`` and
``samples/``, records in READMEs, sample data shipped with third-party libraries (ExtJS
examples, a DICOM library's sample scans, pydicom's charset files). Such a file is still
listed (a reviewer confirms it is fake) but at low severity, with the reason in the message.

Real exports are dumps, logs, uploads and data files of the application itself: none of the
rules below matches them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pulsecheck.sources.filetypes import is_test

# Directories of examples, samples and documentation (the shared test rule covers tests and fixtures).
_SAMPLE_DIR = re.compile(r"^(?:examples?|samples?|(?:sample|example)s?[_-][\w-]+|sample[_-]?data|example[_-]?data|dummy|dummy[_-]?data|"
                         r"docs?|documentation|guides?|demos?|demo[_-]?data|seed[_-]?data|mock[_-]?data|stories)$")
# What an application wrote while running (logs, dumps, uploads): real output even inside a demo or
# example application, so the example rule does not apply to it.
_RUNTIME_OUTPUT = re.compile(r"^(?:logs?|dumps?|backups?|uploads?|exports?)$|\.(?:log|dump|bak|sql\.gz)$")
# A file named as test or sample data ("jane_smith_test_mapping.csv", "dummy-users.json").
_TEST_NAME_WORD = re.compile(r"(?:^|[_.-])(?:test|tests|testing|sample|samples|dummy|fake|mock|mocks|fixture|fixtures)(?=[_.-])")
_DOC_FILE = re.compile(r"^(?:readme|changelog|changes|history|contributing|code_of_conduct)(?:\.\w+)?$|"
                       r"\.(?:md|mdx|markdown|rst|adoc|asciidoc|textile|rdoc)$")  # prose: its records are examples
# Third-party JavaScript and PHP libraries committed into an application (with a version suffix
# or not): the "vendor" directory rule of the file index does not see them under web/scripts or lib/.
_LIBRARY_DIR = re.compile(r"^(?:dojo|dijit|dojox|jquery(?:[-.]?ui)?|ext(?:js)?|sencha[-\w]*|yui\d?|tinymce|ckeditor\d?|"
                          r"codemirror|bootstrap|angular(?:js)?|prototype|scriptaculous|mootools|d3|lodash|"
                          r"underscore|backbone|handsontable|highcharts|fullcalendar|select2|datatables|tcpdf|"
                          r"phpmailer|fpdf|dompdf|zeroclipboard|moment|chart\.?js|swagger-ui|pdfjs|mathjax)"
                          r"(?:[-_.]?v?\d[\w.-]*)?(?:-gpl|-commercial)?$")
# A data directory inside a code package (``pydicom/data/...``): files a library ships for its tests.
_PACKAGE_DATA_DIR = re.compile(r"^(?:data|testfiles|test[_-]?files|test[_-]?images|charset[_-]?files|resources)$")

# SQL scripts that build or migrate a schema and seed it (``gaiadb_install_data.sql``, ``schema.sql``,
# ``sql/updates/...``, ``migrations/``): the rows they insert are an installer's sample data. A file
# named as a dump, backup or export is what a running system wrote, and is never one of these.
_SETUP_SQL_NAME = re.compile(r"install|seed|structure|schema|migrat|upgrade|update|fixture|bootstrap|setup|demo|"
                             r"(?:^|[\W\d_])init(?:[\W\d_]|$)")
_SETUP_SQL_DIR = re.compile(r"^(?:install(?:er)?|seeds?|seeders?|migrations?|migrate|updates?|upgrades?|schemas?|"
                            r"setup|fixtures?|init)$")
_DUMP_NAME = re.compile(r"dump|backup|export|snapshot|prod")

TEST_DATA = "test data"
SETUP_DATA = "sample rows of an install, seed or migration script"
EXAMPLE_DATA = "example or documentation data"
LIBRARY_DATA = "sample data of a third-party library"


def not_patient_reason(rel: str, *, test: bool | None = None) -> str | None:
    """Why ``rel``'s values are test or example data, or None for a file of the application.

    ``test`` is the file index's flag for the path (computed from ``rel`` when not given)."""
    parts = rel.lower().split("/")
    if (test if test is not None else is_test(rel)) or _TEST_NAME_WORD.search(parts[-1]):
        return TEST_DATA
    if any(_LIBRARY_DIR.match(p) for p in parts[:-1]):
        return LIBRARY_DATA
    if any(_RUNTIME_OUTPUT.search(p) for p in parts):
        return None
    if _setup_sql(parts):
        return SETUP_DATA
    if any(_SAMPLE_DIR.match(p) for p in parts[:-1]) or _DOC_FILE.search(parts[-1]):
        return EXAMPLE_DATA
    return None


def _setup_sql(parts: list[str]) -> bool:
    name = parts[-1]
    if not name.endswith(".sql") or _DUMP_NAME.search(name):
        return False
    return _SETUP_SQL_NAME.search(name) is not None or any(_SETUP_SQL_DIR.match(p) for p in parts[:-1])


def package_data_reason(rel: str, exists: Callable[[str], bool]) -> str | None:
    """A binary sample (a DICOM) in the data directory of a code package: a library's test file.

    ``exists(path)`` says whether the repository has that file (the file index's ``get``)."""
    parts = rel.split("/")
    for i, part in enumerate(parts[:-1]):
        if _PACKAGE_DATA_DIR.match(part.lower()) and i > 0:
            package = "/".join(parts[:i])
            if exists(f"{package}/__init__.py") or exists(f"{package}/package.json") \
                    or exists(f"{package}/composer.json"):
                return LIBRARY_DATA
    return None


def message_suffix(reason: str) -> str:
    return f"; synthetic or test data ({reason}), confirm it is not real patient data"
