"""Adopting a real Drizzle project: `import --drizzle schema.ts`, `generate`, and the generated file of the
team's dialect is the team's file again, proven with the pinned tool chain on the four real public Drizzle
schemas of the corpus (tests/fixtures/corpus/README.md gives their origin) and on two files of our own with
what the corpus lacks (fixtures/team_pg.ts, fixtures/team_sqlite.ts: every mode, enum unions, $type<> with
an imported type, $defaultFn with an imported function, a customType with options, creators with prefix and
suffix, a pgEnum, a key that is no identifier, names that must be escaped in TypeScript):

- drizzle-orm's getTableConfig on the original and on the generated module (compare.cjs): the same table
  exports, SQL names, property keys, and per column the same SQL type, builder class, data type, mode,
  enum values, NOT NULL, default, primary key, $defaultFn and $onUpdate; the same relations() exports
  with the same relations; every other value the original exports;
- tsc --strict: each table's $inferSelect and $inferInsert of the generated file and of the original are
  mutually assignable and have the same keys; so are the original's exported type aliases;
- the team's relational queries (its relation names in `with:`) run on better-sqlite3 and node-postgres
  through both generated files;
- drizzle-kit export of the generated file builds the manifest on the real engine (parity: only the
  documented Drizzle limits);
- the drizzle: blocks are no part of the schema hash.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import pytest
import yaml

from schemactl.engines.providers import Server
from schemactl.manifest.hashing import schema_hash
from schemactl.manifest.load import load_file, load_text
from tests.conftest import ROOT, cli

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
BIN = ROOT / "node_modules" / ".bin"
COMPARE = ROOT / "tests" / "drizzle_import" / "compare.cjs"
FIXTURES = ROOT / "tests" / "drizzle_import" / "fixtures"
SCHEMAS = {"ai-chatbot": "pg", "t3-postgres": "pg", "t3-sqlite": "sqlite", "drizzle-libsql": "sqlite",
           "morphic": "pg", "drizzle-supabase-rls": "pg",
           "team-pg": "pg", "team-sqlite": "sqlite", "pg-types": "pg"}
SOURCE = {**{name: CORPUS / name / "schema.ts" for name in SCHEMAS}, "team-pg": FIXTURES / "team_pg.ts",
          "team-sqlite": FIXTURES / "team_sqlite.ts", "pg-types": FIXTURES / "pg_types.ts"}
# what the import lists as not kept, and so the only differences: a $defaultFn calling a function the
# team's file declares itself (the generated file does not have it)
NOT_KEPT = {"team-pg": ["original.ts:40:13: $defaultFn uses localId, declared in the file: left out (move it to a "
                        "module of its own, import it from there, then import again)"],
            "morphic": [f"original.ts:{line}:9: $defaultFn uses generateId, declared in the file: left out (move it "
                        "to a module of its own, import it from there, then import again)"
                        for line in (29, 76, 126, 266, 308, 350)]}
MORPHIC_TABLES = ["chats", "messages", "parts", "notes", "libraryFiles", "feedback"]
DIFFS = {"team-pg": ["people.legacyId: hasDefault true -> false", "people.legacyId: defaultFn true -> false"],
         "morphic": [f"{t}.id: {k} true -> false" for t in MORPHIC_TABLES for k in ("hasDefault", "defaultFn")]
         + ["export generateId: missing"],
         # listed by the import: timestamp(3) is approximate; the two policies on realtime.messages (a schema
         # the import's scratch database does not have) are not mapped
         "drizzle-supabase-rls": ['roomsUsers.joinedAt: sqlType "timestamp(3)" -> "timestamp"', "export P1: missing",
                                  "export P2: missing"],
         # what the import itself lists as approximate: serial columns become identity columns, a
         # timestamp's precision is not held; numeric(12) is numeric(12, 0) in other words (point (x, y) has
         # no portable type but comes back as pg-core's point(), selecting the team's [number, number])
         "pg-types": ['all.id: sqlType "serial" -> "integer"', 'all.id: columnType "PgSerial" -> "PgInteger"',
                      'all.big: sqlType "bigserial" -> "bigint"',
                      'all.big: columnType "PgBigSerial53" -> "PgBigInt53"',
                      'all.np: sqlType "numeric(12)" -> "numeric(12, 0)"',
                      'all.ts: sqlType "timestamp (3) with time zone" -> "timestamp with time zone"']}
# the team's export names, which an import through drizzle-kit's SQL alone renamed or swapped
EXPORTS = {
    "ai-chatbot": ["user", "chat", "messageDeprecated", "message", "voteDeprecated", "vote", "document",
                   "suggestion", "stream"],
    "t3-postgres": ["posts", "user", "session", "account", "verification"],
    "t3-sqlite": ["posts", "user", "account", "session", "verification"],
    "drizzle-libsql": ["users", "posts"],
    "morphic": MORPHIC_TABLES,
    "drizzle-supabase-rls": ["rooms", "profiles", "roomsUsers"],
    "team-pg": ["people", "oddNames"],
    "team-sqlite": ["tasks", "notes"],
    "pg-types": ["all"],
}
RELATIONS = {name: ["userRelations", "accountRelations", "sessionRelations"] for name in ("t3-postgres", "t3-sqlite")}
TYPE_ALIASES = {"ai-chatbot": ["User", "Chat", "MessageDeprecated", "DBMessage", "VoteDeprecated", "Vote", "Document",
                               "Suggestion", "Stream"]}
TSCONFIG = {"compilerOptions": {"strict": True, "noEmit": True, "skipLibCheck": True, "target": "ES2022",
                                "module": "ESNext", "moduleResolution": "Bundler", "types": ["node"]},
            "include": ["**/*.ts"]}


def _run(cmd, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    """Per schema: its folder with original.ts, manifests/<name>.yaml (imported) and generated/ (generated)."""
    if not (BIN / "tsc").exists():
        pytest.fail("Node tool chain missing; run `npm ci` at the repository root")
    work = tmp_path_factory.mktemp("adopt")
    (work / "node_modules").symlink_to(ROOT / "node_modules")
    (work / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    out = {}
    for name in SCHEMAS:
        d = work / name
        (d / "manifests").mkdir(parents=True)
        shutil.copy(SOURCE[name], d / "original.ts")
        res = cli("import", "--drizzle", "original.ts", "--name", name, "-o", f"manifests/{name}.yaml", cwd=d)
        assert res.exit_code == 0, res.output
        listed = [line.removeprefix("import: approximately: ") for line in res.output.splitlines()
                  if line.startswith("import: approximately: original.ts:") and "$" in line]
        assert listed == NOT_KEPT.get(name, [])
        res = cli("generate", cwd=d)
        assert res.exit_code == 0, res.output
        out[name] = d
    return work, out


def _generated(d, name) -> str:
    return f"./generated/{name}/schema.{SCHEMAS[name]}"


@pytest.mark.parametrize("name", SCHEMAS)
def test_generated_module_is_the_teams_module_to_drizzle(adopted, name):
    _, dirs = adopted
    d = dirs[name]
    res = _run(["node", COMPARE, "original.ts", _generated(d, name) + ".ts"], d)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["tables"] == EXPORTS[name]
    assert report["relations"] == RELATIONS.get(name, [])
    assert report["diffs"] == DIFFS.get(name, [])


def test_select_and_insert_types_are_the_teams(adopted):
    """One tsc --strict run: every table's $inferSelect/$inferInsert, both ways, with the same keys."""
    work, dirs = adopted
    for name, d in dirs.items():
        lines = ['import * as A from "./original";', f'import * as B from "{_generated(d, name)}";',
                 "type Same<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;"]
        for t in EXPORTS[name]:
            # morphic: the $defaultFn left out (listed) makes each id required on insert
            for k in ("$inferSelect",) if name == "morphic" else ("$inferSelect", "$inferInsert"):
                x, y = f"typeof A.{t}.{k}", f"typeof B.{t}.{k}"
                lines.append(f"export const {t}_{k[6:]}: Same<{x}, {y}> & Same<keyof {x}, keyof {y}> = true;")
        lines += [f"export const type_{t}: Same<A.{t}, B.{t}> = true;" for t in TYPE_ALIASES.get(name, [])]
        (d / "check.ts").write_text("\n".join(lines) + "\n")
    res = _run([BIN / "tsc", "-p", "."], work)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("name", SCHEMAS)
