"""Manifest parsers (issue 11): what each manifest declares, exact pins with their version and
ranges with none, at the line that declares them; hostile input is a one-line problem."""

from __future__ import annotations

from pathlib import Path

from pulsecheck.stages.deps.parsers import scan
from pulsecheck.stages.deps.parsers.gemfile import parse_gemfile
from pulsecheck.stages.deps.parsers.gradle import parse_gradle
from pulsecheck.stages.deps.parsers.json_manifest import parse_package_json
from pulsecheck.stages.deps.parsers.maven import parse_msbuild, parse_pom
from pulsecheck.stages.deps.parsers.py_manifest import parse_pipfile, parse_setup_cfg, parse_setup_py
from pulsecheck.stages.deps.parsers.python import parse_pyproject


def _got(packages: list) -> set[tuple[str, str, int | None, bool | None]]:  # type: ignore[type-arg]
    return {(p.name, p.version, p.line, p.dev) for p in packages}


def test_package_json_sections_pins_aliases_and_local() -> None:
    text = ('{\n "dependencies": {"a": "3.10.1", "b": "=1.2.3", "c": "v2.0.0-beta.1", "d": "^1.0.0",\n'
            '  "e": "1.2", "f": "npm:real-pkg@4.0.1", "g": "file:../g", "h": "github:u/h"},\n'
            ' "devDependencies": {"i": "~1.0.0", "a": "3.10.1"},\n "peerDependencies": {"j": "5.0.0"},\n'
            ' "optionalDependencies": {"k": "*"}\n}\n')
    assert _got(parse_package_json(text, "package.json")) == {
        ("a", "3.10.1", 2, False), ("b", "1.2.3", 2, False), ("c", "2.0.0-beta.1", 2, False), ("d", "", 2, False),
        ("e", "", 3, False), ("real-pkg", "4.0.1", 3, False), ("h", "", 3, False), ("i", "", 4, True),
        ("j", "5.0.0", 5, False), ("k", "", 6, False)}


def test_setup_py_literals_only() -> None:
    text = ("import setuptools\nBASE = ['a==1.0']\nEXTRA = BASE + ['b>=2']\nopts = dict(\n"
            "    tests_require=['pytest==7.0'],\n)\nsetuptools.setup(install_requires=EXTRA, **opts,\n"
            "    extras_require={'x': ['c===3.1'], 'y': sorted(['d'])})\n")
    assert _got(parse_setup_py(text, "setup.py")) == {
        ("a", "1.0", 2, False), ("b", "", 3, False), ("pytest", "7.0", 5, True), ("c", "3.1", 8, False)}


def test_setup_cfg_and_pipfile() -> None:
    cfg = ("[metadata]\nname = x\n[options]\ninstall_requires =\n    django==1.2  # old\n    requests>=2\n"
           "[options.extras_require]\ntest =\n    pytest==7.0\n")
    assert _got(parse_setup_cfg(cfg, "setup.cfg")) == {
        ("django", "1.2", 5, False), ("requests", "", 6, False), ("pytest", "7.0", 9, False)}
    pipfile = ('[packages]\ndjango = "==1.2"\nflask = "*"\nmine = {path = "."}\nreq = {version = "==2.0"}\n'
               '[dev-packages]\npytest = ">=7"\n')
    assert _got(parse_pipfile(pipfile, "Pipfile")) == {
        ("django", "1.2", 2, False), ("flask", "", 3, False), ("req", "2.0", 5, False), ("pytest", "", 7, True)}


def test_pyproject_project_and_poetry_tables() -> None:
    text = ('[project]\nname = "x"\ndependencies = ["django==1.2", "flask>=2"]\n'
            '[project.optional-dependencies]\nyaml = ["PyYAML==5.3"]\n'
            '[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "2.20.0"\nattrs = "^21"\n'
            'mine = {git = "https://example.invalid/x.git"}\n'
            '[tool.poetry.group.test.dependencies]\npytest = {version = "7.0.0"}\n')
    got = {(p.name, p.version, p.dev) for p in parse_pyproject(text, "pyproject.toml")}
    assert got == {("django", "1.2", False), ("flask", "", False), ("PyYAML", "5.3", False),
                   ("requests", "2.20.0", False), ("attrs", "", False), ("pytest", "7.0.0", True)}


def test_pom_properties_ranges_and_managed_versions() -> None:
    text = ("<project><version>2.0</version><properties><spring.version>4.3.0.RELEASE</spring.version>"
            "</properties><dependencies>\n"
            "<dependency><groupId>org.springframework</groupId><artifactId>spring-web</artifactId>"
            "<version>${spring.version}</version></dependency>\n"
            "<dependency><groupId>g</groupId><artifactId>ranged</artifactId><version>[1.0,2.0)</version></dependency>\n"
            "<dependency><groupId>g</groupId><artifactId>pinned</artifactId><version>[1.5]</version>"
            "<scope>test</scope></dependency>\n"
            "<dependency><groupId>g</groupId><artifactId>parent-prop</artifactId><version>${from.parent}</version>"
            "</dependency>\n</dependencies></project>")
    assert _got(parse_pom(text, "pom.xml")) == {
        ("org.springframework:spring-web", "4.3.0.RELEASE", 2, False), ("g:ranged", "", 3, False),
        ("g:pinned", "1.5", 4, True), ("g:parent-prop", "", 5, False)}


