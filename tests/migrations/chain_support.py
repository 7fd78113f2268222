"""Helpers for migration tests: a manifest chain in a temporary project directory."""

from __future__ import annotations

from pathlib import Path

from schemactl.manifest.load import load_text
from schemactl.migrations.files import bundle_data, chain_dir, plan_next, read_lock
from schemactl.output import atomic_write_all

BASE = """\
format: 1
name: chain
version: 1
enums: {status: [new, done]}
tables:
  owners:
    columns:
      id: {type: integer, primary_key: true}
      name: {type: text, nullable: false}
  items:
    columns:
      id: {type: integer, primary_key: true}
      owner_id: {type: integer, references: {table: owners, column: id, on_delete: cascade}}
      title: {type: varchar(50), nullable: false}
      qty: {type: integer, default: 0}
      note: text
      status: {type: status, nullable: false, default: new}
    indexes:
      - {name: items_title_idx, columns: [title]}
    checks:
      - {name: items_qty_check, expr: "qty >= 0"}
  extra:
    columns:
      id: {type: integer, primary_key: true}
"""

SEED_ROWS = [
    "INSERT INTO owners (id, name) VALUES (1, 'ann'), (2, 'bob')",
    "INSERT INTO items (id, owner_id, title, qty, note) VALUES (1, 1, 'one', 1, 'n1'), (2, 1, 'two', 2, 'n2'), "
    "(3, 2, 'three', 3, 'n3')",
    "INSERT INTO extra (id) VALUES (7)",
]


class Chain:
    def __init__(self, root: Path):
        self.root = root
        self.out = root / "generated" / "chain"

    def release(self, text: str, slug: str, allow_destructive: bool = True):
        m = load_text(text, "manifest.yaml")
        planned = plan_next(self.out, m, text, slug, allow_destructive)
        atomic_write_all(planned.files)
        return m, planned

    def bundle(self, m) -> dict:
        return bundle_data(self.out, m, read_lock(chain_dir(self.out)))


def run_ok(cwd: Path, *steps: tuple) -> None:
    """Run each command of the CLI in ``cwd``; each must succeed."""
    from tests.conftest import cli
    for args in steps:
        result = cli(*args, cwd=cwd)
        assert result.exit_code == 0, (args, result.output)


def new_project(root: Path, text: str = BASE) -> Path:
    """A project holding ``text`` as manifests/m.yaml, hashed, with its first migration (init) generated."""
    (root / "manifests").mkdir()
    (root / "manifests" / "m.yaml").write_text(text)
    run_ok(root, ("hash", "--write", "manifests/m.yaml"), ("migrate", "new", "manifests/m.yaml", "--name", "init"),
           ("generate",))
    return root


def tree_bytes(root: Path) -> dict:
    """Every file below ``root`` with its bytes (to prove a command wrote nothing)."""
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def scored_base(before: str) -> str:
    """BASE with an items.score column of type ``before`` (a retyping's starting point)."""
    return BASE.replace("      note: text\n", f"      note: text\n      score: {{type: {before}}}\n")


def scored_rows(engine, before, values, tmp_path, request):
    """(connection, Chain): scored_base(before) released and migrated on ``engine``, SEED_ROWS and a fourth
    item inserted, and ``values`` written as the scores of items 1, 2, ..."""
    import sqlite3
    from schemactl.runtime import migrate
    conn = sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")
    chain = Chain(tmp_path)
    m1, _ = chain.release(scored_base(before), "init")
    migrate(conn, chain.bundle(m1))
    for stmt in SEED_ROWS:
        conn.execute(stmt)
    conn.execute("INSERT INTO items (id, owner_id, title) VALUES (4, 2, 'four')")
    for i, v in enumerate(values, 1):
        conn.execute(f"UPDATE items SET score = {v} WHERE id = {i}")
    conn.commit()
    return conn, chain


def misordered_chain(root: Path, manifest: str, end: str, column: str, before: str) -> None:
    """The chain an earlier schemactl wrote for a column added between existing ones (it warned and wrote it):
    ``column`` (a manifest line) is added before the text ``end`` (what follows the table's columns) by the chain's newest
    migration, whose databases therefore hold it last, while the manifest, its snapshot and lock.json say it
    comes before the line ``before``.  `generate` then brings the rest up to date, as it did."""
    import json

    from schemactl.manifest.hashing import schema_hash
    from schemactl.manifest.load import load_file
    from schemactl.migrations.files import body_checksum, chain_hash
    from tests.conftest import cli
    path = root / manifest
    text = path.read_text()
    assert end in text and before in text
    path.write_text(text.replace(end, column + end, 1))
    run_ok(root, ("generate", "--migration", "add_column"))
    appended = schema_hash(load_file(path))
    text = path.read_text().replace(column, "", 1).replace(before, column + before, 1)
    path.write_text(text)
    assert cli("hash", "--write", manifest, cwd=root).exit_code == 0
    moved = schema_hash(load_file(path))
    out = chain_dir(root / "generated" / load_file(path).name)
    lock = json.loads((out / "lock.json").read_text())
    entry = lock["migrations"][-1]
    assert entry["schema_hash"] == appended
    entry["schema_hash"] = moved
    for engine in ("postgres", "sqlite"):
        sql = out / engine / f"{entry['name']}.sql"
        sql.write_text(sql.read_text().replace(appended, moved))
        entry["checksums"][engine] = body_checksum(sql.read_text())
        lock["chain"][engine] = chain_hash([m["checksums"][engine] for m in lock["migrations"]])
    (out / "lock.json").write_text(json.dumps(lock, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    (out / "snapshot.yaml").write_text(path.read_text())
    run_ok(root, ("generate",))
