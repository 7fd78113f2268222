"""Views whose outputs are expressions become typed pgView/sqliteView columns when the type is certain on
both engines (schemactl.render.drizzle_views), and application code selects from them: tsc (strict) proves
the declared TypeScript types, and drizzle-orm on better-sqlite3 and node-postgres returns values whose
JavaScript types are those (number / string / null), the same rows on both engines."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import psycopg
import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_text
from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.render.drizzle import DrizzleRenderer
from tests.conftest import ROOT
from tests.render.test_drizzle import _export, _workdir, drizzle_limits, toolchain  # noqa: F401 (a fixture)

NODE_MODULES = ROOT / "node_modules"

MANIFEST = """\
format: 1
name: viewtypes
version: 1
tables:
  accounts:
    columns:
      id: {type: integer, primary_key: true}
      owner: {type: text, nullable: false}
      nick: text
      n: {type: smallint, nullable: false}
      score: double
      big: bigint
      balance: {type: "numeric(12,2)", nullable: false}
views:   # ltrim, not trim: PostgreSQL keeps trim(x) as TRIM(BOTH FROM x), which the parity gate reads as another SELECT
  labels:
    sql: >-
      SELECT id, owner || ' #' || CAST(id AS TEXT) AS label, lower(nick) AS lower_nick, upper(owner) AS upper_owner,
      length(owner) AS owner_length, substr(owner, 1, 2) AS prefix, replace(owner, 'a', 'b') AS replaced,
      ltrim(nick) AS trimmed, CAST(n AS INTEGER) AS n_int, CAST(big AS DOUBLE PRECISION) AS big_double,
      CAST(nick AS VARCHAR(20)) AS nick_text, nick || '!' AS shout
      FROM accounts
  per_owner:
    sql: >-
      SELECT owner, count(*) AS accounts, count(nick) AS nicks, min(nick) AS low, max(id) AS top,
      sum(n) AS total_n, sum(score) AS total_score, avg(score) AS mean_score
      FROM accounts GROUP BY owner
  sum_bigint:
    sql: "SELECT owner, sum(big) AS total FROM accounts GROUP BY owner"
  avg_integer:
    sql: "SELECT owner, avg(n) AS mean FROM accounts GROUP BY owner"
  coalesced:
    sql: "SELECT id, coalesce(nick, owner) AS name FROM accounts"
  numeric_cast:
    sql: "SELECT id, CAST(id AS NUMERIC) AS x FROM accounts"
  unnamed:
    sql: "SELECT id, lower(owner) FROM accounts"
  label_lengths:   # reads a typed view whose export name sorts after its own: declared .existing()
    sql: "SELECT id, label, length(label) AS label_length, lower_nick FROM labels"
  longest_label:   # a view over a view over a view (.existing() too: its inner one is)
    sql: "SELECT max(label_length) AS longest, count(lower_nick) AS nicks FROM label_lengths"
  rich_owners:     # reads a view of aggregates, joined to a table (created after it by drizzle-kit)
    sql: >-
      SELECT p.owner, p.accounts, p.top, p.mean_score, a.nick
      FROM per_owner AS p JOIN accounts AS a ON a.owner = p.owner
  numeric_ids:   # reads a view that is not typed: not typed either
    sql: "SELECT id FROM numeric_cast"
  kinds:
    sql: >-
      SELECT id, 'account' AS kind, 1 AS one, CAST(NULL AS TEXT) AS no_text, CAST(NULL AS INTEGER) AS no_int,
      CASE WHEN n > 1 THEN 'many' ELSE 'one' END AS size, CASE WHEN n < 3 THEN nick ELSE NULL END AS big_nick,
      CASE n WHEN 1 THEN 10 WHEN 2 THEN 20 ELSE NULL END AS tens, CASE WHEN n > 1 THEN owner ELSE nick END AS who,
      coalesce(nick, 'none') AS nick_or_none, coalesce(nick, CAST(NULL AS VARCHAR(5))) AS nick_or_null
      FROM accounts
  ranked:
    sql: >-
      SELECT id, row_number() OVER (ORDER BY id) AS rn, rank() OVER (PARTITION BY owner ORDER BY n) AS rk,
      dense_rank() OVER (ORDER BY owner) AS dr, percent_rank() OVER (ORDER BY id) AS pr,
      cume_dist() OVER (ORDER BY id) AS cd, count(nick) OVER (PARTITION BY owner) AS owner_nicks,
      sum(n) OVER (PARTITION BY owner) AS owner_n, sum(score) OVER (PARTITION BY owner) AS owner_score
      FROM accounts
  filtered:
    sql: >-
      SELECT owner, count(*) FILTER (WHERE n > 1) AS many, sum(n) FILTER (WHERE n > 1) AS many_n,
      avg(score) FILTER (WHERE n < 3) AS low_score, max(nick) FILTER (WHERE n > 0) AS some_nick
      FROM accounts GROUP BY owner
  mixed_case:   # smallint and integer branches: PostgreSQL integer, not one portable type
    sql: "SELECT id, CASE WHEN n > 1 THEN n ELSE id END AS m FROM accounts"
  numeric_coalesce:   # numeric: a string on PostgreSQL, a number on SQLite
    sql: "SELECT id, coalesce(balance, 0) AS b FROM accounts"
  ntiles:   # a window function not in the table
    sql: "SELECT id, ntile(2) OVER (ORDER BY id) AS t FROM accounts"
  string_cast:
    sql:
      postgres: "SELECT id, CAST(id AS TEXT) AS s FROM accounts"
      sqlite: "SELECT id, CAST(id AS STRING) AS s FROM accounts"   # rendered CAST(id AS TEXT)