def test_drizzle_blocks_are_not_part_of_the_hash(adopted, name):
    _, dirs = adopted
    path = dirs[name] / "manifests" / f"{name}.yaml"
    text = path.read_text()
    m = load_file(path)
    assert "drizzle:" in text and m.drizzle is not None
    doc = yaml.safe_load(text)
    doc.pop("drizzle")
    for t in doc["tables"].values():
        t.pop("drizzle", None)
        for c in t["columns"].values():
            if isinstance(c, dict):
                c.pop("drizzle", None)
    bare = load_text(yaml.safe_dump(doc, sort_keys=False), "<bare>")
    assert schema_hash(bare) == schema_hash(m) == m.hash


@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
@pytest.mark.parametrize("name", SCHEMAS)
def test_drizzle_kit_export_of_the_generated_file_builds_the_manifest(adopted, name, engine, tmp_path, sqlite_db, pg,
                                                                     pg_test_db):
    """Both generated files: the team's dialect and the other one (same export names and keys)."""
    from schemactl import render
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    from tests.render.test_drizzle import _export, _workdir, drizzle_limits
    _, dirs = adopted
    m = load_file(dirs[name] / "manifests" / f"{name}.yaml")
    if engine == "postgres":
        sql = _export(BIN, _workdir(tmp_path), render.render_file(m, "schema.pg.ts"), "postgresql")
        Server(pg_test_db, "test").ensure_roles(m.pg_roles)   # the deployment's roles (Supabase's authenticated)
        pg.execute(sql)
        found = diff(expect(m, "postgres"), introspect(pg, "postgres", m.pg_schema))
    else:
        sql = _export(BIN, _workdir(tmp_path), render.render_file(m, "schema.sqlite.ts"), "sqlite")
        if any("`" in n for t in m.tables for n in (t.name, *(c.name for c in t.columns))):
            # drizzle-kit quotes SQLite names with backticks and does not escape them (README: Drizzle limits)
            with pytest.raises(sqlite3.OperationalError, match="syntax error"):
                sqlite_db.executescript(sql.replace("--> statement-breakpoint", ""))
            return
        sqlite_db.executescript(sql.replace("--> statement-breakpoint", ""))
        found = diff(expect(m, "sqlite"), introspect(sqlite_db, "sqlite"))
    assert sorted((f.code, f.path) for f in found) == drizzle_limits(m, engine)


