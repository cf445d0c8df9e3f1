"""One resource model for every IaC format: Terraform, plan JSON, CloudFormation, Kubernetes,
Dockerfiles and docker-compose all become :class:`Resource` objects that the checks read.

Values are plain Python (``bool``, ``int``, ``str``, ``list``, ``dict``), a :class:`Ref` to
another resource (``aws_s3_bucket.x.id``), or :class:`Unresolved` when the scanner could not know
the value (a variable without a default, a module output, a data source). A check never fails on
an unresolved value: it says so in a note. CloudFormation property names are converted to
snake_case so that ``StorageEncrypted`` and ``storage_encrypted`` are read by the same check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Format = Literal["terraform", "plan", "cloudformation", "kubernetes", "dockerfile", "compose", "serverless"]


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value the scanner cannot know without running Terraform (or the cloud)."""

    expr: str

    def __str__(self) -> str:
        return f"${{{self.expr}}}"


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another resource's attribute: ``aws_s3_bucket.records.id``."""

    address: str
    attr: str = ""

    def __str__(self) -> str:
        return f"{self.address}.{self.attr}" if self.attr else self.address


MISSING: Any = object()
"""What :meth:`Resource.get` returns for an attribute that is not set."""


@dataclass(frozen=True)
class Resource:
    """One resource (a Terraform resource, a CloudFormation resource, a Kubernetes object, a
    Dockerfile, a compose service) with where it and its attributes are written."""

    type: str
    address: str
    """Stable identity: ``aws_s3_bucket.records``, ``module.db.aws_db_instance.main``,
    ``Deployment/clinic/portal``, ``Dockerfile``, ``service:db``."""
    path: str
    line: int
    attrs: Mapping[str, Any]
    format: Format
    end_line: int | None = None
    lines: Mapping[str, int] = field(default_factory=dict)
    """Dotted attribute path -> line (``ingress.0.cidr_blocks``), filled by the parser's scan."""
    many: bool = False
    """Declared with ``count``/``for_each``: several instances (the separation advice counts them)."""
    module: str = ""
    """The module path (``module.db``) for Terraform resources from a module."""

    def get(self, path: str, default: Any = MISSING) -> Any:
        """The value at a dotted path; a list on the way is entered at its first element unless
        the next part is an index. Unresolved stays Unresolved."""
        value: Any = self.attrs
        for part in path.split(".") if path else ():
            if isinstance(value, Unresolved):
                return value
            if isinstance(value, list):
                if part.isdigit():
                    index = int(part)
                    if index >= len(value):
                        return default
                    value = value[index]
                    continue
                if not value:
                    return default
                value = value[0]
            if isinstance(value, Unresolved):
                return value
            if not isinstance(value, Mapping) or part not in value:
                return default
            value = value[part]
        return value

    def line_of(self, path: str) -> int:
        """The line of the attribute (or its closest known parent), else the resource's line.
        A list on the way is entered at its first element, as :meth:`get` does."""
        if path.startswith("@"):  # a line the predicate knows (a Dockerfile instruction)
            return int(path[1:])
        key, best = "", self.line
        for part in path.split(".") if path else ():
            if key and not part.isdigit() and f"{key}.0" in self.lines:
                key = f"{key}.0"
            key = f"{key}.{part}" if key else part
            if key not in self.lines:
                break
            best = self.lines[key]
        return best


@dataclass(frozen=True, slots=True)
class Fail:
    """A check failed on ``attr`` (dotted, "" for the resource itself); ``evidence`` is a short
    excerpt such as ``storage_encrypted = false``, never a secret's value."""

    attr: str
    evidence: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Unknown:
    """A check could not decide because ``attr`` is unresolved."""

    attr: str


Outcome = Fail | Unknown | None
