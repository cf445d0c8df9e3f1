"""JSON manifests read when no lockfile resolves them: package.json (npm) and composer.json
(Packagist). Exact pins become packages with their version; ranges get an empty version, so
the stage reports them as unchecked instead of passing them."""

from __future__ import annotations

from typing import Any

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, load_json
from pulsecheck.stages.deps.parsers.npm import LOCAL, split_spec
from pulsecheck.stages.deps.parsers.pins import composer_exact, npm_exact

_NPM_SECTIONS = (("dependencies", False), ("optionalDependencies", False), ("peerDependencies", False),
                 ("devDependencies", True))
_COMPOSER_SECTIONS = (("require", False), ("require-dev", True))


def _object(text: str, what: str) -> dict[str, Any]:
    doc = load_json(text)
    if not isinstance(doc, dict):
        raise LockfileError(f"not a {what} object")
    return doc


def _sections(doc: dict[str, Any], sections: tuple[tuple[str, bool], ...]) -> dict[str, tuple[str, bool]]:
    """name -> (requirement, dev-only); a name in a runtime section is runtime."""
    out: dict[str, tuple[str, bool]] = {}
    for section, dev in sections:
        table = doc.get(section)
        for name, spec in table.items() if isinstance(table, dict) else ():
            if not isinstance(spec, str):
                continue
            if name not in out or (out[name][1] and not dev):
                out[str(name)] = (spec, dev)
    return out


def _npm_version(name: str, spec: str) -> tuple[str, str] | None:
    """(registry name, exact version or "") of one package.json requirement; None for the
    project's own packages (``file:``, ``link:``, ``workspace:``)."""
    spec = spec.strip()
    if spec.startswith(LOCAL):
        return None
    if spec.startswith("npm:"):
        real, wanted = split_spec(spec[4:])
        return real, npm_exact(wanted)
    return name, npm_exact(spec)


def parse_package_json(text: str, rel: str) -> list[Package]:
    """package.json: dependencies, optionalDependencies, peerDependencies, devDependencies."""
    doc, lines = _object(text, "package.json"), Lines(text)
    out = []
    for name, (spec, dev) in _sections(doc, _NPM_SECTIONS).items():
        found = _npm_version(name, spec)
        if found is None:
            continue
        out.append(Package("npm", found[0], found[1], rel, lines.find(f'"{name}"'), direct=True, dev=dev))
    return out


def parse_composer_json(text: str, rel: str) -> list[Package]:
    """composer.json require / require-dev; platform packages (``php``, ``ext-*``) have no slash
    and are not Packagist releases."""
    doc, lines = _object(text, "composer.json"), Lines(text)
    return [Package("Packagist", name, composer_exact(spec), rel, lines.find(f'"{name}"'), direct=True, dev=dev)
            for name, (spec, dev) in _sections(doc, _COMPOSER_SECTIONS).items() if "/" in name]