"""

# The TypeScript type each typed view's select declares (proven by tsc, checked at run time).
EXPECTED = {
    "labels": {"id": "number", "label": "string", "lowerNick": "string | null", "upperOwner": "string",
               "ownerLength": "number", "prefix": "string", "replaced": "string", "trimmed": "string | null",
               "nInt": "number", "bigDouble": "number | null", "nickText": "string | null",
               "shout": "string | null"},
    "perOwner": {"owner": "string", "accounts": "number", "nicks": "number", "low": "string | null",
                 "top": "number | null", "totalN": "number | null", "totalScore": "number | null",
                 "meanScore": "number | null"},
    "labelLengths": {"id": "number", "label": "string", "labelLength": "number", "lowerNick": "string | null"},
    "longestLabel": {"longest": "number | null", "nicks": "number"},
    "coalesced": {"id": "number", "name": "string"},
    "kinds": {"id": "number", "kind": "string", "one": "number", "noText": "string | null",
              "noInt": "number | null", "size": "string", "bigNick": "string | null", "tens": "number | null",
              "who": "string | null", "nickOrNone": "string", "nickOrNull": "string | null"},
    "ranked": {"id": "number", "rn": "number", "rk": "number", "dr": "number", "pr": "number", "cd": "number",
               "ownerNicks": "number", "ownerN": "number | null", "ownerScore": "number | null"},
    "filtered": {"owner": "string", "many": "number", "manyN": "number | null", "lowScore": "number | null",
                 "someNick": "string | null"},
    "richOwners": {"owner": "string", "accounts": "number", "top": "number | null", "meanScore": "number | null",
                   "nick": "string | null"},
}
# Left out of both files: PostgreSQL's numeric (a string) where SQLite gives a number (sum of bigint, avg of
# integer, CAST AS NUMERIC, which SQLite's rendering reads as REAL, coalesce of numeric), an unnamed
# expression, a view reading a view that is not typed, CASE branches of two types, a window function not listed.
UNTYPED = {"sum_bigint", "avg_integer", "numeric_cast", "unnamed", "numeric_ids", "mixed_case", "numeric_coalesce",
           "ntiles"}
# Outputs that are NULL on every row (their declared type is proven by tsc alone).
ALWAYS_NULL = {("kinds", "noText"), ("kinds", "noInt")}
# Typed, but drizzle-kit would create them before a view they read (it creates views in export name order):
# declared .existing(), so drizzle-kit's DDL leaves them out (SC351) and the manifest's DDL creates them.
EXISTING = {"label_lengths", "longest_label"}

SEED = """
INSERT INTO accounts (id, owner, nick, n, score, big, balance) VALUES
  (1, 'ann', 'Annie', 2, 1.5, 10, 12.50), (2, 'ann', NULL, 3, NULL, NULL, 3.00), (3, 'bob', NULL, 1, NULL, 5, 7.25);
