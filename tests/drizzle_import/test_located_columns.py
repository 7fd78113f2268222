"""What a Drizzle table's columns declare beyond their SQL, and where the import lists them, when the table is
`pgTable(...).enableRLS()` (Morphic, tests/fixtures/corpus/morphic) and its constraints are added by
drizzle-kit after the table (drizzle-supabase-rls): each listed at its own line of the .ts file."""

from __future__ import annotations

from schemactl.manifest.load import load_file
from tests.conftest import ROOT, cli

SCHEMA = """\
import { sql } from "drizzle-orm";
import { pgTable, pgPolicy, jsonb, text, timestamp, varchar } from "drizzle-orm/pg-core";

export const newId = () => "x";

export const chats = pgTable(
  "chats",
  {
    id: varchar("id", { length: 191 })
      .primaryKey()
      .$defaultFn(() => newId()),
    metadata: jsonb("metadata").$type<Record<string, number>>(),
    owner: text().notNull(),
  },
  (table) => [
    pgPolicy("own chats", { for: "all", using: sql`${table.owner} = current_user` }),
  ],
).enableRLS();

export const messages = pgTable("messages", {
  chatId: varchar("chat_id", { length: 191 })
    .notNull()
    .references(() => chats.id),
  authorId: text()
    .notNull()
    .references(() => missing.id),
  sentAt: timestamp({ precision: 3 }).notNull(),
});

const missing = pgTable("missing", { id: text().primaryKey() });
"""


def test_enable_rls_table_columns_and_added_constraints_are_located(tmp_path, pg_server):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "schema.ts").write_text(SCHEMA)
    res = cli("import", "--drizzle", "schema.ts", "--postgres-url", pg_server.url(), "-o", "app.yaml",
              cwd=tmp_path)
    assert res.exit_code == 0, res.output
    out = res.output
    # $type<>() of a pgTable(...).enableRLS() column is kept; its $defaultFn (a function of the file) is listed
    # at the column (was: both read as 'not written in the column's own declaration', at the table's line)
    assert "approximately: schema.ts:9:9: $defaultFn uses newId, declared in the file" in out, out
    assert "own declaration" not in out, out
    m = load_file(tmp_path / "app.yaml")
    assert m.table("chats").row_level_security
    assert m.table("chats").column("metadata").drizzle.type == "Record<string, number>"
    # a column named by its key, and a foreign key drizzle-kit adds after the table: at the column's line
    assert 'approximately: schema.ts:27: table "messages", column "sentAt"' in out, out
    assert 'not mapped: schema.ts:24: ALTER TABLE "messages" ADD CONSTRAINT' in out, out


def test_type_of_an_exported_alias_the_generated_file_keeps_is_kept(tmp_path, pg_server):
    """$type<Prefs>() where Prefs is a type alias the file exports was dropped as 'declared in the file',
    although the generated file declares that alias too (a kept export, as the README says); an alias it does
    not export is still listed.  The generated file compiles under tsc --strict with the column typed."""
    import json
    import subprocess
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "schema.ts").write_text(
        'import { pgTable, integer, jsonb } from "drizzle-orm/pg-core";\n'
        'export type Prefs = { theme: "dark" | "light"; size: number };\n'
        "type Hidden = { a: string };\n"
        'export const users = pgTable("users", {\n'
        '  id: integer("id").primaryKey(),\n'
        '  prefs: jsonb("prefs").$type<Prefs>(),\n'
        '  other: jsonb("other").$type<Hidden>(),\n'
        "});\n")
    res = cli("import", "--drizzle", "schema.ts", "--postgres-url", pg_server.url(), "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert "uses Prefs" not in res.output and "schema.ts:7:10: $type<>() uses Hidden, declared in the file" in res.output
    m = load_file(tmp_path / "app.yaml")
    assert m.table("users").column("prefs").drizzle.type == "Prefs"
    assert cli("generate", "app.yaml", "-o", "gen", cwd=tmp_path).exit_code == 0
    out = tmp_path / "gen" / "app"   # named after app.yaml
    (out / "check.ts").write_text('import { users } from "./schema.pg";\n'
                                  'const theme: "dark" | "light" | undefined = ({} as typeof users.$inferSelect)'
                                  ".prefs?.theme;\nexport { theme };\n")
    (tmp_path / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "strict": True, "noEmit": True, "skipLibCheck": True, "target": "ES2022", "module": "ESNext",
        "moduleResolution": "Bundler"}, "include": ["gen/app/schema.pg.ts", "gen/app/check.ts"]}))
    tsc = subprocess.run([str(ROOT / "node_modules" / ".bin" / "tsc"), "-p", "."], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
