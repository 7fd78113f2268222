"""Every type change between two portable types, planned and applied: each one is either refused when the migration
is planned (naming the table, the column, both types and the way), or applied on both real engines alike -- never
one that PostgreSQL refuses on any table ("cannot cast type integer to uuid") while SQLite's rebuild applies it."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import uuid
from decimal import Decimal

import pytest

from schemactl.diff import diff
from schemactl.engines import ENGINES
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_text
from schemactl.migrations.plan import plan
from schemactl.migrations.sql import statements
from schemactl.runtime import migrate
from schemactl.types import TYPES
from tests.migrations.chain_support import Chain

ARGS = {"varchar": "(20)", "numeric": "(10,2)", "character": "(5)"}
# every registry row (its parameters filled in), an enum, and arrays (two of which widen to the others)
SPELLED = [name + ARGS.get(name, "") for name in TYPES] + ["status", "text[]", "varchar(20)[]", "integer[]",
                                                          "bigint[]"]
PAIRS = list(itertools.permutations(SPELLED, 2))


def _manifest(columns: dict[str, str]) -> str:
    lines = "".join(f'      {name}: {{type: "{typ}"}}\n' for name, typ in columns.items())
    return ("format: 1\nname: retyped\nversion: 1\nenums: {status: [a, b]}\ntables:\n  t:\n    columns:\n"
            "      id: {type: integer, primary_key: true}\n" + lines)


def _refusal(before: str, after: str) -> str | None:
    """Why `migrate new` refuses the change (the statements of both engines are rendered when it is planned)."""
    old, new = load_text(_manifest({"c": before}), "m.yaml"), load_text(_manifest({"c": after}), "m.yaml")
    try:
        for engine in ENGINES:
            statements(plan(old, new), old, new, engine)
    except ValueError as exc:
        return str(exc)
    return None


VERDICTS = {pair: _refusal(*pair) for pair in PAIRS}
ALLOWED = [pair for pair, why in VERDICTS.items() if why is None]


def test_a_refused_type_change_names_the_column_both_types_and_the_way():
    for (before, after), why in VERDICTS.items():
        if why is not None:
            assert why.startswith(f"column t.c: {before} -> {after} "), why
            assert "add a column of the new type" in why, why


@pytest.mark.parametrize("before,after", [
    ("integer", "uuid"), ("boolean", "uuid"), ("uuid", "integer"), ("bytes", "text"), ("json", "integer"),
    ("jsonb", "integer"), ("date", "integer"), ("text", "text[]"), ("integer", "integer[]"), ("status", "integer"),
    ("integer", "status"), ("boolean", "text"), ("double", "text"), ("text", "bytes"), ("text", "tsvector"),
    ("integer[]", "text"), ("bigint[]", "integer[]"), ("status", "numeric(10,2)"), ("jsonb", "text"),
    ("jsonb", "varchar(20)"), ("jsonb", "character(5)"),
])
def test_a_change_postgresql_cannot_make_or_makes_otherwise_is_refused(before, after):
    assert VERDICTS[(before, after)] is not None


# A value of the old type (an SQL literal both engines read, or one per engine) that the new type holds.
_TEXT_AS = {"uuid": "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "boolean": "'yes'", "int16": "' 12'",
            "int32": "'12 '", "int64": "'-12'", "float": "' 1.5'", "numeric": "'1.25'", "json": "'{\"a\": [1, 2]}'",
            "enum": "'b'", "char": "'abc'"}
# character(5): padded on both engines, as PostgreSQL pads a value (and schemactl on SQLite, README)
_CHAR_AS = {"boolean": "'on   '", "int16": "'12   '", "int32": "'12   '", "int64": "'12   '", "float": "'1.5  '",
            "numeric": "'1.25 '", "json": "'[1]  '"}
_SAMPLES = {"uuid": "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "boolean": "true", "int16": "1", "int32": "1",
            "int64": "1", "float": "2", "numeric": "'2.00'", "json": "'{\"a\": 1}'", "tsvector": "'''a'' ''b'''",
            "enum": "'b'", "text[]": ("'{x,y}'", "'[\"x\",\"y\"]'"), "int32[]": ("'{1,2}'", "'[1,2]'")}


def _sample(before: str, after: str, engine: str) -> str:
    old, new = (load_text(_manifest({"c": t}), "m.yaml").table("t").column("c").type for t in (before, after))
    if old.kind == "text":
        value = _TEXT_AS.get(new.kind, "'hello'")
    elif old.kind == "char":
        value = _CHAR_AS.get(new.kind, "'abc  '")
    else:
        value = _SAMPLES.get(old.kind, "NULL")
    value = value[engine == "sqlite"] if isinstance(value, tuple) else value
    # a text longer than a varchar(n) or character(n) holds (refused alike, tests/migrations/test_matrix.py)
    longest = min(t.params.get("length", 99) for t in (old, new))
    return "NULL" if len(value[1:-1].replace("''", "'")) > longest else value


def _plain(value, kind: str):
    """A value as both drivers can compare it."""
    if value is None:
        return None
    if isinstance(value, str) and (kind == "json" or kind.endswith("[]")):
        return json.loads(value)                  # SQLite's JSON text: PostgreSQL's driver gives the document
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (Decimal, uuid.UUID)) or kind == "numeric":
        return str(value) if kind != "numeric" else Decimal(str(value))
    return value


def test_every_allowed_type_change_applies_alike_on_both_engines(tmp_path, pg):
    """All the allowed changes in one migration of one table (a column each), over a row of values and a row of
    NULLs: both engines apply it, hold the same values and show the manifest's catalog."""
    assert len(ALLOWED) > 50
    cols = {f"c{i}": pair for i, pair in enumerate(ALLOWED)}
    text = _manifest({name: before for name, (before, _) in cols.items()})
    chain = Chain(tmp_path)
    m1, _ = chain.release(text, "init")
    conns = {"sqlite": sqlite3.connect(str(tmp_path / "db.sqlite")), "postgres": pg}
    names = ", ".join(cols)
    for engine, conn in conns.items():
        migrate(conn, chain.bundle(m1))
        values = ", ".join(_sample(before, after, engine) for before, after in cols.values())
        conn.execute(f"INSERT INTO t (id, {names}) VALUES (1, {values})")
        conn.execute("INSERT INTO t (id) VALUES (2)")
        conn.commit()
    m2, _ = chain.release(_manifest({name: after for name, (_, after) in cols.items()}), "retype")
    kinds = [m2.table("t").column(name).type.kind for name in cols]
    got = {}
    for engine, conn in conns.items():
        assert migrate(conn, chain.bundle(m2)) == [2]
        conn.commit()
        rows = conn.execute(f"SELECT {names} FROM t ORDER BY id").fetchall()
        got[engine] = [[_plain(v, k) for v, k in zip(row, kinds)] for row in rows]
        assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []
    differ = [(pair, lite_v, pg_v) for pair, lite_v, pg_v in zip(cols.values(), got["sqlite"][0], got["postgres"][0])
              if lite_v != pg_v]
    assert differ == [], "\n".join(map(repr, differ))
    assert got["sqlite"][1] == got["postgres"][1] == [None] * len(cols)
