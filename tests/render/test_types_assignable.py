"""types.ts is assignable both ways to both Drizzle files for every portable type and every drizzle: option
that `import --drizzle` writes: each table's `<Table>` from and to both `$inferSelect`s, `New<Table>` to both
`$inferInsert`s, and the README's repository example (one `New<Table>` inserted through both files) compiles
under `tsc --strict`.  The file not in the team's dialect selects what the team's file selects: the team's
mode becomes that builder's mode or a customType converting that engine's stored value as the mode does,
its enum union and $type<>() are written on both files; what cannot agree is a validate error."""

from __future__ import annotations

import json
import subprocess

import pytest

from schemactl import render
from schemactl.manifest.load import load_text
from tests.conftest import ROOT, cli

BIN = ROOT / "node_modules" / ".bin"
TSCONFIG = {"compilerOptions": {"strict": True, "noEmit": True, "skipLibCheck": True, "target": "ES2022",
                                "module": "ESNext", "moduleResolution": "Bundler", "types": ["node"]},
            "include": ["**/*.ts"]}

# every portable type, plain, NOT NULL with a default, and as an array
PORTABLE = """\
      p_text: {type: text}
      p_varchar: {type: varchar(20), nullable: false, default: x}
      p_uuid: {type: uuid}
      p_boolean: {type: boolean, nullable: false, default: true}
      p_smallint: {type: smallint, nullable: false, default: 1}
      p_integer: {type: integer}
      p_bigint: {type: bigint, nullable: false, default: 2}
      p_real: {type: real}
      p_double: {type: double}
      p_numeric: {type: 'numeric(10,2)', nullable: false, default: '1.50'}
      p_date: {type: date}
      p_time: {type: time}
      p_timestamp: {type: timestamp}
      p_timestamptz: {type: timestamptz, nullable: false, default: {fn: now}}
      p_json: {type: json}
      p_jsonb: {type: jsonb, ts_type: '{ a: number }'}
      p_bytes: {type: bytes}
      p_character: {type: character(3)}
      p_tsvector: {type: tsvector}
      p_enum: {type: mood, nullable: false, default: happy}
      a_text: {type: 'text[]'}
      a_integer: {type: 'integer[]'}
      a_boolean: {type: 'boolean[]'}
      a_double: {type: 'double[]'}
      a_numeric: {type: 'numeric(10,2)[]'}
      a_date: {type: 'date[]'}
      a_uuid: {type: 'uuid[]'}
      a_jsonb: {type: 'jsonb[]'}
"""

# every drizzle: option of a pg-core file (drizzle.core postgres)
PG_OPTIONS = """\
      o_tz_string: {type: timestamptz, drizzle: {mode: string}}
      o_tz_string_nn: {type: timestamptz, nullable: false, default: {fn: now}, drizzle: {mode: string}}
      o_tz_date: {type: timestamptz, drizzle: {mode: date}}
      o_ts_date: {type: timestamp, drizzle: {mode: date}}
      o_ts_string: {type: timestamp, drizzle: {mode: string}}
      o_date_date: {type: date, drizzle: {mode: date}}
      o_date_string: {type: date, drizzle: {mode: string}}
      o_big_bigint: {type: bigint, nullable: false, default: 5, drizzle: {mode: bigint}}
      o_big_number: {type: bigint, drizzle: {mode: number}}
      o_num_number: {type: 'numeric(10,2)', nullable: false, default: '1.50', drizzle: {mode: number}}
      o_num_bigint: {type: 'numeric(20,0)', drizzle: {mode: bigint}}
      o_num_string: {type: 'numeric(10,2)', drizzle: {mode: string}}
      o_own_numeric: {type: text, postgres_type: numeric, drizzle: {mode: number}}
      o_meta: {type: jsonb, drizzle: {type: '{ tags?: string[] }'}}
      o_json_type: {type: json, nullable: false, default: '[]', drizzle: {type: 'string[]'}}
      o_text_type: {type: text, drizzle: {type: '`id_${string}`'}}
      o_int_type: {type: integer, drizzle: {type: '1 | 2 | 3'}}
      o_enum: {type: text, nullable: false, default: a, drizzle: {enum: [a, b]}}
      o_varchar_enum: {type: varchar(5), drizzle: {enum: [x, y]}}
      o_uuid_enum: {type: uuid, drizzle: {enum: [00000000-0000-0000-0000-000000000000]}}
      o_enum_type: {type: text, drizzle: {enum: [a, b], type: '"a"'}}
      o_tz_type: {type: timestamptz, drizzle: {mode: string, type: '`${number}-${string}`'}}
      o_vector: {type: 'double[]', drizzle: {custom: vector, config: '{ dimensions: 3 }'}}
      o_citext: {type: text, drizzle: {custom: citext}}
      o_default_fn: {type: text, nullable: false, drizzle: {default_fn: '() => "x"'}}
      o_on_update: {type: timestamptz, drizzle: {mode: string, on_update: '() => new Date().toISOString()'}}
"""
PG_TOP = """\
drizzle:
  core: postgres
  custom_types:
    vector:
      declaration: 'customType<{ data: number[]; driverData: string; config: { dimensions: number } }>({ dataType: () => "double precision[]", toDriver: (v) => JSON.stringify(v), fromDriver: (v) => JSON.parse(v) as number[] })'
      imports: [{from: drizzle-orm/pg-core, name: customType}]
    citext:
      declaration: 'customType<{ data: string }>({ dataType: () => "citext" })'
      imports: [{from: drizzle-orm/pg-core, name: customType}]
"""

