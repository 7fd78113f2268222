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
