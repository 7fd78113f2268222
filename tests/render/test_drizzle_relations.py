"""The generated relations() serve drizzle-orm's relational query API on both real engines: rows inserted
with plain SQL come back nested through `db.query.<table>.findMany({ with: … })`, the same on
better-sqlite3 (a SQLite file) and node-postgres (the throwaway PostgreSQL), for a golden case with every
kind of foreign key and for a seed manifest.  One tsc run, one Node process per engine."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import psycopg

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from tests.conftest import CASES, ROOT

NODE_MODULES = ROOT / "node_modules"

SEEDS = {
    "relations": (CASES / "relations" / "manifest.yaml", """
        INSERT INTO users (id, handle, invited_by_id) VALUES (1, 'ann', NULL), (2, 'bob', 1), (3, 'cy', 1);
        INSERT INTO posts (id, author_id, editor_id, title) VALUES (10, 1, 2, 'Hello'), (11, 2, NULL, 'Second');
        INSERT INTO comments (id, post_id, parent_id, author_handle, body) VALUES
          (100, 10, NULL, 'bob', 'first'), (101, 10, 100, 'ann', 'reply'), (102, 11, NULL, 'cy', 'other');
        INSERT INTO post_revisions (post_id, revision, title) VALUES (10, 1, 'Hello v1'), (10, 2, 'Hello');
        INSERT INTO revision_notes (id, post_id, revision, note) VALUES (1000, 10, 2, 'typo');
    """, [
        ["users", {"invitedBy": True, "usersAsInvitedBy": True, "postsAsAuthor": True, "postsAsEditor": True,
                   "comments": True}],
        ["posts", {"author": True, "editor": True,
                   "comments": {"with": {"parent": True, "commentsAsParent": True, "author": True}},
                   "postRevisions": {"with": {"revisionNotes": {"with": {"postRevision": True}}}}}],
    ]),
    "memories": (ROOT / "manifests" / "memories.yaml", """
        INSERT INTO capsules (id, owner_principal, title) VALUES
          ('00000000-0000-4000-8000-000000000001', 'p1', 'Trip'), ('00000000-0000-4000-8000-000000000002', 'p2', 'Empty');
        INSERT INTO memories (id, capsule_id, kind, title) VALUES
          ('00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-000000000001', 'note', 'Day 1'),
          ('00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-000000000001', 'image', 'Beach');
        INSERT INTO capsule_members (capsule_id, principal, role) VALUES
          ('00000000-0000-4000-8000-000000000001', 'p2', 'editor');
    """, [
        ["capsules", {"memories": True, "capsuleMembers": True}],
        ["memories", {"capsule": True}],
        ["capsuleMembers", {"capsule": {"with": {"memories": True}}}],
    ]),
}

DRIVER = """\
import * as fs from "node:fs";
import Database from "better-sqlite3";
import { Client } from "pg";
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import * as relationsPg from "./relations/schema.pg";
import * as relationsLite from "./relations/schema.sqlite";
import * as memoriesPg from "./memories/schema.pg";
import * as memoriesLite from "./memories/schema.sqlite";

const SCHEMAS: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
  relations: [relationsPg, relationsLite],
  memories: [memoriesPg, memoriesLite],
};

// The relational API type-checks: nested relations are typed on both engines.
export async function typedPg(db: NodePgDatabase<typeof relationsPg>): Promise<string> {
  const posts = await db.query.posts.findMany({ with: { author: true, editor: true, comments: { with: { parent: true } } } });
  const parent: number | undefined = posts[0]?.comments[0]?.parent?.id;
  return `${posts[0]?.author.handle} ${posts[0]?.editor?.handle} ${parent}`;
}
export async function typedLite(db: BetterSQLite3Database<typeof relationsLite>): Promise<string> {
  const posts = await db.query.posts.findMany({ with: { author: true, editor: true, comments: { with: { parent: true } } } });
  const parent: number | undefined = posts[0]?.comments[0]?.parent?.id;
  return `${posts[0]?.author.handle} ${posts[0]?.editor?.handle} ${parent}`;
}

type Plan = { engine: "postgres" | "sqlite"; pg?: Record<string, string | number>;
              cases: { name: string; sqlite?: string; queries: [string, unknown][] }[] };