"""


@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
def test_which_views_are_typed(engine):
    m = load_text(MANIFEST)
    dz = DrizzleRenderer(m, engine)
    assert {v.name for v in m.views if dz.view_columns(v) is None} == UNTYPED
    ts = render.render_file(m, "schema.pg.ts" if engine == "postgres" else "schema.sqlite.ts")
    count = 'bigint("accounts", { mode: "number" }).notNull()' if engine == "postgres" else \
        'integer("accounts").notNull()'
    assert f"accounts: {count}," in ts
    assert 'label: text("label").notNull(),' in ts and 'lowerNick: text("lower_nick"),' in ts
    assert {v.name for v in m.views if dz.view_columns(v) is not None and not dz.view_created(v)} == EXISTING
    assert ts.count(".existing();") == len(EXISTING) and "}).as(sql`SELECT p.owner, p.accounts" in ts


def test_drizzle_kit_export_creates_the_typed_views_on_postgres(toolchain, tmp_path, pg):  # noqa: F811
    m = load_text(MANIFEST)
    pg.execute(_export(toolchain, _workdir(tmp_path), render.render_file(m, "schema.pg.ts"), "postgresql"))
    found = sorted((f.code, f.path) for f in diff(expect(m, "postgres"), introspect(pg, "postgres", m.pg_schema)))
    assert found == drizzle_limits(m, "postgres")
    assert [p for c, p in found if c == "SC351"] == sorted(f"view {v}" for v in UNTYPED | EXISTING)


def test_drizzle_kit_export_creates_the_typed_views_on_sqlite(toolchain, tmp_path, sqlite_db):  # noqa: F811
    m = load_text(MANIFEST)
    sql = _export(toolchain, _workdir(tmp_path), render.render_file(m, "schema.sqlite.ts"), "sqlite")
    sqlite_db.executescript(sql.replace("--> statement-breakpoint", ""))
    found = sorted((f.code, f.path) for f in diff(expect(m, "sqlite"), introspect(sqlite_db, "sqlite")))
    assert found == drizzle_limits(m, "sqlite")
    assert [p for c, p in found if c == "SC351"] == sorted(f"view {v}" for v in UNTYPED | EXISTING)


@pytest.mark.parametrize("expr, typed", [
    ("CASE WHEN n > 1 THEN owner END", ("text", True)),            # no ELSE: ELSE NULL
    ("CASE WHEN n > 1 THEN owner ELSE 'x' END", ("text", False)),
    ("CASE WHEN n > 1 THEN nick ELSE owner END", ("text", True)),
    ("CASE WHEN n > 1 THEN NULL ELSE NULL END", None),              # no branch with a type
    ("CASE WHEN n > 1 THEN n ELSE 1 END", None),                    # smallint and integer
    ("CASE WHEN n > 1 THEN big ELSE id END", None),                 # bigint and integer
    ("CASE WHEN n > 1 THEN balance ELSE balance END", None),        # numeric: a string on PostgreSQL only
    ("coalesce(nick, nick)", ("text", True)),                       # NULL when every argument is
    ("coalesce(nick, owner)", ("text", False)),
    ("coalesce(NULL, owner)", ("text", False)),
    ("coalesce(score, 0)", None),                                   # double and integer
    ("CAST(NULL AS BIGINT)", {"postgres": ("bigint", True), "sqlite": ("integer", True)}),   # rendered INTEGER
    ("CAST(NULL AS NUMERIC)", None),                                # rendered REAL on SQLite
    ("count(*) FILTER (WHERE n > 1)", ("bigint", False)),
    ("sum(big) FILTER (WHERE n > 1)", None),                        # as sum(big): numeric on PostgreSQL
    ("row_number() OVER (ORDER BY id)", ("bigint", False)),
    ("max(nick) OVER (PARTITION BY owner)", ("text", True)),
    ("sum(big) OVER (PARTITION BY owner)", None),
    ("lag(id) OVER (ORDER BY id)", None),
])
@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
def test_case_coalesce_filter_and_window_types(engine, expr, typed):
    m = load_text(MANIFEST.split("views:")[0] + f'views:\n  v:\n    sql: "SELECT id, {expr} AS x FROM accounts"\n')
    out = DrizzleRenderer(m, engine).view_columns(m.views[0])   # None unless typed on both engines
    got = None if out is None else (out[1][1].type.name, out[1][1].nullable)
    assert got == (typed[engine] if isinstance(typed, dict) else typed)


def test_sqlite_cast_spellings_keep_their_affinity():
    from schemactl.render.drizzle_views import sqlite_affinity, sqlite_casts_agree
    assert [sqlite_affinity(t) for t in ("BIGINT", "VARCHAR", "CLOB", "BLOB", "", "DOUBLE", "FLOAT", "STRING")] == [
        "INTEGER", "TEXT", "TEXT", "BLOB", "BLOB", "REAL", "REAL", "NUMERIC"]
    assert sqlite_casts_agree("SELECT CAST(a AS TEXT) AS t, CAST(b AS INT) AS i, CAST(c AS DOUBLE) AS d FROM x")
    assert not sqlite_casts_agree("SELECT CAST(a AS STRING) AS s FROM x")   # sqlglot: TEXT; SQLite: NUMERIC


DRIVER = """\
import * as fs from "node:fs";
import Database from "better-sqlite3";
import { Client } from "pg";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import * as pg from "./viewtypes/schema.pg";
import * as lite from "./viewtypes/schema.sqlite";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const ok = <T extends true>() => undefined as unknown as T;
// the select result types as drizzle-orm infers them, straight from the views
export async function inferred(dbPg: ReturnType<typeof drizzlePg>, dbLite: ReturnType<typeof drizzleSqlite>) {
  return [
__INFERRED__
  ] as const;
}
type Inferred = Awaited<ReturnType<typeof inferred>>;
__ASSERTIONS__