# every drizzle: option of a sqlite-core file (drizzle.core sqlite)
SQLITE_OPTIONS = """\
      o_bool: {type: boolean, nullable: false, default: false, drizzle: {mode: boolean}}
      o_int_bool: {type: integer, nullable: false, default: 0, drizzle: {mode: boolean}}
      o_big_bool: {type: bigint, drizzle: {mode: boolean}}
      o_small_bool: {type: smallint, drizzle: {mode: boolean}}
      o_big_ts: {type: bigint, drizzle: {mode: timestamp}}
      o_big_ts_ms: {type: bigint, nullable: false, drizzle: {mode: timestamp_ms}}
      o_int_ts: {type: integer, drizzle: {mode: timestamp}}
      o_tz_ts: {type: timestamptz, drizzle: {mode: timestamp}}
      o_tz_ts_ms: {type: timestamptz, drizzle: {mode: timestamp_ms}}
      o_big_number: {type: bigint, drizzle: {mode: number}}
      o_text_json: {type: text, nullable: false, default: '[]', drizzle: {mode: json, type: 'string[]'}}
      o_text_json_bare: {type: text, drizzle: {mode: json}}
      o_json_json: {type: jsonb, drizzle: {mode: json, type: '{ a: number }'}}
      o_blob_json: {type: bytes, drizzle: {mode: json, type: '{ v: number }'}}
      o_blob_buffer: {type: bytes, drizzle: {mode: buffer}}
      o_blob_bigint: {type: bytes, drizzle: {mode: bigint}}
      o_numeric_number: {type: 'numeric(10,2)', drizzle: {mode: number}}
      o_enum: {type: text, default: low, drizzle: {enum: [low, high]}}
      o_text_type: {type: text, drizzle: {type: '`id_${string}`'}}
      o_int_type: {type: integer, drizzle: {type: '1 | 2 | 3'}}
      o_custom: {type: text, drizzle: {custom: upper}}
      o_default_fn: {type: text, nullable: false, drizzle: {default_fn: '() => "x"'}}
      o_on_update: {type: bigint, drizzle: {mode: timestamp, on_update: '() => new Date()'}}
"""
SQLITE_TOP = """\
drizzle:
  core: sqlite
  custom_types:
    upper:
      declaration: 'customType<{ data: string; driverData: string }>({ dataType: () => "text", fromDriver: (v) => v.toUpperCase() })'
      imports: [{from: drizzle-orm/sqlite-core, name: customType}]
"""


