"""XML manifests. pom.xml: declared dependencies and dependencyManagement pins, with ``${property}`` values
resolved from the pom's own ``<properties>`` (and ``project.version``). Parent poms and BOM
imports are not fetched: a version that cannot be resolved is left empty (reported unchecked
unless another pom of the project pins it), never guessed. NuGet: packages.config, and the
``PackageReference`` / ``PackageVersion`` items of SDK-style projects (*.csproj, *.fsproj,
*.vbproj, Directory.Packages.props)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - DTDs/entities are refused below

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError
from pulsecheck.stages.deps.parsers.pins import maven_exact, nuget_exact

_PROP = re.compile(r"\$\{([^}]+)\}")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in elem if _local(c.tag) == name), None)


def _text(elem: ET.Element | None, name: str) -> str:
    child = _child(elem, name) if elem is not None else None
    return (child.text or "").strip() if child is not None else ""


def _xml_root(text: str, what: str) -> ET.Element:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise LockfileError(f"DTDs and entities are not allowed in {what}")
    try:
        return ET.fromstring(text)  # noqa: S314 - no DTD, so no entity expansion
    except ET.ParseError as exc:
        raise LockfileError(f"invalid XML: {exc}") from None


def parse_pom(text: str, rel: str) -> list[Package]:
    root = _xml_root(text, "a pom")
    if _local(root.tag) != "project":
        raise LockfileError("not a Maven <project>")
    props = {_local(p.tag): (p.text or "").strip() for p in (_child(root, "properties") or [])}
    props.setdefault("project.version", _text(root, "version"))
    props.setdefault("project.groupId", _text(root, "groupId"))
    lines = Lines(text)

    def resolve(value: str) -> str:
        for _ in range(5):
            value = _PROP.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        return value

    out = []
    containers = [_child(root, "dependencies")]
    management = _child(root, "dependencyManagement")
    if management is not None:
        containers.append(_child(management, "dependencies"))
    for container in containers:
        for dep in container if container is not None else []:
            group, artifact = resolve(_text(dep, "groupId")), resolve(_text(dep, "artifactId"))
            version = resolve(_text(dep, "version"))
            if not group or not artifact or "${" in group or "${" in artifact:
                continue
            # "" for a parent pom's property, a version managed elsewhere, or a range
            version = maven_exact(version) if "${" not in version else ""
            scope = _text(dep, "scope")
            out.append(Package("Maven", f"{group}:{artifact}", version, rel,
                               lines.find(f"<artifactId>{_text(dep, 'artifactId')}</artifactId>"),
                               direct=True, dev=scope == "test"))
    return out


def parse_packages_config(text: str, rel: str) -> list[Package]:
    """NuGet's legacy ``packages.config``: ``<package id="..." version="..."/>`` entries."""
    root = _xml_root(text, "packages.config")
    lines = Lines(text)
    out = []
    for elem in root.iter():
        if _local(elem.tag) == "package" and elem.get("id") and elem.get("version"):
            name = str(elem.get("id"))
            out.append(Package("NuGet", name, str(elem.get("version")), rel, lines.find(f'"{name}"'),
                               direct=True, dev=elem.get("developmentDependency") == "true"))
    return out


def parse_msbuild(text: str, rel: str) -> list[Package]:
    """``<PackageReference Include="X" Version="1.2.3"/>`` (or a ``<Version>`` child) in a project
    file and ``<PackageVersion>`` in Directory.Packages.props. A reference without a version (central
    package management) or with an MSBuild property ``$(...)`` is left unresolved."""
    root = _xml_root(text, "an MSBuild project")
    lines = Lines(text)
    out = []
    for elem in root.iter():
        if _local(elem.tag) not in ("PackageReference", "PackageVersion"):
            continue
        name = elem.get("Include") or elem.get("Update")
        if not name or "$(" in name:
            continue
        version = elem.get("Version") or elem.get("VersionOverride") or _text(elem, "Version")
        out.append(Package("NuGet", name, nuget_exact(version or ""), rel, lines.find(f'"{name}"'), direct=True))
    return out