def test_the_module_reader_ships_in_the_wheel():
    import tomllib
    from importlib import resources
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "*.cjs" in data["schemactl"]
    assert resources.files("schemactl").joinpath("drizzle_module.cjs").is_file()


def test_names_reach_typescript_json_encoded(adopted):
    """Names holding a backtick, ${ and */ are strings of the generated files, never code or comment ends
    (tsc compiled them above; drizzle-orm read the same SQL names back)."""
    _, dirs = adopted
    out = dirs["team-pg"] / "generated" / "team-pg"
    pg_ts, types_ts = (out / "schema.pg.ts").read_text(), (out / "types.ts").read_text()
    assert 'pgTable(\n  "we`ird${name}*/",' in pg_ts and '"quoted-key": text("col`${x}*/")' in pg_ts
    assert '/** A row of "we`ird${name}*\\/" as selected' in types_ts
    assert 'import type { IncomingHttpHeaders } from "node:http";' in types_ts


@pytest.mark.parametrize("body, message", [
    ('throw new Error("boom\\nsecond line");\n', "bad.ts: loading the module failed: boom"),
    ('export const u = pgTable("u", { a: text( });\n', "bad.ts:2:42: not valid TypeScript: Argument expression"),
])
def test_a_module_that_does_not_load_is_one_located_line(tmp_path, body, message):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "bad.ts").write_text('import { pgTable, text } from "drizzle-orm/pg-core";\n' + body)
    res = cli("import", "--drizzle", "bad.ts", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.output.startswith("error: " + message) and res.output.count("\n") == 1, res.output


def test_a_syntax_error_in_a_module_the_schema_imports_is_located_there(tmp_path):
    """It was 'no tables found to import': typescript's recovery emitted code for the broken module, and
    drizzle-kit export printed its esbuild error and exited 0."""
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "schema.ts").write_text(
        'import { pgTable, integer } from "drizzle-orm/pg-core";\nimport { common } from "./lib/common";\n'
        'export const users = pgTable("users", { id: integer("id").primaryKey(), ...common });\n')
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "common.ts").write_text(
        'import { text } from "drizzle-orm/pg-core";\nexport const common = { note: text("note") ;\n')
    res = cli("import", "--drizzle", "schema.ts", "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.output == "error: lib/common.ts:2:44: not valid TypeScript: ',' expected.\n", res.output
    assert not (tmp_path / "app.yaml").exists()


@pytest.mark.parametrize("module, body, message", [
    ("users.ts", "const dup = 1;\nconst dup = 2;\n",                # typescript transpiles it; V8 refuses it
     'users.ts:3:7: loading the module failed: The symbol "dup" has already been declared'),
    ("legacy.js", "export const x = [1,, ,;\n",                      # an ES module: V8 names no place
     "legacy.js:2:24: loading the module failed: "),
])
def test_a_module_v8_refuses_is_located_in_that_module(tmp_path, module, body, message):
    """They were 'index.ts: loading the module failed: …', naming the barrel and no line."""
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / module).write_text('import { pgTable, integer } from "drizzle-orm/pg-core";\n' + body +
                                   'export const users = pgTable("users", { id: integer("id").primaryKey() });\n')
    (tmp_path / "index.ts").write_text(f'export * from "./{module}";\n')
    res = cli("import", "--drizzle", "index.ts", "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.output.startswith("error: " + message) and res.output.count("\n") == 1, res.output


def test_commented_out_and_lazy_imports_and_json_are_no_modules_of_the_schema(tmp_path):
    """A commented-out import of sqlite-core and a lazy import("./notes") of a sqlite-core module made a pg-core
    barrel 'import both cores'; a JSON file and a commented-out import of a broken module were blamed for
    another module's syntax error."""
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "users.ts").write_text('import { pgTable, integer } from "drizzle-orm/pg-core";\n'
                                       'export const users = pgTable("users", { id: integer("id").primaryKey() });\n')
    (tmp_path / "notes.ts").write_text('import { sqliteTable, integer } from "drizzle-orm/sqlite-core";\n'
                                       'export const notes = sqliteTable("notes", { id: integer("id").primaryKey() });\n')
    (tmp_path / "index.ts").write_text('// formerly: import { sqliteTable } from "drizzle-orm/sqlite-core";\n'
                                       'export * from "./users";\nexport const later = () => import("./notes");\n')
    from schemactl.importer import drizzle_dialect
    assert drizzle_dialect(tmp_path / "index.ts") == ("postgres", "postgresql")
    (tmp_path / "data.json").write_text('{"a": 1}\n')
    (tmp_path / "helper.mjs").write_text("export const bad = ;\n")
    (tmp_path / "legacy.ts").write_text("const x = ;\n")
    (tmp_path / "main.ts").write_text(
        '// import { old } from "./legacy"\nimport data from "./data.json";\nimport { bad } from "./helper.mjs";\n'
        'import { pgTable, integer } from "drizzle-orm/pg-core";\n'
        'export const users = pgTable("users", { id: integer("id").primaryKey() });\nexport const b = [bad, data];\n')
    res = cli("import", "--drizzle", "main.ts", "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.output.startswith("error: helper.mjs:1:20: loading the module failed: "), res.output


def test_drizzle_kit_exports_error_that_exits_0_is_an_error_located_in_the_module(tmp_path, monkeypatch):
    """Where the helper could not write the DDL, the import runs `drizzle-kit export`, which prints an esbuild
    error and exits 0 when a module does not load: that is the module's error (esbuild's column from 0)."""
    from schemactl.errors import SchemactlError
    from schemactl.importer import drizzle_export
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "schema.ts").write_text(
        'import { pgTable, integer } from "drizzle-orm/pg-core";\nimport { common } from "./common";\n'
        'export const users = pgTable("users", { id: integer("id").primaryKey(), ...common });\n')
    (tmp_path / "common.ts").write_text('import { text } from "drizzle-orm/pg-core";\n'
                                        'export const common = { note: text("note") ;\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SchemactlError) as caught:
        drizzle_export(str(tmp_path / "schema.ts"))
    assert str(caught.value).startswith('common.ts:2:44: error: Expected "}" but found ";" (drizzle-kit export of ')


@pytest.mark.parametrize("core, table, spec", [
    ("pg-core", "pgTable", "./users"), ("sqlite-core", "sqliteTable", "./users.js")])
def test_a_barrel_index_of_export_star_is_imported(tmp_path, core, table, spec):
    """A schema/index.ts that only re-exports its modules was refused ('imports neither drizzle-orm/pg-core nor
    drizzle-orm/sqlite-core'): the core is now read from the local modules it names (ESM ./users.js too)."""
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "users.ts").write_text(f'import {{ {table}, integer, text }} from "drizzle-orm/{core}";\n'
                                     f'export const users = {table}("users", {{ id: integer("id").primaryKey(), '
                                     'name: text("name").notNull() });\n')
    (schema / "posts.ts").write_text(f'import {{ {table}, integer }} from "drizzle-orm/{core}";\n'
                                     f'import {{ users }} from "{spec}";\n'
                                     f'export const posts = {table}("posts", {{ id: integer("id").primaryKey(), '
                                     'author: integer("author").references(() => users.id) });\n')
    (schema / "index.ts").write_text(f'export * from "{spec}";\nexport * from "./posts";\n')
    res = cli("import", "--drizzle", "schema/index.ts", "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    m = load_file(tmp_path / "app.yaml")
    assert sorted(t.name for t in m.tables) == ["posts", "users"]
    assert m.table("posts").foreign_keys[0].ref_table == "users"


def test_a_barrel_of_both_cores_is_refused_not_halved(tmp_path):
    """A barrel of a pg-core module and a sqlite-core one imported the first core's tables and dropped the
    other's with '0 not mapped'; a comment naming the other core is no import of it."""
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "pg.ts").write_text('import { pgTable, integer } from "drizzle-orm/pg-core";\n'
                                    '// not drizzle-orm/sqlite-core: a comment\n'
                                    'export const a = pgTable("a", { id: integer("id").primaryKey() });\n')
    (tmp_path / "lite.ts").write_text("import { sqliteTable, integer } from 'drizzle-orm/sqlite-core';\n"
                                      'export const b = sqliteTable("b", { id: integer("id").primaryKey() });\n')
    (tmp_path / "index.ts").write_text('export * from "./pg";\nexport * from "./lite";\n')
    res = cli("import", "--drizzle", "index.ts", "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.output == ("error: index.ts: imports both drizzle-orm/pg-core (pg.ts) and drizzle-orm/sqlite-core "
                          "(lite.ts): a manifest is one schema of one Drizzle dialect; import each dialect's tables "
                          "from a file of their own\n"), res.output
    assert not (tmp_path / "app.yaml").exists()
    from schemactl.importer import drizzle_dialect
    assert drizzle_dialect(tmp_path / "pg.ts") == ("postgres", "postgresql")