def manifest(core: str, storage: str) -> str:
    options, top = (PG_OPTIONS, PG_TOP) if core == "postgres" else (SQLITE_OPTIONS, SQLITE_TOP)
    return (f"format: 1\nname: every_{core}\nversion: 1\nsqlite: {{timestamptz: {storage}}}\n"
            f"enums:\n  mood: [happy, sad]\ntables:\n  things:\n    columns:\n"
            f"      id: {{type: integer, primary_key: true, identity: true}}\n{PORTABLE}{options}{top}")


def check_ts(row: str, table: str = "things") -> str:
    """Assignability both ways on both files, and the README's repository example on this table."""
    return f"""\
import type {{ BetterSQLite3Database }} from "drizzle-orm/better-sqlite3";
import type {{ NodePgDatabase }} from "drizzle-orm/node-postgres";
import * as pg from "./schema.pg";
import * as lite from "./schema.sqlite";
import type {{ {row}, New{row} }} from "./types";

export const pgFrom = (r: typeof pg.{table}.$inferSelect): {row} => r;
export const pgTo = (r: {row}): typeof pg.{table}.$inferSelect => r;
export const pgNew = (r: New{row}): typeof pg.{table}.$inferInsert => r;
export const liteFrom = (r: typeof lite.{table}.$inferSelect): {row} => r;
export const liteTo = (r: {row}): typeof lite.{table}.$inferSelect => r;
export const liteNew = (r: New{row}): typeof lite.{table}.$inferInsert => r;

export interface Store {{ add(row: New{row}): Promise<{row}> }}
export const pgStore = (db: NodePgDatabase<typeof pg>): Store => ({{
  add: async (row) => (await db.insert(pg.{table}).values(row).returning())[0]!,
}});
export const sqliteStore = (db: BetterSQLite3Database<typeof lite>): Store => ({{
  add: async (row) => db.insert(lite.{table}).values(row).returning().get(),
}});
"""


