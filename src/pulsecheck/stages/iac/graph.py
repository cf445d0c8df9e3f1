"""The resource graph: addresses, types and who refers to whom, enough to follow an S3 bucket
to its separate encryption / public-access-block / versioning / ACL / policy / logging
resources, a database to its security groups, subnet group and parameter group, a KMS key to
its users and a VPC to its flow logs. References match by :class:`Ref` (``bucket =
aws_s3_bucket.x.id``, ``!Ref Bucket``) or by the name a resource declares (``bucket = "records"``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pulsecheck.stages.iac.model import Ref, Resource

MAX_DEPTH = 24
_NAME_ATTRS = ("bucket", "name", "identifier", "bucket_name", "db_parameter_group_name")


def _refs(value: Any, key: str, out: list[tuple[str, Ref]], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, Ref):
        out.append((key, value))
    elif isinstance(value, list):
        for v in value:
            _refs(v, key, out, depth + 1)
    elif isinstance(value, Mapping):
        for v in value.values():
            _refs(v, key, out, depth + 1)


class Graph:
    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources: list[Resource] = list(resources)
        self.by_address: dict[str, Resource] = {}
        self.by_type: dict[str, list[Resource]] = defaultdict(list)
        self._referrers: dict[int, list[tuple[Resource, str]]] = defaultdict(list)
        self._named: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        for res in self.resources:
            self.by_address.setdefault(self._key(res.path, res.address, res.format), res)
            self.by_type[res.type].append(res)
        for res in self.resources:
            found: list[tuple[str, Ref]] = []
            for key, value in res.attrs.items():
                _refs(value, key, found)
            for key, ref in found:
                target = self.target(res, ref)
                if target is not None:
                    self._referrers[id(target)].append((res, key))
            for key in _NAME_ATTRS:
                value = res.attrs.get(key)
                if isinstance(value, str):
                    self._named[(key, value)].append(res)

    @staticmethod
    def _key(path: str, address: str, fmt: str) -> str:
        # CloudFormation logical ids are unique per template only; Terraform addresses per project.
        return f"{path}#{address}" if fmt == "cloudformation" else address

    def target(self, res: Resource, ref: Ref) -> Resource | None:
        """The resource a reference of ``res`` points at (same module, same template)."""
        if res.format == "cloudformation":
            return self.by_address.get(f"{res.path}#{ref.address}")
        prefix = f"{res.module}." if res.module else ""
        return self.by_address.get(prefix + ref.address)

    def referrers(self, res: Resource, types: Iterable[str], attr: str | None = None) -> list[Resource]:
        """Resources of these types that refer to ``res`` (through ``attr`` when given), or that
        name it (``bucket = "<its bucket name>"``)."""
        want = frozenset(types)
        out = [r for r, key in self._referrers.get(id(res), ()) if r.type in want and (attr is None or key == attr)]
        if attr is not None:
            for name_attr in ("bucket", "name", "identifier"):
                name = res.attrs.get(name_attr)
                if isinstance(name, str):
                    out.extend(r for r in self._named.get((attr, name), ()) if r.type in want and r not in out)
        return out

    def of_type(self, *types: str) -> list[Resource]:
        return [r for t in types for r in self.by_type.get(t, ())]
