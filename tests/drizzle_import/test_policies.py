"""pgPolicy in a Drizzle pg-core schema: drizzle-kit's CREATE POLICY reaches the manifest like a DDL file's,
with the roles it names declared under postgres.roles (the deployment's roles: the import's scratch server
gets them without LOGIN), and what cannot be applied is listed at the policy's line of the .ts file."""

from __future__ import annotations

from schemactl.manifest.load import load_file
from tests.conftest import ROOT, cli

SCHEMA = """\
import { sql } from "drizzle-orm";
import { pgTable, pgPolicy, integer, text } from "drizzle-orm/pg-core";

export const userNotes = pgTable(
  "userNotes",
  {
    id: integer().primaryKey(),
    owner: text().notNull(),
  },
  (t) => [
    pgPolicy("read own notes", {
      for: "select",
      using: sql`${t.owner} = current_user`,
    }),
    pgPolicy("auditors read all", {
      for: "select",
      to: "auditors",
      using: sql`true`,
    }),
    pgPolicy("unknown check", {
      using: sql`no_such_function(${t.owner})`,
    }),
  ],
).enableRLS();
"""


def test_drizzle_policies_are_mapped_or_listed_at_their_line(tmp_path, pg_server):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "schema.ts").write_text(SCHEMA)
    res = cli("import", "--drizzle", "schema.ts", "--postgres-url", pg_server.url(), "-o", "app.yaml",
              cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert 'not mapped: schema.ts:20: CREATE POLICY "unknown check" ON "userNotes"' in res.output, res.output
    m = load_file(tmp_path / "app.yaml")
    assert [(p.table, p.name, p.command, p.roles) for p in m.policies] == [
        ("userNotes", "auditors read all", "select", ("auditors",)),
        ("userNotes", "read own notes", "select", ("public",))]
    assert m.pg_roles == ("auditors",)
    assert m.table("userNotes").row_level_security