def test_a_file_naming_no_drizzle_core_anywhere_is_refused_with_the_reason(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "index.ts").write_text('export * from "./a";\n')
    (tmp_path / "a.ts").write_text('export const x = 1;\n')
    res = cli("import", "--drizzle", "index.ts", cwd=tmp_path)
    assert res.exit_code == 2
    assert "imports neither drizzle-orm/pg-core nor drizzle-orm/sqlite-core (nor does a local module" in res.output


# The team's relation names (t3's user.account / account.user, not derived names) through both files
SEEDS = {
    "t3-postgres": """
        INSERT INTO "user" (id, name, email, email_verified, created_at, updated_at)
          VALUES ('u1', 'Ann', 'ann@example.com', true, '2024-01-01', '2024-01-01');
        INSERT INTO account (id, account_id, provider_id, user_id, created_at, updated_at)
          VALUES ('a1', 'gh-1', 'github', 'u1', '2024-01-01', '2024-01-01');
        INSERT INTO session (id, expires_at, token, created_at, updated_at, user_id)
          VALUES ('s1', '2024-02-01', 't1', '2024-01-01', '2024-01-01', 'u1');""",
    "t3-sqlite": """
        INSERT INTO "user" (id, email, "createdAt") VALUES ('u1', 'ann@example.com', 0);
        INSERT INTO account (id, "userId", "accountId", "providerId", "createdAt")
          VALUES ('a1', 'u1', 'gh-1', 'github', 0);
        INSERT INTO session (id, "userId", token, "expiresAt", "createdAt") VALUES ('s1', 'u1', 't1', 0, 0);""",
}
QUERIES = [["user", {"account": True, "session": True}], ["account", {"user": True}], ["session", {"user": True}]]


