"""Software bills of materials of the packages the lockfiles pin: CycloneDX 1.6 JSON through
``cyclonedx-python-lib``, and SPDX 2.3 JSON (a small, schema-validated document of our own:
``spdx-tools`` would pull rdflib and more for one output format).

One component per distinct purl; the manifests that declare it are recorded as properties.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from pulsecheck import __version__
from pulsecheck.stages.deps.package import Package


def unique(packages: Sequence[Package]) -> dict[str, list[Package]]:
    """purl -> the packages (one per manifest) it stands for; unpinned packages are left out."""
    out: dict[str, list[Package]] = {}
    for pkg in sorted(packages, key=lambda p: (p.ecosystem, p.key, p.version, p.path)):
        if pkg.version:
            out.setdefault(pkg.purl, []).append(pkg)
    return out


def cyclonedx_json(packages: Sequence[Package], project: str) -> str:
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentScope, ComponentType
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion
    from packageurl import PackageURL

    bom = Bom()
    root = Component(name=project, type=ComponentType.APPLICATION, bom_ref="project")
    bom.metadata.component = root
    for purl, pkgs in unique(packages).items():
        first = pkgs[0]
        dev = all(p.dev for p in pkgs)
        bom.components.add(Component(
            name=first.name, version=first.version, type=ComponentType.LIBRARY, bom_ref=purl,
            purl=PackageURL.from_string(purl),
            scope=ComponentScope.OPTIONAL if dev else ComponentScope.REQUIRED,
            properties=[Property(name="pulsecheck:manifest", value=p.path) for p in pkgs]
            + [Property(name="pulsecheck:ecosystem", value=first.ecosystem)]))
    bom.register_dependency(root, list(bom.components))
    return str(make_outputter(bom, OutputFormat.JSON, SchemaVersion.V1_6).output_as_string(indent=2))


def _spdx_id(index: int, name: str) -> str:
    return f"SPDXRef-Package-{index}-" + re.sub(r"[^A-Za-z0-9.\-]+", "-", name)[:60]


def spdx_json(packages: Sequence[Package], project: str, created: datetime | None = None) -> str:
    when = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    root_id = "SPDXRef-Package-root"
    doc_packages: list[dict[str, object]] = [{
        "name": project, "SPDXID": root_id, "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
        "primaryPackagePurpose": "APPLICATION"}]
    relationships = [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                      "relatedSpdxElement": root_id}]
    for index, (purl, pkgs) in enumerate(unique(packages).items(), 1):
        first = pkgs[0]
        spdx_id = _spdx_id(index, first.name)
        doc_packages.append({
            "name": first.name, "SPDXID": spdx_id, "versionInfo": first.version,
            "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
            "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "LIBRARY",
            "sourceInfo": "declared in " + ", ".join(sorted({p.path for p in pkgs})),
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                              "referenceLocator": purl}]})
        kind = "DEV_DEPENDENCY_OF" if all(p.dev for p in pkgs) else "DEPENDENCY_OF"
        relationships.append({"spdxElementId": spdx_id, "relationshipType": kind,
                              "relatedSpdxElement": root_id})
    doc = {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": project,
        "documentNamespace": f"https://spdx.org/spdxdocs/pulsecheck/{project}-{uuid.uuid4()}",
        "creationInfo": {"created": when, "creators": [f"Tool: pulsecheck-{__version__}"]},
        "packages": doc_packages, "relationships": relationships,
    }
    return json.dumps(doc, indent=2)
