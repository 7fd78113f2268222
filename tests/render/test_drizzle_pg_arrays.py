"""A column whose own PostgreSQL type is an array (postgres_type "inet[]", "tsvector[]", ...) renders on pg-core
as its element's builder or customType with .array() per dimension: node-postgres returns such a column as an
array (pg-types parses inet[] and cidr[] into strings; tsvector[] arrives as the array's text, which
drizzle-orm parses), so the select type is string[] (number[] for integer[]), proven by tsc --strict and by
inserting and selecting through drizzle-orm and node-postgres on the real engine."""

from __future__ import annotations

import json
import subprocess

import psycopg

from schemactl import render
from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_text
from tests.conftest import RESET_SQL, ROOT
from tests.render.test_drizzle import _export, _workdir, drizzle_limits, toolchain  # noqa: F401 (a fixture)

NODE_MODULES = ROOT / "node_modules"

MANIFEST = """\
format: 1
name: pgarrays
version: 1
tables:
  hosts:
    columns:
      id: {type: integer, primary_key: true}
      addrs: {type: text, postgres_type: "inet[]"}
      nets: {type: text, postgres_type: "cidr[][]"}
      words: {type: text, postgres_type: "tsvector[]"}
      nums: {type: text, postgres_type: "integer[]"}
      ratios: {type: text, postgres_type: "double precision[]"}
      flags: {type: text, postgres_type: "boolean[]"}
      big: {type: text, postgres_type: "bigint[]"}
      one: {type: text, postgres_type: inet}
"""

DRIVER = """\
import * as fs from "node:fs";
import { Client } from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { hosts } from "./pgarrays/schema.pg";

type Row = typeof hosts.$inferSelect;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const ok = <T extends true>() => undefined as unknown as T;
ok<Equal<Row["addrs"], string[] | null>>();
ok<Equal<Row["nets"], string[][] | null>>();
ok<Equal<Row["words"], string[] | null>>();
ok<Equal<Row["nums"], number[] | null>>();
ok<Equal<Row["one"], string | null>>();
ok<Equal<Row["ratios"], number[] | null>>();
ok<Equal<Row["flags"], boolean[] | null>>();
ok<Equal<Row["big"], string[] | null>>();
export function take(r: Row): [string[], string[][], string[], number[]] {
  const addrs: string[] = r.addrs ?? [];
  const nets: string[][] = r.nets ?? [];
  const words: string[] = r.words ?? [];
  const nums: number[] = r.nums ?? [];
  return [addrs, nets, words, nums];
}

async function main(): Promise<void> {
  const client = new Client(JSON.parse(process.argv[2]!));
  await client.connect();
  const db = drizzle(client);
  await db.insert(hosts).values([
    { id: 1, addrs: ["10.0.0.1", "::1"], nets: [["10.0.0.0/8", "192.168.0.0/16"], ["::/0", "fe80::/10"]],
      words: ["fat cat", "a,b {c} \\"d\\""], nums: [3, -4], one: "10.1.2.3", ratios: [0.5, -2],
      flags: [true, false], big: ["9007199254740993"] },
    { id: 2, addrs: [], nets: null, words: [], nums: [], one: null, ratios: null, flags: null, big: null },
  ]);
  const rows = await db.select().from(hosts).orderBy(hosts.id);
  await client.end();
  const kind = (v: unknown): unknown => Array.isArray(v) ? v.map(kind) : v === null ? "null" : typeof v;
  const types = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, kind(v)])));
  fs.writeSync(1, JSON.stringify({ rows, types, taken: rows.map(take) }) + "\\n");
}

main().catch((e) => { console.error(e); process.exit(1); });
"""

COMPILER_OPTIONS = {"strict": True, "target": "ES2022", "module": "node16", "moduleResolution": "node16",
                    "esModuleInterop": True, "skipLibCheck": True, "types": ["node"], "outDir": "out"}