@pytest.mark.parametrize("name", SEEDS)
def test_the_teams_relational_queries_run_on_both_engines(adopted, name, tmp_path, pg, pg_test_db):
    import sqlite3
    from schemactl import render
    from schemactl.engines import sqlite as sqlite_engine
    _, dirs = adopted
    d = dirs[name]
    m = load_file(d / "manifests" / f"{name}.yaml")
    lite_db = tmp_path / "t.db"
    conn = sqlite3.connect(lite_db)
    sqlite_engine.apply(conn, render.ddl(m, "sqlite"))
    conn.executescript(SEEDS[name])
    conn.commit()
    conn.close()
    pg.execute(render.ddl(m, "postgres"))
    pg.execute(SEEDS[name])
    conf = dict(kv.split("=", 1) for kv in pg_test_db.split())
    pg_conf = json.dumps({"host": conf["host"], "port": int(conf["port"]), "user": conf["user"],
                          "database": conf["dbname"]})
    results = {}
    for engine, target, ts in (("sqlite", lite_db, "schema.sqlite.ts"), ("postgres", pg_conf, "schema.pg.ts")):
        res = _run(["node", ROOT / "tests" / "drizzle_import" / "query.cjs", engine,
                    d / "generated" / name / ts, target, json.dumps(QUERIES)], d)
        assert res.returncode == 0, res.stderr
        users, accounts, sessions = json.loads(res.stdout)
        assert [a["id"] for a in users[0]["account"]] == ["a1"] and [x["id"] for x in users[0]["session"]] == ["s1"]
        assert accounts[0]["user"]["id"] == "u1" and sessions[0]["user"]["email"] == "ann@example.com"
        results[engine] = (len(users), len(accounts), len(sessions))
    assert results["sqlite"] == results["postgres"] == (1, 1, 1)


def test_a_module_split_across_files_with_esm_imports_loads():
    """schema.ts re-exporting ./users.js (the ESM spelling of ./users.ts), as NodeNext projects write it."""
    from schemactl.drizzle_module import read_module
    info = read_module(FIXTURES / "esm" / "schema.ts")
    tables = {t["export"]: t for t in info["tables"]}
    assert {k: t["name"] for k, t in tables.items()} == {"users": "users", "posts": "posts"}
    assert [c["key"] for c in tables["posts"]["columns"]] == ["id", "authorId", "body"]
