"""drizzle: blocks written by hand render to TypeScript that tsc --strict accepts: strings of the manifest
(creator prefixes, enum values, keys, type spellings) reach the files JSON-encoded, never as code; a
column's own PostgreSQL type is its pg-core builder or a customType of it (never text); the blocks leave
the schema hash and the DDL alone."""

from __future__ import annotations

import json
import subprocess

from schemactl import render
from schemactl.manifest.hashing import schema_hash
from schemactl.manifest.load import load_text
from tests.conftest import ROOT

HOSTILE = 'a"b`${c}*/\\n'

MANIFEST = f"""\
format: 1
name: keep
version: 1
drizzle:
  core: postgres
  creators:
    make: {{prefix: {json.dumps(HOSTILE)}, suffix: "_x"}}
tables:
  {json.dumps(HOSTILE + "t_x")}:
    drizzle: {{export: things, creator: make}}
    columns:
      id: {{type: integer, primary_key: true, drizzle: {{key: {json.dumps("k" + HOSTILE)}}}}}
      kind:
        type: text
        nullable: false
        default: {json.dumps(HOSTILE)}
        drizzle: {{enum: [{json.dumps(HOSTILE)}, plain]}}
      emb: {{type: text, postgres_type: vector(3)}}
      ci: {{type: text, postgres_type: citext}}
      addr: {{type: text, postgres_type: inet}}
      at: {{type: timestamp, drizzle: {{mode: date}}}}
"""


def test_hand_written_blocks_render_escaped_and_compile(tmp_path):
    m = load_text(MANIFEST, "keep.yaml")
    pg = render.render_file(m, "schema.pg.ts")
    assert f"export const make = pgTableCreator((name) => {json.dumps(HOSTILE)} + name + \"_x\");" in pg
    assert 'export const things = make(\n  "t",' in pg
    assert f"{json.dumps('k' + HOSTILE)}: integer(\"id\").primaryKey()," in pg
    assert f'text("kind", {{ enum: [{json.dumps(HOSTILE)}, "plain"] }}).notNull().default({json.dumps(HOSTILE)})' in pg
    assert 'emb: vector("emb", { dimensions: 3 }),' in pg and 'addr: inet("addr"),' in pg
    assert 'const pgCitext = customType<{ data: string; driverData: string }>({ dataType: () => "citext" });' in pg
    assert 'ci: pgCitext("ci"),' in pg and 'timestamp("at", { mode: "date" })' in pg
    lite = render.render_file(m, "schema.sqlite.ts")
    assert "export const things = sqliteTable(" in lite and "make" not in lite   # creators: the team's file only
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "strict": True, "noEmit": True, "skipLibCheck": True, "target": "ES2022", "module": "ESNext",
        "moduleResolution": "Bundler", "types": ["node"]}, "include": ["*.ts"]}))
    for name in ("schema.pg.ts", "schema.sqlite.ts", "types.ts"):
        (tmp_path / name).write_text(render.render_file(m, name))
    (tmp_path / "use.ts").write_text(
        'import * as pg from "./schema.pg";\n'
        'export const kind: typeof pg.things.$inferSelect["kind"] = "plain";\n'
        'export const at: typeof pg.things.$inferSelect["at"] = new Date();\n')
    res = subprocess.run([str(ROOT / "node_modules" / ".bin" / "tsc"), "-p", "."], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr


def test_blocks_change_neither_hash_nor_ddl():
    import yaml
    m = load_text(MANIFEST, "keep.yaml")
    doc = yaml.safe_load(MANIFEST)
    doc.pop("drizzle")
    for t in doc["tables"].values():
        t.pop("drizzle")
        for c in t["columns"].values():
            c.pop("drizzle", None)
    bare = load_text(yaml.safe_dump(doc, sort_keys=False), "keep.yaml")
    assert bare.drizzle is None and all(c.drizzle is None for t in bare.tables for c in t.columns)
    assert m.drizzle is not None and any(c.drizzle for t in m.tables for c in t.columns)
    assert schema_hash(bare) == schema_hash(m)
    for engine in ("postgres", "sqlite"):
        assert render.ddl(bare, engine) == render.ddl(m, engine)


BAD = """\
format: 1
name: bad
version: 1
tables:
  a:
    drizzle: {export: x, creator: nope, relations: [{export: aRel, with: {b: {one: b, fields: [id], references: [zz]}}}]}
    columns:
      id: {type: integer, primary_key: true, drizzle: {custom: vec}}
  b:
    columns:
      id: {type: integer, primary_key: true}
"""


def test_a_block_naming_what_is_not_declared_is_located(tmp_path):
    from tests.conftest import cli
    (tmp_path / "bad.yaml").write_text(BAD)
    res = cli("validate", "bad.yaml", cwd=tmp_path)
    assert res.exit_code == 2
    assert 'bad.yaml:6:35: error: table "a": drizzle creator "nope" is not declared' in res.output
    assert 'bad.yaml:8:64: error: table "a", column "id": drizzle custom type "vec" is not declared' in res.output
    assert 'bad.yaml:6:78: warning: table "a": relation "b": fields must be columns of "a"' in res.output   # a warning beside errors too
    (tmp_path / "warn.yaml").write_text(BAD.replace("creator: nope, ", "").replace(", drizzle: {custom: vec}", ""))
    res = cli("validate", "warn.yaml", cwd=tmp_path)   # alone, a relation that does not fit is a warning
    assert res.exit_code == 0
    assert 'warn.yaml:6:63: warning: table "a": relation "b": fields must be columns of "a"' in res.output
