"""The generated Drizzle TypeScript is proven by the real tool chain:
`tsc --noEmit` (strict) passes, and `drizzle-kit export` of each file builds a
database that matches the manifest on a real PostgreSQL and SQLite, except for
exactly the documented things Drizzle cannot express (DRIZZLE_LIMITS)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg
import pytest

from schemactl import render
from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file, load_text
from tests.conftest import CASES, ROOT
from tests.runtime.typescript.support import STRICTER_OPTIONS

BIN = ROOT / "node_modules" / ".bin"
SOURCES = sorted((ROOT / "manifests").glob("*.yaml")) + sorted(CASES.glob("*/manifest.yaml"))
TSCONFIG = {"compilerOptions": {"strict": True, "noEmit": True, "skipLibCheck": True, "target": "ES2022",
                                "module": "ESNext", "moduleResolution": "Bundler", "types": ["node"]}}


def _id(p: Path) -> str:
    return p.parent.name if p.name == "manifest.yaml" else p.stem


@pytest.fixture(scope="session")
def toolchain():
    missing = [tool for tool in ("tsc", "drizzle-kit") if not (BIN / tool).exists()]
    if missing:
        pytest.fail(f"Node tool chain missing ({', '.join(missing)}); run `bash scripts/install.sh` (npm ci)")
    return BIN


def _workdir(tmp: Path, options: dict | None = None) -> Path:
    (tmp / "node_modules").symlink_to(ROOT / "node_modules")
    config = {"compilerOptions": {**TSCONFIG["compilerOptions"], **(options or {})}, "include": ["**/*.ts"]}
    (tmp / "tsconfig.json").write_text(json.dumps(config))
    return tmp


def _run(cmd, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_every_generated_typescript_file_compiles_strict(toolchain, tmp_path_factory):
    """--strict and the stricter flags projects commonly add (STRICTER_OPTIONS: a project's build checks them all)."""
    work = _workdir(tmp_path_factory.mktemp("tsc"), STRICTER_OPTIONS)
    for src in SOURCES:
        m = load_file(src)
        for name, content in render.outputs(m).items():
            if name.endswith(".ts"):
                (work / _id(src)).mkdir(exist_ok=True)
                (work / _id(src) / name).write_text(content)
        (work / _id(src) / "neutral_check.ts").write_text(neutral_check(m))
    for bundle in sorted((ROOT / "generated").glob("*/bundle.ts")):   # embedded migration bundles too
        (work / f"bundle_{bundle.parent.name}.ts").write_text(bundle.read_text())
    (work / "repository.ts").write_text(REPOSITORY)
    res = _run([toolchain / "tsc", "-p", "."], work)
    assert res.returncode == 0, res.stdout + res.stderr


def neutral_check(m) -> str:
    """Type-level proof for types.ts: each table's $inferSelect of BOTH Drizzle files is assignable to and
    from the neutral row type (one way only for a column the engines select differently: the union), and
    the neutral insert type is assignable to both files' $inferInsert (where no column differs)."""
    from schemactl.render.drizzle import DrizzleRenderer, types_context
    ctx = types_context(m, "postgres", "")
    names = DrizzleRenderer(m, "postgres").names
    lines = ['import * as pg from "./schema.pg";', 'import * as lite from "./schema.sqlite";',
             'import type * as T from "./types";']
    for t, row in zip(m.tables, ctx["tables"]):
        var = names[("table", t.name)]
        for mod in ("pg", "lite"):
            tab = f"{mod}.{var}"
            lines.append(f"export const {mod}_{var}_to = (r: typeof {tab}.$inferSelect): T.{row['name']} => r;")
            if row["exact"]:
                lines.append(f"export const {mod}_{var}_from = (r: T.{row['name']}): typeof {tab}.$inferSelect => r;")
                lines.append(f"export const {mod}_{var}_new = (r: T.New{row['name']}): typeof {tab}.$inferInsert => r;")
    return "\n".join(lines) + "\n"


# One repository function, written once against the neutral types, serving both engines (README example).
REPOSITORY = """\
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { Memory, NewMemory } from "./memories/types";
import * as pg from "./memories/schema.pg";
import * as lite from "./memories/schema.sqlite";

export interface MemoryStore { add(row: NewMemory): Promise<Memory>; inCapsule(capsuleId: string): Promise<Memory[]> }

// written once, whatever the engine
export async function addNote(store: MemoryStore, capsuleId: string, title: string): Promise<Memory[]> {
  await store.add({ capsuleId, title, kind: "note" });
  return (await store.inCapsule(capsuleId)).filter((m) => !m.isDeleted);
}

export const pgStore = (db: NodePgDatabase<typeof pg>): MemoryStore => ({
  add: async (row) => (await db.insert(pg.memories).values(row).returning())[0]!,
  inCapsule: (id) => db.query.memories.findMany({ where: (m, { eq }) => eq(m.capsuleId, id) }),
});
export const sqliteStore = (db: BetterSQLite3Database<typeof lite>): MemoryStore => ({
  add: async (row) => db.insert(lite.memories).values(row).returning().get(),
  inCapsule: async (id) => db.query.memories.findMany({ where: (m, { eq }) => eq(m.capsuleId, id) }),
});
"""


# ---- what Drizzle cannot express: predicted per manifest, asserted exactly

def _drizzle_sqlite_type(call: str, dz=None) -> str:
    """The column type drizzle-kit declares for a sqlite-core builder call (``dz``: the renderer whose
    customTypes converting a team's mode name their SQL type)."""
    converted = {n: sql for n, sql in (dz.__dict__.get("converters", {}).values() if dz else ())}
    if call.split("(", 1)[0] in converted:
        return converted[call.split("(", 1)[0]].upper()
    name = call.split("(", 1)[0].upper()
    if name == "ISOTIMESTAMP":   # the iso_text timestamptz customType (dataType "text")
        return "TEXT"
    if '{ length:' in call:
        return f"{name}({call.split('length:')[1].split('}')[0].strip()})"
    return name


def drizzle_limits(m, engine: str) -> list[tuple[str, str]]:
    """(code, object) pairs that drizzle-kit's DDL is known to differ by (see README: Drizzle limits)."""
    # 0. views whose column types are not certain on both engines (an output that is neither a plain column
    # nor an expression shape of schemactl.render.drizzle_views, a view read that is not typed, an outer
    # join, ...) are not emitted to TypeScript; the others are pgView/sqliteView, declared .existing() (not
    # created by drizzle-kit) when they read a view drizzle-kit creates after them (export name order)
    from schemactl.render.drizzle import DrizzleRenderer as _Dz
    dz0 = _Dz(m, engine)
    out = [("SC351", f"view {v.name}") for v in m.views
           if dz0.view_columns(v) is None or not dz0.view_created(v)]
    # 0b. full-text searches are not emitted (FTS5 tables and GIN expression indexes)
    out += [("SC361", f"{t.name}/search {t.search.name}") for t in m.tables if t.search]
    # 0b'. triggers are not emitted
    out += [("SC371", f"trigger {tr.name}") for tr in m.triggers if tr.on(engine)]
    if engine == "postgres":
        # 0b''. functions are not emitted (Drizzle has no functions)
        out += [("SC391", f"function {f.name}") for f in m.functions]
        # 0b'''. pgSequence has no AS type nor OWNED BY
        out += [("SC413", f"sequence {s.name}") for s in m.sequences if s.type != "bigint" or s.owned_by]
        # 0b''''. no FORCE ROW LEVEL SECURITY; a table with a policy gets row-level security enabled
        out += [("SC104", t.name) for t in m.tables if t.force_row_level_security or (
            not t.row_level_security and any(p.table == t.name for p in m.policies))]
        # 0b-unique. a unique index that a foreign key references is declared as a unique constraint
        # (drizzle-kit writes foreign keys before indexes; PostgreSQL needs the target unique first)
        from schemactl.render.drizzle import DrizzleRenderer
        from schemactl.render.ddl import Renderer
        dz, ddl = DrizzleRenderer(m, "postgres"), Renderer(m, "postgres")
        for t in m.tables:
            for ix in ddl.indexes(t):
                if dz.fk_target_index(t, ix):
                    out += [("SC312", f"{t.name}/unique {ix.name}"), ("SC341", f"{t.name}/index {ix.name}")]
    # 0b-fk. foreignKey() has no DEFERRABLE (SQLite's catalog keeps only INITIALLY DEFERRED apart)
    out += [("SC324", f"{t.name}/foreign key {f.name}") for t in m.tables for f in t.foreign_keys
            if f.deferrable == "deferred" or (f.deferrable and engine == "postgres")]
    # 0c. a column's own engine type (postgres_type / sqlite_type): Drizzle uses the portable type's builder
    # (pg-core: Drizzle's builder of that PostgreSQL type or a customType of it, except for arrays)
    out += [("SC203", f"{t.name}.{c.name}") for t in m.tables for c in t.columns
            if engine in dict(c.engine_types) and not (engine == "postgres" and not c.type.array)]
    if engine != "sqlite":
        return sorted(out)
    from schemactl.render.drizzle import DrizzleRenderer
    from schemactl.render.ddl import Renderer
    dz, ddl = DrizzleRenderer(m, "sqlite"), Renderer(m, "sqlite")
    for t in m.tables:
        # 1. sqlite-core declares storage classes (TEXT, INTEGER, REAL, BLOB), not VARCHAR(n)/BOOLEAN/DATE/...
        for c in t.columns:
            if c.identity:
                continue
            if _drizzle_sqlite_type(dz.builder(t, c), dz) != ddl.column_type(t, c).upper():
                out.append(("SC203", f"{t.name}.{c.name}"))
        # 2. primary keys are always NOT NULL in sqlite-core (no `primary_key_not_null: false`)
        for c in t.columns:
            if t.primary_key and c.name in t.primary_key.columns and ddl.reported_nullable(t, c):
                out.append(("SC204", f"{t.name}.{c.name}"))
        # 3. no STRICT / WITHOUT ROWID table options in sqlite-core
        if t.strict or t.without_rowid:
            out.append(("SC103", t.name))
        # 4. drizzle-kit writes SQLite unique constraints as unique indexes
        for u in t.uniques:
            out.append(("SC311", f"{t.name}/unique {u.name}"))
            out.append(("SC342", f"{t.name}/index {u.name}"))
    return sorted(out)


def _export(toolchain, work: Path, ts: str, dialect: str) -> str:
    (work / "schema.ts").write_text(ts)
    res = _run([toolchain / "drizzle-kit", "export", "--dialect", dialect, "--schema", "./schema.ts"], work)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def _has_double_quote_names(m) -> bool:
    names = [t.name for t in m.tables] + [c.name for t in m.tables for c in t.columns]
    return any('"' in n for n in names)


@pytest.mark.parametrize("src", SOURCES, ids=_id)
def test_drizzle_kit_export_builds_the_manifest_on_postgres(src, toolchain, tmp_path, pg):
    m = load_file(src)
    sql = _export(toolchain, _workdir(tmp_path), render.render_file(m, "schema.pg.ts"), "postgresql")
    if _has_double_quote_names(m):  # the documented limit: drizzle-kit does not escape '"' in names
        with pytest.raises(psycopg.errors.SyntaxError):
            pg.execute(sql)
        return
    pg.execute(sql)
    found = sorted((f.code, f.path) for f in diff(expect(m, "postgres"), introspect(pg, "postgres", m.pg_schema)))
    assert found == drizzle_limits(m, "postgres")


@pytest.mark.parametrize("src", SOURCES, ids=_id)
def test_drizzle_kit_export_builds_the_manifest_on_sqlite(src, toolchain, tmp_path, sqlite_db):
    m = load_file(src)
    sql = _export(toolchain, _workdir(tmp_path), render.render_file(m, "schema.sqlite.ts"), "sqlite")
    sqlite_db.executescript(sql.replace("--> statement-breakpoint", ""))
    found = sorted((f.code, f.path) for f in diff(expect(m, "sqlite"), introspect(sqlite_db, "sqlite")))
    assert found == drizzle_limits(m, "sqlite")


SAMPLE = """\
format: 1
name: sample
version: 4
sqlite: {timestamptz: integer_ms}
enums: {mood: [happy, sad]}
tables:
  sample:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      label: {type: text, nullable: false}
      code: varchar(8)
      ref: {type: uuid, nullable: false}
      flag: {type: boolean, nullable: false}
      small: smallint
      amount: {type: "numeric(10,2)", nullable: false}
      ratio: double
      born: date
      at: {type: timestamptz, nullable: false}
      doc: {type: jsonb, ts_type: "{ tags: string[] }"}
      raw: bytes
      mood: {type: mood, nullable: false}
"""

EXPECTATIONS = """
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const ok = <T extends true>() => undefined as unknown as T;
type Row = typeof sample.$inferSelect;
type New = typeof sample.$inferInsert;
ok<Equal<Row["id"], number>>();
ok<Equal<Row["label"], string>>();
ok<Equal<Row["code"], string | null>>();
ok<Equal<Row["ref"], string>>();
ok<Equal<Row["flag"], boolean>>();
ok<Equal<Row["small"], number | null>>();
ok<Equal<Row["amount"], string>>();
ok<Equal<Row["ratio"], number | null>>();
ok<Equal<Row["born"], string | null>>();
ok<Equal<Row["at"], Date>>();
ok<Equal<Row["doc"], { tags: string[] } | null>>();
ok<Equal<Row["mood"], "happy" | "sad">>();
ok<Equal<New["id"], number | undefined>>();
ok<Equal<New["label"], string>>();
ok<Equal<New["code"], string | null | undefined>>();
ok<Equal<typeof SCHEMA_VERSION, 4>>();
"""


@pytest.mark.parametrize("fname", ["schema.pg.ts", "schema.sqlite.ts"])
def test_inferred_types_are_what_the_portable_types_promise(fname, toolchain, tmp_path):
    work = _workdir(tmp_path)
    ts = render.render_file(load_text(SAMPLE), fname)
    (work / "schema.ts").write_text(ts + EXPECTATIONS)
    res = _run([toolchain / "tsc", "-p", "."], work)
    assert res.returncode == 0, res.stdout + res.stderr
    # ...and a wrong promise is caught, so the check above can fail:
    (work / "schema.ts").write_text(ts + EXPECTATIONS.replace('Row["flag"], boolean', 'Row["flag"], string'))
    assert _run([toolchain / "tsc", "-p", "."], work).returncode != 0


def test_node_toolchain_is_pinned():
    pkg = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in pkg["devDependencies"].items():
        assert version[0].isdigit(), f"{name} must be pinned exactly"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