def _tsc(work) -> subprocess.CompletedProcess:
    if not (BIN / "tsc").exists():
        pytest.fail("Node tool chain missing; run `npm ci` at the repository root")
    (work / "node_modules").symlink_to(ROOT / "node_modules")
    (work / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    return subprocess.run([str(BIN / "tsc"), "-p", "."], cwd=work, capture_output=True, text=True, timeout=300)


def test_every_type_and_option_is_assignable_both_ways_on_both_engines(tmp_path):
    for core in ("postgres", "sqlite"):
        for storage in ("integer_ms", "iso_text", "integer_s"):
            m = load_text(manifest(core, storage), f"every_{core}.yaml")
            d = tmp_path / f"{core}_{storage}"
            d.mkdir()
            for name, content in render.outputs(m).items():
                if name.endswith(".ts"):
                    (d / name).write_text(content)
            (d / "check.ts").write_text(check_ts("Thing"))
    res = _tsc(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


def test_types_ts_has_one_type_per_column_where_the_team_declared_one():
    """No union of the two files' types: the neutral insert type is what both files insert."""
    from schemactl.render.drizzle import types_context
    for core in ("postgres", "sqlite"):
        for storage in ("integer_ms", "iso_text", "integer_s"):
            ctx = types_context(load_text(manifest(core, storage), "m.yaml"), "postgres", "")
            assert [t["exact"] for t in ctx["tables"]] == [True]


def test_the_other_file_selects_what_the_teams_file_selects():
    m = load_text(manifest("postgres", "integer_ms"), "m.yaml")
    lite = render.render_file(m, "schema.sqlite.ts")
    assert 'oMeta: text("o_meta", { mode: "json" }).$type<{ tags?: string[] }>(),' in lite
    assert 'oEnum: text("o_enum", { enum: ["a", "b"] }).notNull().default("a"),' in lite
    assert ('customType<{ data: string; driverData: number }>({ dataType: () => "integer", toDriver: (value) => '
            'new Date(value).getTime(), fromDriver: (value) => new Date(value).toISOString() })') in lite
    iso = render.render_file(load_text(manifest("postgres", "iso_text"), "m.yaml"), "schema.sqlite.ts")
    assert 'oTzString: asIsoText("o_tz_string"),' in iso      # ISO-8601 UTC text is the string
    pg = render.render_file(load_text(manifest("sqlite", "integer_ms"), "m.yaml"), "schema.pg.ts")
    assert ('customType<{ data: boolean; driverData: number | string }>({ dataType: () => "bigint", toDriver: '
            '(value) => (value ? 1 : 0), fromDriver: (value) => Number(value) !== 0 })') in pg
    assert 'oIntBool: asBooleanInteger("o_int_bool").notNull().default(sql`0`),' in pg   # the literal as SQL
    assert 'oBigTs: asSecondsBigint("o_big_ts"),' in pg and 'oBigTsMs: asMsBigint("o_big_ts_ms").notNull(),' in pg


DISAGREE = """\
format: 1
name: disagree
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      v: {type: text, drizzle: {custom: vec}}
drizzle:
  core: postgres
  custom_types:
    vec: {declaration: 'customType<{ data: number[]; driverData: string }>({ dataType: () => "vector(3)" })'}
"""


def test_an_option_no_conversion_makes_agree_is_reported_by_validate_and_generate(tmp_path):
    """A warning, not an error: import keeps the column (its DDL is the manifest's all the same)."""
    (tmp_path / "disagree.yaml").write_text(DISAGREE)
    said = ('disagree.yaml:8:32: warning: table "t", column "v": the team\'s customType vec selects number[] in '
            "schema.pg.ts, the sqlite file's text selects string, and no conversion between them is known: "
            "types.ts types it as either (number[] | string), which a New<Table> inserted through both files "
            "does not fit (give the column a portable type both select as number[], or drop the customType vec "
            "from its drizzle: block)")
    res = cli("validate", "disagree.yaml", cwd=tmp_path)
    assert res.exit_code == 0 and said in res.output, res.output
    (tmp_path / "manifests").mkdir()
    (tmp_path / "disagree.yaml").rename(tmp_path / "manifests" / "disagree.yaml")
    res = cli("generate", cwd=tmp_path)
    assert res.exit_code == 0 and said.replace("disagree.yaml", "manifests/disagree.yaml") in res.output, res.output


REVIEWER = """\
import { integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const notes = pgTable("notes", {
  id: integer("id").primaryKey(),
  title: text("title").notNull(),
  metadata: jsonb("metadata").$type<{ tags?: string[] }>(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "string" }),
});
"""


def test_the_reviewers_adopted_schema_compiles_with_the_readme_example(tmp_path, pg_server):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "schema.ts").write_text(REVIEWER)
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    res = cli("import", "--drizzle", "schema.ts", "-o", "manifests/app.yaml", "--postgres", "url",
              "--postgres-url", pg_server.conninfo(), cwd=tmp_path)
    assert res.exit_code == 0, res.output
    res = cli("generate", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    work = tmp_path / "work"
    work.mkdir()
    for name in ("schema.pg.ts", "schema.sqlite.ts", "types.ts"):
        (work / name).write_text((tmp_path / "generated" / "app" / name).read_text())
    (work / "check.ts").write_text(check_ts("Note", "notes"))
    res = _tsc(work)
    assert res.returncode == 0, res.stdout + res.stderr


def test_columns_that_share_a_type_and_declaration_each_get_the_warning_and_only_they():
    """The judgement is worked out once per type and typing declaration: every column that has them is named,
    on every table, and a column of the same type declared otherwise (no custom type) is not."""
    text = DISAGREE.replace("      v: {type: text, drizzle: {custom: vec}}\n",
                            "      v: {type: text, drizzle: {custom: vec}}\n"
                            "      w: {type: text, drizzle: {key: w}}\n"
                            "  u:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                            "      x: {type: text, drizzle: {custom: vec, key: theX}}\n")
    m = load_text(text, "m.yaml")
    warned = [str(w.path) for w in m.warnings]
    assert warned == [str(("tables", "t", "columns", "v", "drizzle")), str(("tables", "u", "columns", "x", "drizzle"))]
