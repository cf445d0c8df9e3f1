"""Benchmark: every deps manifest parser on about 1 MB of hostile input, bound 10 s each (issue 11).

    .venv/bin/python bench/deps_manifests.py [--bound 10] [--json OUT]

The inputs are the shapes that make backtracking regexes or naive parsers super-linear (long
runs of spaces after a keyword, one huge word, unclosed quotes, deep nesting) and the plain
large case (tens of thousands of entries). Exit 1 when any parser exceeds the bound.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pulsecheck.stages.deps.parsers.common import LockfileError  # noqa: E402
from pulsecheck.stages.deps.parsers.gemfile import parse_gemfile  # noqa: E402
from pulsecheck.stages.deps.parsers.gradle import parse_gradle  # noqa: E402
from pulsecheck.stages.deps.parsers.json_manifest import parse_composer_json, parse_package_json  # noqa: E402
from pulsecheck.stages.deps.parsers.maven import parse_msbuild, parse_pom  # noqa: E402
from pulsecheck.stages.deps.parsers.py_manifest import parse_pipfile, parse_setup_cfg, parse_setup_py  # noqa: E402

MB = 1 << 20
Parser = Callable[[str, str], list[object]]


def cases() -> dict[str, tuple[Parser, str]]:
    deps = ",".join(f'"p{i}": "1.0.{i}"' for i in range(40_000))
    return {
        "Gemfile: gem + 1M spaces": (parse_gemfile, "gem" + " " * MB),
        "Gemfile: 'do' + long blank runs": (parse_gemfile, ("x do" + " " * 1000 + "y\n") * 1000),
        "Gemfile: group with 250k names": (parse_gemfile, "group" + " :a," * (MB // 4) + " do\n"),
        "Gemfile: gem with 200k string args": (parse_gemfile, "gem 'a'" + ", 'x'" * (MB // 5) + "\n"),
        "Gemfile: 26k gems": (parse_gemfile, "gem 'rails', '4.2.0', group: :development\n" * (MB // 40)),
        "build.gradle: one 1M word": (parse_gradle, "a" * MB),
        "build.gradle: config + 1M spaces": (parse_gradle, "implementation" + " " * MB + "'g:a:1'"),
        "build.gradle: unclosed coordinate": (parse_gradle, "implementation '" + "a:" * (MB // 2)),
        "build.gradle: blank-padded assignments": (parse_gradle, ("x" + " " * 1000 + "=" + " " * 1000) * 500),
        "build.gradle: unclosed map name": (parse_gradle, "implementation group: 'g', name: '" + "a" * MB),
        "build.gradle: 21k dependencies": (parse_gradle, "    implementation 'org.a:b-c:1.9'\n" * (MB // 36)),
        "setup.py: 100k nested brackets": (parse_setup_py, "x = " + "[" * 100_000 + "]" * 100_000),
        "setup.py: 150k literal requirements": (parse_setup_py,
                                                "setup(install_requires=[" + "'a==1'," * (MB // 7) + "])"),
        "setup.py: 80k distinct requirements": (parse_setup_py, "setup(install_requires=["
                                                 + "".join(f"'a{i}>={i}'," for i in range(80_000)) + "])"),
        "setup.cfg: 100k requirements": (parse_setup_cfg, "[options]\ninstall_requires =\n" + "    a==1\n" * (MB // 10)),
        "Pipfile: 50k packages": (parse_pipfile, "[packages]\n" + "".join(f'p{i} = "==1.0"\n' for i in range(50_000))),
        "package.json: 40k dependencies": (parse_package_json, '{"dependencies": {' + deps + "}}"),
        "composer.json: 40k requirements": (parse_composer_json, '{"require": {' + deps.replace('"p', '"v/p') + "}}"),
        "pom.xml: 10k dependencies": (parse_pom, "<project><dependencies>" + "<dependency><groupId>g</groupId>"
                                      "<artifactId>a</artifactId><version>1</version></dependency>" * 10_000
                                      + "</dependencies></project>"),
        "csproj: 20k references": (parse_msbuild, "<Project>" + '<PackageReference Include="A" Version="1.0.0"/>'
                                   * (MB // 50) + "</Project>"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bound", type=float, default=10.0, help="seconds allowed per input")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    for name, (parse, text) in cases().items():
        start = time.perf_counter()
        try:
            outcome = f"{len(parse(text, 'f'))} packages"
        except LockfileError as exc:
            outcome = f"refused: {exc}"
        seconds = time.perf_counter() - start
        rows.append({"input": name, "mb": round(len(text) / MB, 2), "seconds": round(seconds, 2),
                     "outcome": outcome[:80], "within_bound": seconds <= args.bound})
        print(f"{name:42s} {len(text) / MB:5.2f} MB {seconds:6.2f} s  {outcome[:60]}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    slow = [r["input"] for r in rows if not r["within_bound"]]
    print(f"{len(rows) - len(slow)}/{len(rows)} within {args.bound:g} s" + (f"; over: {slow}" if slow else ""))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