async function main(): Promise<void> {
  const plan = JSON.parse(fs.readFileSync(process.argv[2]!, "utf8")) as Plan;
  const out: Record<string, unknown[]> = {};
  const client = plan.engine === "postgres" ? new Client(plan.pg) : undefined;
  if (client) await client.connect();
  try {
    for (const c of plan.cases) {
      const [pgSchema, liteSchema] = SCHEMAS[c.name]!;
      const db: any = client ? drizzlePg(client, { schema: pgSchema }) : drizzleSqlite(new Database(c.sqlite!), { schema: liteSchema });
      out[c.name] = [];
      for (const [table, relations] of c.queries) out[c.name]!.push(await db.query[table].findMany({ with: relations }));
    }
  } finally {
    if (client) await client.end();
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
"""

COMPILER_OPTIONS = {"strict": True, "target": "ES2022", "module": "node16", "moduleResolution": "node16",
                    "esModuleInterop": True, "skipLibCheck": True, "types": ["node"], "outDir": "out"}


def _build(work: Path) -> Path:
    (work / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (work / "package.json").write_text('{"private": true, "type": "commonjs"}\n')
    (work / "tsconfig.json").write_text(json.dumps({"compilerOptions": COMPILER_OPTIONS, "include": ["**/*.ts"],
                                                    "exclude": ["node_modules", "out"]}))
    for name, (src, _, _) in SEEDS.items():
        (work / name).mkdir()
        m = load_file(src)
        for fname in ("schema.pg.ts", "schema.sqlite.ts"):
            (work / name / fname).write_text(render.render_file(m, fname))
    (work / "driver.ts").write_text(DRIVER)
    res = subprocess.run([str(NODE_MODULES / ".bin" / "tsc"), "-p", "."], cwd=work, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return work / "out" / "driver.js"


def _run(script: Path, plan: dict, work: Path) -> dict:
    (work / f"plan_{plan['engine']}.json").write_text(json.dumps(plan))
    res = subprocess.run(["node", str(script), str(work / f"plan_{plan['engine']}.json")], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def _canon(value):
    """Rows in a stable order; instants left out (each engine's now() differs)."""
    if isinstance(value, list):
        return sorted((_canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items() if not k.endswith("At")}
    return value


def test_relational_queries_return_the_nested_rows_on_both_engines(tmp_path, pg_test_db):
    script = _build(tmp_path)
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        from tests.conftest import RESET_SQL
        conn.execute(RESET_SQL)
        for src, seed, _ in SEEDS.values():
            m = load_file(src)
            with conn.transaction():
                conn.execute(render.ddl(m, "postgres"))
                conn.execute(seed)
    cases_lite = []
    for name, (src, seed, queries) in SEEDS.items():
        path = tmp_path / f"{name}.db"
        db = sqlite3.connect(path)
        sqlite_engine.apply(db, render.ddl(load_file(src), "sqlite"))
        db.executescript(seed)
        db.commit()
        db.close()
        cases_lite.append({"name": name, "sqlite": str(path), "queries": queries})
    pg_conf = dict(kv.split("=", 1) for kv in pg_test_db.split())
    pg_conf = {"host": pg_conf["host"], "port": int(pg_conf["port"]), "user": pg_conf["user"],
               "database": pg_conf["dbname"]}
    on_pg = _run(script, {"engine": "postgres", "pg": pg_conf,
                          "cases": [{"name": c["name"], "queries": c["queries"]} for c in cases_lite]}, tmp_path)
    on_lite = _run(script, {"engine": "sqlite", "cases": cases_lite}, tmp_path)
    assert _canon(on_pg) == _canon(on_lite)

    users, posts = on_lite["relations"]
    ann = next(u for u in users if u["handle"] == "ann")
    assert ann["invitedBy"] is None
    assert sorted(u["handle"] for u in ann["usersAsInvitedBy"]) == ["bob", "cy"]
    assert [p["title"] for p in ann["postsAsAuthor"]] == ["Hello"] and ann["postsAsEditor"] == []
    assert [c["body"] for c in ann["comments"]] == ["reply"]
    hello = next(p for p in posts if p["id"] == 10)
    assert (hello["author"]["handle"], hello["editor"]["handle"]) == ("ann", "bob")
    by_id = {c["id"]: c for c in hello["comments"]}
    assert by_id[101]["parent"]["body"] == "first" and by_id[100]["parent"] is None
    assert [c["id"] for c in by_id[100]["commentsAsParent"]] == [101]
    assert by_id[100]["author"]["handle"] == "bob"
    notes = [n for r in hello["postRevisions"] for n in r["revisionNotes"]]
    assert [(n["note"], n["postRevision"]["title"]) for n in notes] == [("typo", "Hello")]
    second = next(p for p in posts if p["id"] == 11)
    assert second["editor"] is None and second["postRevisions"] == []

    capsules, memories, members = on_pg["memories"]
    trip = next(c for c in capsules if c["title"] == "Trip")
    assert sorted((m["kind"], m["title"]) for m in trip["memories"]) == [("image", "Beach"), ("note", "Day 1")]
    assert [(m["principal"], m["role"]) for m in trip["capsuleMembers"]] == [("p2", "editor")]
    assert {m["capsule"]["title"] for m in memories} == {"Trip"}
    assert [len(m["capsule"]["memories"]) for m in members] == [2]