def _tsc(work, driver: str) -> subprocess.CompletedProcess:
    (work / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (work / "package.json").write_text('{"private": true, "type": "commonjs"}\n')
    (work / "tsconfig.json").write_text(json.dumps({"compilerOptions": COMPILER_OPTIONS, "include": ["**/*.ts"],
                                                    "exclude": ["node_modules", "out"]}))
    (work / "pgarrays").mkdir()
    (work / "pgarrays" / "schema.pg.ts").write_text(render.render_file(load_text(MANIFEST), "schema.pg.ts"))
    (work / "driver.ts").write_text(driver)
    return subprocess.run([str(NODE_MODULES / ".bin" / "tsc"), "-p", "."], cwd=work, capture_output=True,
                          text=True, timeout=300)


def test_arrays_of_own_types_render_as_arrays():
    ts = render.render_file(load_text(MANIFEST), "schema.pg.ts")
    assert 'addrs: inet("addrs").array(),' in ts and 'nets: cidr("nets").array().array(),' in ts
    assert 'words: pgTsvector("words").array(),' in ts and 'nums: pgInteger("nums").array(),' in ts
    assert 'const pgTsvector = customType<{ data: string; driverData: string }>({ dataType: () => "tsvector" });' \
        in ts
    assert 'const pgInteger = customType<{ data: number; driverData: number }>({ dataType: () => "integer" });' in ts
    types = render.outputs(load_text(MANIFEST))["types.ts"]   # SQLite selects the portable text
    assert "addrs: string | string[] | null;" in types and "nums: number[] | string | null;" in types


def test_a_wrong_array_type_is_caught(tmp_path):
    """The assertions can fail: an inet[] column is not a string."""
    res = _tsc(tmp_path, DRIVER.replace('ok<Equal<Row["addrs"], string[] | null>>();',
                                        'ok<Equal<Row["addrs"], string | null>>();'))
    assert res.returncode != 0 and "driver.ts(9," in res.stdout, res.stdout


def test_drizzle_kit_export_keeps_the_array_types(toolchain, tmp_path, pg):  # noqa: F811
    # without the two-dimensional column: PostgreSQL's catalog keeps no dimensions, so even the manifest's
    # own DDL of cidr[][] reads back as cidr[] (SC203)
    m = load_text("".join(line for line in MANIFEST.splitlines(True) if "cidr[][]" not in line))
    pg.execute(_export(toolchain, _workdir(tmp_path), render.render_file(m, "schema.pg.ts"), "postgresql"))
    found = sorted((f.code, f.path) for f in diff(expect(m, "postgres"), introspect(pg, "postgres", m.pg_schema)))
    assert found == drizzle_limits(m, "postgres") == []


def test_node_postgres_selects_arrays_of_strings(tmp_path, pg_test_db):
    res = _tsc(tmp_path, DRIVER)
    assert res.returncode == 0, res.stdout + res.stderr
    m = load_text(MANIFEST)
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(m, "postgres"))
    conf = dict(kv.split("=", 1) for kv in pg_test_db.split())
    conf = {"host": conf["host"], "port": int(conf["port"]), "user": conf["user"], "database": conf["dbname"]}
    run = subprocess.run(["node", str(tmp_path / "out" / "driver.js"), json.dumps(conf)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["types"] == [
        {"id": "number", "addrs": ["string", "string"], "nets": [["string", "string"], ["string", "string"]],
         "words": ["string", "string"], "nums": ["number", "number"], "one": "string",
         "ratios": ["number", "number"], "flags": ["boolean", "boolean"], "big": ["string"]},
        {"id": "number", "addrs": [], "nets": "null", "words": [], "nums": [], "one": "null", "ratios": "null",
         "flags": "null", "big": "null"}]
    first = out["rows"][0]
    assert first["addrs"] == ["10.0.0.1", "::1"] and first["nums"] == [3, -4] and first["one"] == "10.1.2.3"
    assert (first["ratios"], first["flags"], first["big"]) == ([0.5, -2], [True, False], ["9007199254740993"])
    assert first["nets"] == [["10.0.0.0/8", "192.168.0.0/16"], ["::/0", "fe80::/10"]]
    assert first["words"] == ["'cat' 'fat'", "'\"d\"' 'a,b' '{c}'"]   # PostgreSQL's tsvector text, unquoted
    with psycopg.connect(pg_test_db, autocommit=True) as conn:   # what reached the database
        assert conn.execute("SELECT addrs::text, nums::text FROM hosts WHERE id = 1").fetchone() == (
            "{10.0.0.1,::1}", "{3,-4}")
