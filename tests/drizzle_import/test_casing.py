"""drizzle's `casing: "snake_case"` (drizzle.config.ts, or drizzle({ casing })): drizzle-kit generate names a
column declared without a name by its key in snake_case (createdAt -> created_at), and so does the team's
database; the import kept the key (createdAt), so the manifest and the generated files named other columns.
Now the manifest has the team's column names and the generated file the team's keys with those names."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT, cli
from tests.drizzle_import.test_team_patterns import BIN, _adopt, _export

CONFIG = '''import { defineConfig } from "drizzle-kit";
export default defineConfig({ dialect: "%s", schema: "./original.ts", casing: "snake_case" });
'''


def _generate(path, dialect: str) -> list[str]:
    """What `drizzle-kit generate --casing snake_case` (the team's migrations) writes for ``path``."""
    out = path.parent / "migrations"
    res = subprocess.run([str(BIN / "drizzle-kit"), "generate", "--dialect", dialect, "--schema", path.name,
                          "--casing", "snake_case", "--out", str(out), "--name", "team"],
                         cwd=path.parent, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    text = next(out.glob("*.sql")).read_text().replace("--> statement-breakpoint", "\n")
    return sorted(line.strip().rstrip(",") for line in text.splitlines() if line.strip())


def _columns(lines: list[str]) -> list[str]:
    return sorted(line.strip().rstrip(",") for line in lines if line.strip())


def test_pg_snake_case_of_drizzle_config(tmp_path):
    (tmp_path / "drizzle.config.ts").write_text(CONFIG % "postgresql")
    res = _adopt(tmp_path, '''import { relations } from "drizzle-orm";
import { pgTable, integer, text, timestamp, index } from "drizzle-orm/pg-core";
export const users = pgTable("users", {
  id: integer().primaryKey(),
  firstName: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).defaultNow().notNull(),
  legacyName: text("LegacyName"),
}, (t) => [index().on(t.createdAt)]);
export const posts = pgTable("posts", {
  postId: integer().primaryKey(),
  authorId: integer().references(() => users.id),
});
export const postsRelations = relations(posts, ({ one }) => ({
  author: one(users, { fields: [posts.authorId], references: [users.id] }),
}));
''', "pg", ["users", "posts"])
    assert res.returncode == 0, res.stdout + res.stderr
    manifest = (tmp_path / "manifests" / "app.yaml").read_text()
    assert "created_at:" in manifest and "createdAt:" not in manifest
    text = (tmp_path / "generated.ts").read_text()
    assert 'createdAt: timestamp("created_at", ' in text and 'legacyName: text("LegacyName")' in text
    assert "fields: [posts.authorId], references: [users.id]" in text
    # the generated file (its names written out) makes the tables the team's migrations make
    assert _columns(_export(tmp_path / "generated.ts", "postgresql")) == _generate(tmp_path / "original.ts",
                                                                                  "postgresql")


def test_sqlite_snake_case_of_a_drizzle_call_beside_the_schema(tmp_path):
    """drizzle({ casing: "snake_case" }) in the db.ts beside the schema, no drizzle.config; the schema file
    re-exports its tables (`export *`: the import runs drizzle-kit itself, not its API)."""
    (tmp_path / "db.ts").write_text('''import { drizzle } from "drizzle-orm/better-sqlite3";
// drizzle({ casing: "camelCase" }) was the old one
export const db = drizzle({ connection: "app.db", casing: "snake_case" });
''')
    (tmp_path / "tables.ts").write_text('''import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
export const notes = sqliteTable("notes", {
  noteId: integer().primaryKey(),
  bodyText: text().notNull(),
  updatedAt: integer({ mode: "timestamp" }),
});
''')
    res = _adopt(tmp_path, 'export * from "./tables";\n', "sqlite", ["notes"])
    assert res.returncode == 0, res.stdout + res.stderr
    text = (tmp_path / "generated.ts").read_text()
    assert 'bodyText: text("body_text").notNull()' in text
    assert _columns(_export(tmp_path / "generated.ts", "sqlite")) == _generate(tmp_path / "original.ts", "sqlite")


def test_casing_not_a_literal_is_refused_at_its_place(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "drizzle.config.ts").write_text('''const c = "snake_case" as const;
export default { dialect: "postgresql", schema: "./s.ts",
  casing: c };
''')
    (tmp_path / "s.ts").write_text('import { pgTable, integer } from "drizzle-orm/pg-core";\n'
                                   'export const t = pgTable("t", { someId: integer() });\n')
    res = cli("import", "--drizzle", "s.ts", "-o", "m.yaml", cwd=tmp_path)
    assert res.exit_code != 0
    assert "drizzle.config.ts:3:3: error: casing is not one of" in res.output, res.output
    res = cli("import", "--drizzle", "s.ts", "--casing", "snake_case", "-o", "m.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert "some_id:" in (tmp_path / "m.yaml").read_text()


def test_introspects_casing_is_not_the_configs(tmp_path):
    """drizzle.config's introspect: { casing: "camel" } is drizzle-kit pull's; the config's own casing is the
    top-level one."""
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "drizzle.config.ts").write_text('''export default {
  dialect: "sqlite", schema: "./s.ts",
  introspect: { casing: "camel" },
  casing: "snake_case",
};
''')
    (tmp_path / "s.ts").write_text('import { sqliteTable, integer } from "drizzle-orm/sqlite-core";\n'
                                   'export const t = sqliteTable("t", { someId: integer() });\n')
    res = cli("import", "--drizzle", "s.ts", "-o", "m.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert "some_id:" in (tmp_path / "m.yaml").read_text()


def test_kept_sql_texts_name_columns_by_their_cased_names(tmp_path):
    """check(...sql`${t.zetaCount} >= 0`), index(...).on(sql`lower(${t.fullName})`) and .where(sql`${t.zetaCount}
    > 0`) of keys declared without a name, under snake_case: the import recorded ${zetaCount} (the key, which is
    no column of the manifest), so the generated file wrote the manifest's expressions and drizzle-kit wrote
    another CHECK and other indexes than the team's migrations.  The texts name the SQL columns now."""
    (tmp_path / "drizzle.config.ts").write_text(CONFIG % "postgresql")
    res = _adopt(tmp_path, '''import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text } from "drizzle-orm/pg-core";
export const u = pgTable("u", {
  id: integer().primaryKey(),
  fullName: text().notNull(),
  zetaCount: integer(),
}, (t) => [
  index("u_lower_name").on(sql`lower(${t.fullName})`),
  index("u_z").on(t.fullName).where(sql`${t.zetaCount} > 0`),
  check("u_z_pos", sql`${t.zetaCount} >= 0`),
]);
''', "pg", ["u"])
    assert res.returncode == 0, res.stdout + res.stderr
    def kept(lines):
        return [line for line in _columns(lines) if "CHECK" in line or "INDEX" in line]
    assert kept(_export(tmp_path / "generated.ts", "postgresql")) == kept(_generate(tmp_path / "original.ts", "postgresql"))
    manifest = (tmp_path / "manifests" / "app.yaml").read_text()
    assert "checks: {u_z_pos: '${zeta_count} >= 0'}" in manifest and "u_lower_name: ['lower(${full_name})']" in manifest
    assert kept(_generate(tmp_path / "original.ts", "postgresql")) == [
        'CONSTRAINT "u_z_pos" CHECK ("u"."zeta_count" >= 0)',
        'CREATE INDEX "u_lower_name" ON "u" USING btree (lower("full_name"));',
        'CREATE INDEX "u_z" ON "u" USING btree ("full_name") WHERE "u"."zeta_count" > 0;']
