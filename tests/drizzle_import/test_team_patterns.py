"""Drizzle schemas as teams write them, through `import --drizzle` and `generate`: the generated file of the
team's dialect compiles under tsc --strict with each table's $inferSelect and $inferInsert the team's (both
ways, the same keys), and drizzle-kit export of it writes what the original's does where the import says it
is exact."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT, cli

BIN = ROOT / "node_modules" / ".bin"
TSCONFIG = {"compilerOptions": {"strict": True, "noEmit": True, "skipLibCheck": True, "target": "ES2022",
                                "module": "ESNext", "moduleResolution": "Bundler", "types": ["node"]},
            "include": ["*.ts"]}


def _adopt(tmp_path, source: str, core: str, tables: list[str]) -> subprocess.CompletedProcess:
    """Import and generate ``source``; tsc --strict of the generated file beside a check that each table's
    select and insert types are the original's."""
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    (tmp_path / "original.ts").write_text(source)
    res = cli("import", "--drizzle", "original.ts", "-o", "manifests/app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    res = cli("generate", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    (tmp_path / "generated.ts").write_text((tmp_path / "generated" / "app" / f"schema.{core}.ts").read_text())
    lines = ['import * as A from "./original";', 'import * as B from "./generated";',
             "type Same<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;"]
    for t in tables:
        for k in ("$inferSelect", "$inferInsert"):
            x, y = f"typeof A.{t}.{k}", f"typeof B.{t}.{k}"
            lines.append(f"export const {t}_{k[6:]}: Same<{x}, {y}> & Same<keyof {x}, keyof {y}> = true;")
    (tmp_path / "check.ts").write_text("\n".join(lines) + "\n")
    return subprocess.run([str(BIN / "tsc"), "-p", "."], cwd=tmp_path, capture_output=True, text=True, timeout=300)


def _export(path, dialect: str) -> list[str]:
    res = subprocess.run([str(BIN / "drizzle-kit"), "export", "--dialect", dialect, "--schema", str(path.name)],
                         cwd=path.parent, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return [line.strip() for line in res.stdout.splitlines() if line.strip()]


def test_a_pg_enum_array_is_the_enums_array(tmp_path):
    """roleEnum("roles").array(): it was a customType of role selecting string[] with .default("{}"), which
    tsc refused in the generated file; now the pgEnum's .array(), its default SQL."""
    res = _adopt(tmp_path, '''import { sql } from "drizzle-orm";
import { inet, pgEnum, pgTable, serial } from "drizzle-orm/pg-core";
export const roleEnum = pgEnum("role", ["admin", "member"]);
export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  roles: roleEnum("roles").array().notNull().default(sql`'{}'`),
  extra: roleEnum("extra").array(),
  ips: inet("ips").array().notNull().default(sql`'{}'`),
});
''', "pg", ["users"])
    assert res.returncode == 0, res.stdout + res.stderr
    def columns(name):
        return [line for line in _export(tmp_path / name, "postgresql") if line.startswith(('"roles"', '"extra"', '"ips"'))]
    assert columns("generated.ts") == columns("original.ts") == [
        '"roles" "role"[] DEFAULT \'{}\' NOT NULL,', '"extra" "role"[],', '"ips" "inet"[] DEFAULT \'{}\' NOT NULL']


def test_an_index_key_desc_or_nulls_first_is_drizzles_chain(tmp_path):
    """t.at.desc() (DESC NULLS LAST) and t.rank.nullsFirst() (NULLS FIRST): the generated file wrote them as
    sql`at DESC NULLS LAST`, an expression key to drizzle-kit; now the same chain, and the same SQL."""
    res = _adopt(tmp_path, '''import { integer, index, pgTable, timestamp } from "drizzle-orm/pg-core";
export const events = pgTable("events", {
  id: integer("id").primaryKey(),
  at: timestamp("at"),
  rank: integer("rank"),
}, (t) => [index("events_at").on(t.rank, t.at.desc()), index("events_rank").on(t.rank.nullsFirst())]);
''', "pg", ["events"])
    assert res.returncode == 0, res.stdout + res.stderr
    text = (tmp_path / "generated.ts").read_text()
    assert 'index("events_at").on(table.rank, table.at.desc())' in text
    assert 'index("events_rank").on(table.rank.nullsFirst())' in text

    def indexes(name):
        return sorted(line for line in _export(tmp_path / name, "postgresql") if "INDEX" in line)
    assert indexes("generated.ts") == indexes("original.ts") == [
        'CREATE INDEX "events_at" ON "events" USING btree ("rank","at" DESC NULLS LAST);',
        'CREATE INDEX "events_rank" ON "events" USING btree ("rank" NULLS FIRST);']


def test_a_type_inside_an_array_types_no_column(tmp_path):
    """jsonb("docs").$type<{ a: number }>().array(): drizzle-orm selects unknown[] (the array builder drops the
    element's $type); the generated file wrote jsonb("docs").array().$type<{ a: number }>(), selecting an
    object where the team's code has an array.  A $type<>() after .array() is kept."""
    res = _adopt(tmp_path, '''import { jsonb, pgTable, integer, text } from "drizzle-orm/pg-core";
export const things = pgTable("things", {
  id: integer("id").primaryKey(),
  docs: jsonb("docs").$type<{ a: number }>().array(),
  tags: text("tags").$type<"x" | "y">().array().notNull(),
  kept: jsonb("kept").array().$type<{ b: string }[]>(),
});
''', "pg", ["things"])
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'kept: jsonb("kept").array().$type<{ b: string }[]>(),' in (tmp_path / "generated.ts").read_text()


def test_a_foreign_key_to_a_unique_index_column_is_kept(tmp_path):
    """.references(() => teams.code) where uniqueIndex("teams_code_uq").on(t.code) makes code unique:
    drizzle-kit's DDL adds every foreign key before every index, PostgreSQL refused the key in that order, and
    the import left it out ('not mapped'); now it is applied once the indexes exist, and the generated file
    has it (with the index as a unique constraint, which PostgreSQL takes before the key)."""
    res = _adopt(tmp_path, '''import { pgTable, integer, varchar, uniqueIndex } from "drizzle-orm/pg-core";
export const teams = pgTable("teams", {
  id: integer("id").primaryKey(),
  code: varchar("code", { length: 10 }).notNull(),
}, (t) => [uniqueIndex("teams_code_uq").on(t.code)]);
export const players = pgTable("players", {
  id: integer("id").primaryKey(),
  teamCode: varchar("team_code", { length: 10 }).references(() => teams.code, { onDelete: "cascade" }),
});
''', "pg", ["teams", "players"])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "# not mapped:" not in (tmp_path / "manifests" / "app.yaml").read_text()
    assert ('foreignKey({ name: "players_team_code_teams_code_fk", columns: [table.teamCode], foreignColumns: '
            '[teams.code] }).onDelete("cascade")') in (tmp_path / "generated.ts").read_text()
    assert any("FOREIGN KEY" in line for line in _export(tmp_path / "generated.ts", "postgresql"))


def test_a_sqlite_numeric_column_is_numeric_again(tmp_path):
    """sqlite-core numeric("amount") (and with { mode: "number" }): read as a double of NUMERIC affinity, the
    generated file wrote real("amount"), which selects number where the team's code has a string, and
    drizzle-kit wrote real for the team's numeric."""
    res = _adopt(tmp_path, '''import { sqliteTable, text, numeric } from "drizzle-orm/sqlite-core";
export const logs = sqliteTable("logs", {
  id: text("id").primaryKey(),
  amount: numeric("amount"),
  rate: numeric("rate", { mode: "number" }).notNull(),
});
''', "sqlite", ["logs"])
    assert res.returncode == 0, res.stdout + res.stderr

    def columns(name):
        return [line for line in _export(tmp_path / name, "sqlite") if line.startswith(("`amount`", "`rate`"))]
    assert columns("generated.ts") == columns("original.ts") == ["`amount` numeric,", "`rate` numeric NOT NULL"]


def test_a_point_or_line_selects_the_teams_mode(tmp_path):
    """point("pos", { mode: "xy" }), point("at") (mode tuple), line("ln", { mode: "abc" }): the generated
    file declared a customType of point/line selecting a string, where the team's code has { x, y },
    [number, number] and { a, b, c }.  Now pg-core's builder with the team's mode; the SQLite file converts its
    text (PostgreSQL's text form) to the same values, and drizzle writes and reads them there."""
    res = _adopt(tmp_path, '''import { pgTable, integer, point, line } from "drizzle-orm/pg-core";
export const places = pgTable("places", {
  id: integer("id").primaryKey(),
  pos: point("pos", { mode: "xy" }).notNull(),
  at: point("at"),
  ln: line("ln", { mode: "abc" }),
  edge: line("edge"),
});
''', "pg", ["places"])
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'pos: point("pos", { mode: "xy" }).notNull(),' in (tmp_path / "generated.ts").read_text()

    def columns(name):
        return [line for line in _export(tmp_path / name, "postgresql") if line.startswith(('"pos"', '"at"', '"ln"'))]
    assert columns("generated.ts") == columns("original.ts") == ['"pos" "point" NOT NULL,', '"at" "point",',
                                                                 '"ln" "line",']
    # the SQLite file: the team's types, through better-sqlite3 and back
    (tmp_path / "lite.ts").write_text((tmp_path / "generated" / "app" / "schema.sqlite.ts").read_text())
    (tmp_path / "run.ts").write_text('''import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { readFileSync } from "fs";
import * as A from "./original";
import { places } from "./lite";
const client = new Database(":memory:");
client.exec(readFileSync("generated/app/sqlite.sql", "utf8"));
const db = drizzle({ client });
const row: typeof A.places.$inferInsert = { id: 1, pos: { x: 1.5, y: -2 }, at: [3, 4], ln: { a: 1, b: 2, c: 3 },
                                            edge: [5, 6, 7] };
db.insert(places).values(row).run();
const back: (typeof A.places.$inferSelect)[] = db.select().from(places).all();
console.log(JSON.stringify([back, client.prepare("SELECT pos, at, ln, edge FROM places").all()]));
''')
    tsc = subprocess.run([str(BIN / "tsc"), "-p", "."], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    run = subprocess.run([str(BIN / "tsx"), "run.ts"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [
        [{"id": 1, "pos": {"x": 1.5, "y": -2}, "at": [3, 4], "ln": {"a": 1, "b": 2, "c": 3}, "edge": [5, 6, 7]}],
        [{"pos": "(1.5,-2)", "at": "(3,4)", "ln": "{1,2,3}", "edge": "{5,6,7}"}]]


def test_a_bigserial_keeps_its_mode(tmp_path):
    """bigserial("id", { mode: "bigint" }).primaryKey(): drizzle-orm's column class (PgBigSerial64) was not
    read as a mode, so the identity column the import makes of it was written bigint("id", { mode: "number" }),
    selecting a number where the team's code has a bigint.  Both modes, in a key and beside it."""
    res = _adopt(tmp_path, '''import { pgTable, bigserial, text } from "drizzle-orm/pg-core";
export const events = pgTable("events", {
  id: bigserial("id", { mode: "bigint" }).primaryKey(),
  note: text("note"),
});
export const small = pgTable("small", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
});
''', "pg", ["events", "small"])
    assert res.returncode == 0, res.stdout + res.stderr
    text = (tmp_path / "generated.ts").read_text()
    assert 'id: bigint("id", { mode: "bigint" }).generatedByDefaultAsIdentity().primaryKey(),' in text
    assert 'id: bigint("id", { mode: "number" }).generatedByDefaultAsIdentity().primaryKey(),' in text
    # the SQLite file: the bigint through a customType of integer, whose primaryKey() takes no autoIncrement
    (tmp_path / "lite.ts").write_text((tmp_path / "generated" / "app" / "schema.sqlite.ts").read_text())
    (tmp_path / "lite_check.ts").write_text('''import * as A from "./original";
import * as L from "./lite";
export const id: bigint = (null as unknown as typeof L.events.$inferSelect).id;
export const row: typeof L.events.$inferInsert = {} as typeof A.events.$inferInsert;
''')
    tsc = subprocess.run([str(BIN / "tsc"), "-p", "."], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    # and SQLite numbers the rows drizzle inserts without an id, read back as bigints
    (tmp_path / "run.ts").write_text('''import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { readFileSync } from "fs";
import { events } from "./lite";
const client = new Database(":memory:");
client.exec(readFileSync("generated/app/sqlite.sql", "utf8"));
const db = drizzle({ client });
db.insert(events).values([{ note: "a" }, { note: "b" }]).run();
console.log(JSON.stringify(db.select().from(events).all().map((r) => [typeof r.id, String(r.id), r.note])));
''')
    run = subprocess.run([str(BIN / "tsx"), "run.ts"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [["bigint", "1", "a"], ["bigint", "2", "b"]]