async function main(): Promise<void> {
  const [engine, target] = process.argv.slice(2);
  const out: Record<string, unknown[]> = {};
  if (engine === "postgres") {
    const client = new Client(JSON.parse(target!));
    await client.connect();
    const db = drizzlePg(client);
__SELECT_PG__
    await client.end();
  } else {
    const db = drizzleSqlite(new Database(target!));
__SELECT_LITE__
  }
  // what JavaScript holds: typeof per value
  const types = Object.fromEntries(Object.entries(out).map(([k, rows]) => [k, rows.map(
    (r) => Object.fromEntries(Object.entries(r as object).map(([f, v]) => [f, v === null ? "null" : typeof v])))]));
  fs.writeSync(1, JSON.stringify({ rows: out, types }) + "\\n");
}

main().catch((e) => { console.error(e); process.exit(1); });
"""

COMPILER_OPTIONS = {"strict": True, "target": "ES2022", "module": "node16", "moduleResolution": "node16",
                    "esModuleInterop": True, "skipLibCheck": True, "types": ["node"], "outDir": "out"}


def _assertions() -> str:
    lines = []
    for i, view in enumerate(EXPECTED):
        for offset in (0, 1):   # pg, then sqlite
            row = f"Inferred[{2 * i + offset}][number]"
            lines.append(f"ok<Equal<keyof {row}, {' | '.join(json.dumps(k) for k in EXPECTED[view])}>>();")
            lines += [f"ok<Equal<{row}[{json.dumps(k)}], {ts}>>();" for k, ts in EXPECTED[view].items()]
    return "\n".join(lines)


def _driver(assertions: str) -> str:
    """DRIVER selecting from every view of EXPECTED (the inferred row types, then the rows on one engine)."""
    inferred = "\n".join(f"    await dbPg.select().from(pg.{v}),\n    dbLite.select().from(lite.{v}).all(),"
                         for v in EXPECTED)
    on_pg = "\n".join(f"    out.{v} = await db.select().from(pg.{v});" for v in EXPECTED)
    on_lite = "\n".join(f"    out.{v} = db.select().from(lite.{v}).all();" for v in EXPECTED)
    return DRIVER.replace("__INFERRED__", inferred).replace("__SELECT_PG__", on_pg).replace(
        "__SELECT_LITE__", on_lite).replace("__ASSERTIONS__", assertions)


def _build(work: Path) -> Path:
    (work / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (work / "package.json").write_text('{"private": true, "type": "commonjs"}\n')
    (work / "tsconfig.json").write_text(json.dumps({"compilerOptions": COMPILER_OPTIONS, "include": ["**/*.ts"],
                                                    "exclude": ["node_modules", "out"]}))
    (work / "viewtypes").mkdir()
    m = load_text(MANIFEST)
    for fname in ("schema.pg.ts", "schema.sqlite.ts"):
        (work / "viewtypes" / fname).write_text(render.render_file(m, fname))
    (work / "driver.ts").write_text(_driver(_assertions()))
    res = subprocess.run([str(NODE_MODULES / ".bin" / "tsc"), "-p", "."], cwd=work, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return work / "out" / "driver.js"


def test_a_wrong_declared_type_is_caught(tmp_path):
    """The assertions above can fail: count(*) declared as a string does not compile."""
    (tmp_path / "viewtypes").mkdir()
    m = load_text(MANIFEST)
    for fname in ("schema.pg.ts", "schema.sqlite.ts"):
        (tmp_path / "viewtypes" / fname).write_text(render.render_file(m, fname))
    (tmp_path / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (tmp_path / "tsconfig.json").write_text(json.dumps({"compilerOptions": {**COMPILER_OPTIONS, "noEmit": True},
                                                        "include": ["**/*.ts"], "exclude": ["node_modules"]}))
    wrong = _assertions().replace('["accounts"], number>', '["accounts"], string>')
    assert wrong != _assertions()
    (tmp_path / "driver.ts").write_text(_driver(wrong))
    res = subprocess.run([str(NODE_MODULES / ".bin" / "tsc"), "-p", "."], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode != 0 and "accounts" in _driver(wrong).splitlines()[
        int(res.stdout.split("(", 1)[1].split(",", 1)[0]) - 1], res.stdout


def _run(script: Path, engine: str, target: str) -> dict:
    res = subprocess.run(["node", str(script), engine, target], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def _check_types(result: dict) -> None:
    """Every value's JavaScript type is the declared TypeScript type (null only where it says | null), each
    output is seen not NULL, and each nullable output of ``labels`` is seen NULL too (the seed makes it so)."""
    for view, rows in result["types"].items():
        assert rows, view
        for field, declared in EXPECTED[view].items():
            allowed = set(declared.split(" | "))
            seen = {row[field] for row in rows}
            assert seen <= allowed, (view, field, seen, declared)
            assert seen - {"null"} == allowed - {"null"} or (view, field) in ALWAYS_NULL, (view, field, seen, declared)
            assert (view, field) not in ALWAYS_NULL or seen == {"null"}, (view, field, seen, declared)
            assert view != "labels" or seen == allowed, (view, field, seen, declared)


def _canon(rows: dict) -> dict:
    return {view: sorted(json.dumps(r, sort_keys=True) for r in rs) for view, rs in rows.items()}


def test_selecting_from_typed_views_returns_the_declared_javascript_types(tmp_path, pg_test_db):
    script = _build(tmp_path)
    m = load_text(MANIFEST)
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        from tests.conftest import RESET_SQL
        conn.execute(RESET_SQL)
        with conn.transaction():
            conn.execute(render.ddl(m, "postgres"))
            conn.execute(SEED)
    path = tmp_path / "viewtypes.db"
    db = sqlite3.connect(path)
    sqlite_engine.apply(db, render.ddl(m, "sqlite"))
    db.executescript(SEED)
    db.commit()
    db.close()
    conf = dict(kv.split("=", 1) for kv in pg_test_db.split())
    conf = {"host": conf["host"], "port": int(conf["port"]), "user": conf["user"], "database": conf["dbname"]}
    on_pg, on_lite = _run(script, "postgres", json.dumps(conf)), _run(script, "sqlite", str(path))
    _check_types(on_pg)
    _check_types(on_lite)
    assert on_pg["types"] == on_lite["types"] or _canon(on_pg["types"]) == _canon(on_lite["types"])
    # the same values on both engines (min/max of a numeric column is typed too, but SQLite orders its decimal
    # text as text: min('12.50', '3.00') differs between the engines, so this seed leaves it out)
    assert _canon(on_pg["rows"]) == _canon(on_lite["rows"])
    ann = next(r for r in on_pg["rows"]["perOwner"] if r["owner"] == "ann")
    assert (ann["accounts"], ann["nicks"], ann["top"], ann["totalN"], ann["meanScore"]) == (2, 1, 2, 5, 1.5)
    assert on_pg["rows"]["longestLabel"] == [{"longest": 6, "nicks": 1}]
    assert sorted((r["owner"], r["accounts"], r["nick"] or "") for r in on_pg["rows"]["richOwners"]) == [
        ("ann", 2, ""), ("ann", 2, "Annie"), ("bob", 1, "")]
