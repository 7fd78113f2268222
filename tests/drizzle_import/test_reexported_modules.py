"""A schema/index.ts that gathers its modules (export * from, export { a } from, import-then-export): what only
the TypeScript says ($type<>(), exported type aliases, $defaultFn/$onUpdate) is read in the modules themselves,
as in one schema.ts.  It was dropped silently ($type<>(), type aliases: --strict exited 0) or listed at
index.ts:1:1 as 'not written in the column's own declaration' ($defaultFn/$onUpdate)."""

from __future__ import annotations

import json
import subprocess

import yaml

from tests.conftest import ROOT, cli
from tests.drizzle_import.test_team_patterns import BIN, TSCONFIG

POSTS = '''import { pgTable, text, jsonb, timestamp } from "drizzle-orm/pg-core";
export type Meta = { tags: string[] };
export const posts = pgTable("posts", {
  id: text("id").primaryKey().$defaultFn(() => crypto.randomUUID()),
  meta: jsonb("meta").$type<Meta>(),
  updatedAt: timestamp("updated_at").$onUpdate(() => new Date()),
});
'''

COMMENTS = '''import { pgEnum, pgTable, text, jsonb } from "drizzle-orm/pg-core";
import { posts, type Meta } from "./posts";
export const role = pgEnum("role", ["admin", "writer"]);
export const comments = pgTable("comments", {
  id: text("id").primaryKey(),
  postId: text("post_id").notNull().references(() => posts.id),
  role: role("role").notNull().default("writer"),
  meta: jsonb("meta").$type<Meta>().notNull(),
});
'''

INDEX = '''export * from "./posts";
export { role } from "./comments";
import { comments } from "./comments";
export { comments };
'''


def _project(tmp_path, posts: str, comments: str, more: dict | None = None):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "package.json").write_text('{"private": true}\n')
    schema = tmp_path / "src" / "db" / "schema"
    schema.mkdir(parents=True)
    (schema / "index.ts").write_text(INDEX)
    (schema / "posts.ts").write_text(posts)
    (schema / "comments.ts").write_text(comments)
    for name, text in (more or {}).items():
        (schema / name).write_text(text)


def test_a_schema_index_keeps_what_its_modules_declare(tmp_path):
    _project(tmp_path, POSTS, COMMENTS)
    res = cli("import", "--strict", "--drizzle", "src/db/schema/index.ts", "-o", "manifests/app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert "0 approximately, 0 not mapped" in res.output, res.output
    doc = yaml.safe_load((tmp_path / "manifests" / "app.yaml").read_text())
    posts, comments = doc["tables"]["posts"]["columns"], doc["tables"]["comments"]["columns"]
    assert posts["id"]["drizzle"]["default_fn"] == "() => crypto.randomUUID()"
    assert posts["meta"]["drizzle"]["type"] == "Meta"
    assert posts["updated_at"]["drizzle"]["on_update"] == "() => new Date()"
    assert comments["meta"]["drizzle"]["type"] == "Meta"   # imported from ./posts, which index.ts exports
    assert doc["drizzle"]["types"] == {"Meta": {"type": "{ tags: string[] }"}}
    assert doc["drizzle"]["enums"] == {"role": "role"}
    assert doc["tables"]["comments"]["drizzle"]["export"] == "comments"

    res = cli("generate", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    (tmp_path / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    (tmp_path / "generated.ts").write_text((tmp_path / "generated" / "app" / "schema.pg.ts").read_text())
    lines = ['import * as A from "./src/db/schema/index";', 'import * as B from "./generated";',
             "type Same<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;",
             'export const meta: B.Meta = { tags: ["a"] };',
             "export const sameMeta: Same<A.Meta, B.Meta> = true;",
             'export const row: typeof B.comments.$inferInsert = { id: "c", postId: "p", meta };']
    for t in ("posts", "comments"):
        for k in ("$inferSelect", "$inferInsert"):
            x, y = f"typeof A.{t}.{k}", f"typeof B.{t}.{k}"
            lines.append(f"export const {t}_{k[6:]}: Same<{x}, {y}> & Same<keyof {x}, keyof {y}> = true;")
    (tmp_path / "check.ts").write_text("\n".join(lines) + "\n")
    tsc = subprocess.run([str(BIN / "tsc"), "-p", "."], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr


def test_what_a_module_cannot_keep_is_listed_at_its_own_line(tmp_path):
    """A module's code that uses a declaration the generated file lacks (a function of the module, a type of a
    module index.ts does not export) is listed at the module's file:line:col, and --strict refuses it."""
    comments = COMMENTS.replace('import { posts, type Meta } from "./posts";',
                                'import { posts } from "./posts";\nimport type { Tag } from "./tags";\n'
                                'function slug() { return "c-" + Math.random(); }') \
        .replace('id: text("id").primaryKey(),', 'id: text("id").primaryKey().$defaultFn(() => slug()),') \
        .replace("$type<Meta>()", "$type<Tag>()")
    _project(tmp_path, POSTS, comments, {"tags.ts": "export type Tag = { name: string };\n"})
    res = cli("import", "--strict", "--drizzle", "src/db/schema/index.ts", "-o", "manifests/app.yaml", cwd=tmp_path)
    assert res.exit_code == 2, res.output
    at = "src/db/schema/comments.ts"
    assert f"{at}:7:7: $defaultFn uses slug, declared in the file: left out" in res.output, res.output
    assert f"{at}:10:9: $type<>() uses Tag from ./tags, a path relative to the file: left out" in res.output
    assert "index.ts:1:1" not in res.output
    res = cli("import", "--drizzle", "src/db/schema/index.ts", "-o", "manifests/app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    doc = yaml.safe_load((tmp_path / "manifests" / "app.yaml").read_text())
    assert doc["tables"]["posts"]["columns"]["meta"]["drizzle"]["type"] == "Meta"
    assert "type" not in doc["tables"]["comments"]["columns"]["meta"].get("drizzle", {})
