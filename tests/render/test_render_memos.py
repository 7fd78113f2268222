"""The renderers remember what columns share (a type's builder call and spelling, a default function's SQL,
what a builder selects, an enum's values): a column rendered from what an earlier column left remembered is
written exactly as it is with nothing remembered, and a type's builder-call shape is the registry's template."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from schemactl.manifest.load import load_file, load_text
from schemactl.render.drizzle import COL, DrizzleRenderer, js_string, key, neutral_select, types_context
from schemactl.types import TIME_STORAGES, TYPES, TypeRef
from tests.conftest import CASES, ROOT

SOURCES = sorted((ROOT / "manifests").glob("*.yaml")) + sorted(CASES.glob("*/manifest.yaml"))
# Columns that share a type but differ in what the memos' keys hold: STRICT or not, $type, an own type, the
# manifest's SQLite spelling, a default function per type, array or not, an enum's values.
MIXED = """\
format: 1
name: mixed
version: 1
sqlite: {spell: {timestamp: DATETIME, json: JSON}}
enums:
  mood: [ok, "it's", "a\\\\b"]
tables:
  loose:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      stamp: {type: timestamp, default: {fn: now}}
      at: {type: timestamptz, nullable: false, default: {fn: now}}
      day: {type: date, default: {fn: now}}
      body: {type: jsonb, ts_type: "{ a: number }"}
      other: {type: jsonb}
      doc: {type: json}
      addr: {type: text, postgres_type: inet}
      plain: {type: text}
      name: {type: varchar(10)}
      wide: {type: varchar(200)}
      tags: {type: "text[]"}
      mood: {type: mood, default: ok}
      key: {type: uuid, default: {fn: uuid}}
  tight:
    sqlite: {strict: true}
    columns:
      id: {type: bigint, primary_key: true}
      stamp: {type: timestamp, default: {fn: now}}
      at: {type: timestamptz, default: {fn: now}}
      body: {type: jsonb}
      other: {type: jsonb, ts_type: "string[]"}
      doc: {type: json}
      addr: {type: text}
      plain: {type: text, postgres_type: cidr}
      name: {type: varchar(200)}
      tags: {type: text}
      mood: {type: mood}
"""
NAMES = ["id", 'a"b', "back\\slash", "{col}", "{{x}}", "nul\x00inside", "line\nbreak", "ünïcödé"]


def _id(p: Path) -> str:
    return p.parent.name if p.name == "manifest.yaml" else p.stem


@pytest.mark.parametrize("storage", TIME_STORAGES)
@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
def test_a_types_builder_shape_is_the_registry_template_with_the_name(engine, storage):
    m = load_text("format: 1\nname: x\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer}\n")
    r = DrizzleRenderer(dataclasses.replace(m, time_storage=storage), engine)
    for name, row in TYPES.items():
        for array in (False, True):
            ref = TypeRef(name, tuple(range(3, 3 + len(row.params))), array=array)
            template = getattr(ref.row, r.r.builder_field)
            if not isinstance(template, str):
                template = template[storage]
            for col in NAMES:
                call = template.format(col=js_string(col), **ref.params)
                assert r.shape(ref).replace(COL, js_string(col)) == call, (name, array)
                assert r.shape(ref).split("(", 1)[0] == call.split("(", 1)[0]   # the builder it records


def _forget(r: DrizzleRenderer) -> None:
    for memo in (r._shapes, r._ts_natural, r.ddl._spelled, r.ddl._functions, r.ddl._enum_values):
        memo.clear()


@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
@pytest.mark.parametrize("path", [None, *SOURCES], ids=lambda p: "mixed" if p is None else _id(p))
def test_a_column_is_written_alike_with_and_without_what_other_columns_left_remembered(path, engine):
    m = load_text(MIXED) if path is None else load_file(path)
    kept, fresh = DrizzleRenderer(m, engine), DrizzleRenderer(m, engine)
    for t in m.tables:
        for c in t.columns:
            _forget(fresh)
            assert kept.column(t, c) == fresh.column(t, c), (t.name, c.name)
            _forget(fresh)
            assert kept.ts_natural(c) == fresh.ts_natural(c), (t.name, c.name)
            _forget(fresh)
            assert kept.ddl.column_line(t, c) == fresh.ddl.column_line(t, c), (t.name, c.name)
            _forget(fresh)
            assert kept.ddl.column_type(t, c, catalog=True) == fresh.ddl.column_type(t, c, catalog=True)
        _forget(fresh)
        assert kept.ddl.checks(t) == fresh.ddl.checks(t), t.name


@pytest.mark.parametrize("path", [None, *SOURCES], ids=lambda p: "mixed" if p is None else _id(p))
def test_types_ts_selects_for_each_column_what_both_files_select_for_it_alone(path):
    """types.ts takes a column without a team's block from an earlier column of its type (see selects)."""
    m = load_text(MIXED) if path is None else load_file(path)
    ctx = types_context(m, "postgres", "")
    for t, row in zip(m.tables, ctx["tables"]):
        want, exact = [], True
        for c in t.columns:
            pg, lite = DrizzleRenderer(m, "postgres"), DrizzleRenderer(m, "sqlite")
            ts, same = neutral_select(pg, lite, t, c)
            exact = exact and same
            want.append(f"{key(pg.prop(t, c.name))}: {ts}{' | null' if pg.ts_nullable(t, c) else ''};")
        assert (row["select"], row["exact"]) == (want, exact), t.name


# The Drizzle files' relations are made once per model and shared by the other file (drizzle_relations._SPECS)
# while its tables' variables are the same; a PostgreSQL schema whose variable takes a table's name makes them
# differ (the PostgreSQL file's "app_schema" table is appSchemaTable), and then each file makes its own.
SCHEMA_NAMED = """\
format: 1
name: named
version: 1
postgres: {schema: app}
tables:
  app_schema:
    columns:
      id: {type: bigint, primary_key: true}
  users:
    columns:
      id: {type: bigint, primary_key: true}
      app_id: {type: bigint, references: {table: app_schema, column: id}}
      boss_id: {type: bigint, references: {table: users, column: id}}
"""


@pytest.mark.parametrize("path", SOURCES + ["schema-named"], ids=lambda p: p if isinstance(p, str) else _id(p))
def test_each_drizzle_file_is_written_alike_after_the_other_one(path):
    from schemactl import render
    from schemactl.render import drizzle_relations
    m = load_text(SCHEMA_NAMED, "named.yaml") if path == "schema-named" else load_file(path)
    alone = {}
    for name in ("schema.pg.ts", "schema.sqlite.ts"):
        drizzle_relations._SPECS.clear()
        alone[name] = render.render_file(m, name, "sha256:x")
    for first, second in (("schema.pg.ts", "schema.sqlite.ts"), ("schema.sqlite.ts", "schema.pg.ts")):
        drizzle_relations._SPECS.clear()
        assert render.render_file(m, first, "sha256:x") == alone[first]
        assert render.render_file(m, second, "sha256:x") == alone[second]
    if path == "schema-named":
        pg, lite = (DrizzleRenderer(m, e) for e in ("postgres", "sqlite"))
        assert pg.names[("table", "app_schema")] != lite.names[("table", "app_schema")]   # (what the case is about)
        assert "one(appSchemaTable," in alone["schema.pg.ts"] and "one(appSchema," in alone["schema.sqlite.ts"]