def test_gradle_groovy_and_kotlin() -> None:
    groovy = ("ext {\n    jacksonVersion = '2.9.8'\n}\ndependencies {\n"
              "    implementation 'org.apache.commons:commons-text:1.9'\n"
              "    implementation \"com.fasterxml.jackson.core:jackson-databind:$jacksonVersion\"\n"
              "    testImplementation group: 'junit', name: 'junit', version: '4.12'\n"
              "    implementation 'com.google.guava:guava:31.+'\n"
              "    implementation platform('org.springframework.boot:spring-boot-dependencies:2.7.0')\n"
              "    implementation 'org.springframework.boot:spring-boot-starter-web'\n}\n")
    assert _got(parse_gradle(groovy, "build.gradle")) == {
        ("org.apache.commons:commons-text", "1.9", 5, False),
        ("com.fasterxml.jackson.core:jackson-databind", "2.9.8", 6, False), ("junit:junit", "4.12", 7, True),
        ("com.google.guava:guava", "", 8, False),
        ("org.springframework.boot:spring-boot-dependencies", "2.7.0", 9, False),
        ("org.springframework.boot:spring-boot-starter-web", "", 10, False)}
    kts = 'dependencies {\n    implementation("io.ktor:ktor-server-core:2.3.0")\n    id("not:a:dep")\n}\n'
    assert _got(parse_gradle(kts, "build.gradle.kts")) == {("io.ktor:ktor-server-core", "2.3.0", 2, False)}


def test_gemfile_groups_options_and_sources() -> None:
    text = ("source 'https://rubygems.org'\ngem 'rails', '4.2.0'\ngem \"pg\", \">= 0.18\", \"< 2.0\"\n"
            "gem 'devise', '= 4.7.1', require: false\ngem 'own', git: 'https://example.invalid/own.git'\n"
            "group :development, :test do\n  gem 'rspec-rails', '3.5.0'\n  platforms :mri do\n"
            "    gem 'byebug'\n  end\nend\ngem 'rubocop', '1.0.0', group: :development\ngem 'puma', '~> 5.0'\n")
    assert _got(parse_gemfile(text, "Gemfile")) == {
        ("rails", "4.2.0", 2, False), ("pg", "", 3, False), ("devise", "4.7.1", 4, False),
        ("rspec-rails", "3.5.0", 7, True), ("byebug", "", 9, True), ("rubocop", "1.0.0", 12, True),
        ("puma", "", 13, False)}


def test_msbuild_package_references_and_central_versions(tmp_path: Path) -> None:
    csproj = ('<Project Sdk="Microsoft.NET.Sdk">\n<ItemGroup>\n'
              '<PackageReference Include="Newtonsoft.Json" Version="12.0.1" />\n'
              '<PackageReference Include="Serilog"><Version>2.10.0</Version></PackageReference>\n'
              '<PackageReference Include="Range.Pkg" Version="[1.0,2.0)" />\n'
              '<PackageReference Include="Central.Pkg" />\n</ItemGroup>\n</Project>\n')
    assert _got(parse_msbuild(csproj, "app.csproj")) == {
        ("Newtonsoft.Json", "12.0.1", 3, None), ("Serilog", "2.10.0", 4, None), ("Range.Pkg", "", 5, None),
        ("Central.Pkg", "", 6, None)}
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.csproj").write_text(csproj)
    (tmp_path / "Directory.Packages.props").write_text(
        '<Project><ItemGroup><PackageVersion Include="Central.Pkg" Version="3.1.0" /></ItemGroup></Project>')
    result = scan(tmp_path)
    # the central version answers for the reference without one; the range stays unresolved
    assert {(p.path, p.name, p.version) for p in result.packages if p.name in ("Central.Pkg", "Range.Pkg")} == {
        ("Directory.Packages.props", "Central.Pkg", "3.1.0"), ("src/app.csproj", "Range.Pkg", "")}


def test_hostile_manifests_are_one_line_problems(tmp_path: Path) -> None:
    cases = {"a/setup.py": "(" * 5000, "b/setup.py": "x = 1\x00\n", "c/package.json": "[1, 2]",
             "d/setup.cfg": "[options]\ninstall_requires\n  =\n[options]\n= x\n", "e/pom.xml": "<project>",
             "f/app.csproj": '<!DOCTYPE p [<!ENTITY e "x">]><Project/>'}
    for rel, text in cases.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = scan(tmp_path)
    assert sorted(p.split(":", 1)[0] for p in result.problems) == sorted(cases)
    assert all("\n" not in p for p in result.problems)


def test_big_hostile_lines_parse(tmp_path: Path) -> None:
    """Inputs that make backtracking regexes quadratic; parsed, not timed (see bench/deps.py)."""
    blob = "gem" + " " * 200_000 + "x\n" + "group" + " " * 200_000 + "do\n" + "a" * 200_000 + "\n"
    assert parse_gemfile(blob, "Gemfile") == []
    gradle = "implementation" + " " * 200_000 + "x\n" + "b" * 200_000 + " 'g:a:1'\n"
    assert parse_gradle(gradle, "build.gradle") == []
