"""Pathological inputs for every parser the profile stage runs: 1 MB each, timed.

Each case is about 1 MB of one input kind shaped to hurt a regex or a brace matcher (long
runs of spaces, openers never closed, annotations without a declaration, thousands of
tables). It is fed through the data-map builder exactly as a scanned file would be, and
the seconds are printed. Target: under 10 s per case (issue 11); a case runs in its own
process so a runaway one is cut off at ``--limit`` seconds.

    .venv/bin/python bench/profile.py hostile [--limit 60] [--only jpa]
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

MB = 1_000_000


def _fill(head: str, unit: str, tail: str = "") -> str:
    return head + unit * max(1, (MB - len(head) - len(tail)) // max(1, len(unit))) + tail


_JPA_ENTITY = """package org.acme.model;
import javax.persistence.*;
/** A patient. */
@Entity
@Table(name = "patient", schema = "ehr")
public class Patient%d extends BaseOpenmrsData implements java.io.Serializable {
    @Id @GeneratedValue(strategy = GenerationType.IDENTITY) @Column(name = "patient_id")
    private Integer patientId;
    @Column(name = "given_name", length = 50, nullable = false)
    private String givenName;
    @Column(name = "birthdate") @Temporal(TemporalType.DATE)
    private java.util.Date birthdate;
    @OneToMany(mappedBy = "patient", cascade = CascadeType.ALL)
    private java.util.Set<PatientIdentifier> identifiers = new java.util.LinkedHashSet<>();
    public String getGivenName() { return givenName; }
    public void setGivenName(String givenName) { this.givenName = givenName; }
}
"""

CASES: dict[str, tuple[str, Callable[[], str]]] = {
    # JPA entities (the 22 s / 202 s report): blank method bodies became long runs of spaces
    "jpa/entities": ("src/Patient.java", lambda: "".join(_JPA_ENTITY % i for i in range(MB // len(_JPA_ENTITY)))),
    # the reproduction: a long method as an entity's last member (3.7 KB of it took 178 s)
    "jpa/long-last-method": ("src/A.java", lambda: _fill("@Entity\nclass A {\n  @Column(name = \"r\")\n  private String r;\n"
                                                         "  @Override\n  public String toString() {\n",
                                                         "    b.append(r).append(sep);\n", "  }\n}\n")),
    "jpa/space-runs": ("src/A.java", lambda: _fill("@Entity\nclass A {\n  void f() {", " ", "}\n  String x\n}")),
    "jpa/no-semicolon": ("src/A.java", lambda: _fill("@Entity\nclass A {\n", "  private java.util.Map<String, X> a b c\n")),
    "jpa/annotations": ("src/A.java", lambda: _fill("@Entity\nclass A {\n", "@Column(name = \"x\") ")),
    "jpa/annotation-unclosed": ("src/A.java", lambda: _fill("@Entity\nclass A {\n", "@Column(")),
    "jpa/entity-no-class": ("src/A.java", lambda: _fill("", "@Entity ")),
    "jpa/class-no-brace": ("src/A.java", lambda: _fill("", "@Entity class A ")),
    "jpa/unclosed-classes": ("src/A.java", lambda: _fill("", "@Entity class A { String a; ")),
    # SQL DDL
    "sql/tables": ("db/schema.sql", lambda: _fill("", "CREATE TABLE patient_x (id int primary key, first_name "
                                                       "varchar(50), dob date, ssn char(9));\n")),
    "sql/unclosed-create": ("db/schema.sql", lambda: _fill("", "create table t (")),
    "sql/parens": ("db/schema.sql", lambda: _fill("create table t (", "(")),
    "sql/alter-add": ("db/schema.sql", lambda: _fill("", "alter table t add column c int\n")),
    "sql/wide-table": ("db/schema.sql", lambda: _fill("create table t (", "a int, ", ")")),
    "sql/use-many": ("db/schema.sql", lambda: _fill("", "USE db1;\ncreate table t (a int);\n")),
    "sql/comments": ("db/schema.sql", lambda: _fill("", "-- create table t (a int\n")),
    # Prisma
    "prisma/models": ("prisma/schema.prisma", lambda: _fill("datasource db {\n provider = \"postgresql\"\n}\n",
                                                             "model P {\n  id Int @id\n  email String\n}\n")),
    "prisma/unclosed": ("prisma/schema.prisma", lambda: _fill("", "model A {\n")),
    "prisma/wide": ("prisma/schema.prisma", lambda: _fill("model A {\n", "  a String @default(\"x\")\n", "}\n")),
    # TypeORM
    "typeorm/entities": ("src/e.ts", lambda: _fill("", "@Entity()\nexport class P {\n  @Column()\n  email: string;\n}\n")),
    "typeorm/entity-unclosed": ("src/e.ts", lambda: _fill("", "@Entity(")),
    "typeorm/columns-no-prop": ("src/e.ts", lambda: _fill("@Entity()\nclass A {\n", "@Column()\n")),
    "typeorm/class-unclosed": ("src/e.ts", lambda: _fill("", "@Entity() class A {\n")),
    # Sequelize
    "sequelize/define": ("src/m.js", lambda: _fill("const { Sequelize } = require('sequelize');\n",
                                                   "sequelize.define('p', { email: DataTypes.STRING });\n")),
    "sequelize/define-unclosed": ("src/m.js", lambda: _fill("const S = require('sequelize');\n",
                                                            "sequelize.define('p', {")),
    "sequelize/unclosed-comment": ("src/m.js", lambda: _fill("require('sequelize');\nsequelize.define('p', {",
                                                             "a: 1, /*")),
    "sequelize/init": ("src/m.js", lambda: _fill("require('sequelize');\n",
                                                 "P.init({ email: S }, { sequelize, tableName: 'p' });\n")),
    "sequelize/init-unclosed": ("src/m.js", lambda: _fill("require('sequelize');\n", "P.init({")),
    # Mongoose
    "mongoose/schemas": ("src/m.js", lambda: _fill("", "const s = new Schema({ email: String });\n"
                                                       "mongoose.model('P', s);\n")),
    "extjs/defines": ("app/view/A.js", lambda: _fill("", "Ext.define('App.view.A', {\n  extend: 'Ext.panel.Panel',\n"
                                                      "  init: function() { this.callParent(); }\n});\n")),
    "js/long-identifier": ("src/m.js", lambda: _fill("", "a" * 1000 + ".define(" + "b" * 1000 + ".init(")),
    "ts-models/repository-generics": ("src/models/Patient.ts", lambda: _fill(
        "export interface Patient {\n  name: string\n}\n", "class R extends Repository<Repository<Model<")),
    "ts-models/interfaces": ("src/models/Patient.ts", lambda: _fill("", "export interface P {\n  givenName: string\n")),
    "mongoose/unclosed": ("src/m.js", lambda: _fill("", "x = new Schema({")),
    "mongoose/models": ("src/m.js", lambda: _fill("s = new Schema({a: 1});\n", "mongoose.model('a', s);")),
    # ActiveRecord
    "activerecord/schema": ("db/schema.rb", lambda: _fill("", "create_table \"p\" do |t|\n  t.string \"email\"\nend\n")),
    "activerecord/no-end": ("db/schema.rb", lambda: _fill("", "create_table :p do |t|\n")),
    "activerecord/wide": ("db/schema.rb", lambda: _fill("create_table :p do |t|\n", "  t.string :email\n", "end\n")),
    # GraphQL
    "graphql/types": ("schema.graphql", lambda: _fill("", "type P {\n  email: String\n  dob: Date\n}\n")),
    "graphql/unclosed": ("schema.graphql", lambda: _fill("", "type A {\n")),
    "graphql/args-unclosed": ("schema.graphql", lambda: _fill("type A {\n", "  a(")),
    # OpenAPI / JSON Schema
    "openapi/schemas": ("openapi.yaml", lambda: "openapi: 3.0.0\ncomponents:\n  schemas:\n" + "".join(
        f"    P{i}:\n      properties:\n        email: {{type: string}}\n" for i in range(MB // 60))),
    "openapi/json-wide": ("openapi.json", lambda: '{"openapi": "3.0", "components": {"schemas": {"P": {"properties": {'
                          + ",".join(f'"f{i}": {{"type": "string"}}' for i in range(40_000)) + "}}}}}"),
    "openapi/deep": ("openapi.json", lambda: '{"openapi": "3.0", "components": ' + "[" * 200_000 + "]" * 200_000 + "}"),
    # Django / SQLAlchemy via ast
    "django/models": ("app/models.py", lambda: _fill("from django.db import models\n",
                                                     "class P(models.Model):\n    email = models.EmailField()\n")),
    "django/many-classes": ("app/models.py", lambda: "from django.db import models\n" + "".join(
        f"class P{i}(models.Model):\n    ssn = models.CharField()\n" for i in range(18_000))),
    "sqlalchemy/chain": ("app/models.py", lambda: "from sqlalchemy.orm import declarative_base\nBase = "
                         "declarative_base()\nclass M0(Base):\n    __tablename__ = 'm'\n" + "".join(
                             f"class M{i + 1}(M{i}):\n    ssn = Column(String)\n" for i in range(20_000))),
    "sqlalchemy/wide": ("app/models.py", lambda: "from sqlalchemy import Column\nclass P(Base):\n"
                        "    __tablename__ = 'p'\n" + "".join(f"    c{i} = Column(String)\n" for i in range(40_000))),
    # Hibernate XML mappings
    "hbm/classes": ("api/Patient.hbm.xml", lambda: _fill("<hibernate-mapping package=\"org.x\">\n",
                                                          "<class name=\"Patient\" table=\"patient\"><id name=\"id\" "
                                                          "column=\"patient_id\"/><property name=\"birthdate\" "
                                                          "column=\"birthdate\"/></class>\n", "</hibernate-mapping>")),
    "hbm/entity-bomb": ("api/A.hbm.xml", lambda: "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"" + "x" * 1000
                        + "\">" + "".join(f"<!ENTITY a{i} \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">" for i in range(8))
                        + "]>\n<hibernate-mapping><class name=\"A\">&a7;</class></hibernate-mapping>"),
    "hbm/deep": ("api/A.hbm.xml", lambda: "<hibernate-mapping>" + "<a>" * 100_000 + "</a>" * 100_000
                 + "</hibernate-mapping>"),
    # Laravel/Eloquent migrations and raw SQL in PHP
    "php/migrations": ("database/migrations/2020_create_p.php", lambda: _fill("<?php\n", "Schema::create('p', "
                       "function (Blueprint $table) {\n    $table->string('first_name');\n});\n")),
    "php/unclosed": ("database/migrations/2020_create_p.php", lambda: _fill("<?php\n", "Schema::create('p', function (")),
    "php/wide": ("database/migrations/2020_create_p.php", lambda: _fill(
        "<?php\nSchema::create('p', function (Blueprint $table) {\n", "    $table->string('email');\n", "});\n")),
    "php/raw-sql": ("library/sql.inc.php", lambda: _fill("<?php\n", "sqlStatement(\"CREATE TABLE p (fname varchar(9), "
                                                                    "DOB date)\");\n")),
}


def run_case(name: str) -> float:
    """Seconds to feed one case through the data-map builder and build the map."""
    from pulsecheck.stages.profile.datamap.build import DataMapBuilder

    rel, make = CASES[name]
    text = make()
    notes: list[str] = []
    start = time.perf_counter()
    builder = DataMapBuilder(notes.append)
    builder.add(rel, text)
    builder.build()
    return time.perf_counter() - start


def hostile(limit: float, only: str | None) -> int:
    """Every case in its own process; prints seconds per case and the worst."""
    print(f"\n{'pathological input (1 MB)':34} {'seconds':>8}")
    worst, slow = 0.0, 0
    for name in CASES:
        if only and not name.startswith(only):
            continue
        cmd = [sys.executable, __file__, name]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=False)
            shown = done.stdout.strip() if done.returncode == 0 else f"error: {done.stderr.strip()[-120:]}"
            seconds = float(shown) if done.returncode == 0 else 0.0
        except subprocess.TimeoutExpired:
            shown, seconds = f">{limit:.0f}", limit
        worst = max(worst, seconds)
        slow += seconds >= 10
        print(f"{name:34} {shown:>8}")
    print(f"{'worst':34} {worst:8.2f}   cases at or over 10 s: {slow}")
    return 1 if slow else 0


if __name__ == "__main__":
    print(f"{run_case(sys.argv[1]):.2f}")
