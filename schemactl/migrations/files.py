"""The migration chain on disk and the embedded bundle built from it.

    generated/<schema>/migrations/postgres/NNNN_slug.sql
    generated/<schema>/migrations/sqlite/NNNN_slug.sql
    generated/<schema>/migrations/lock.json      sha256 of every file, per-engine chain hash
    generated/<schema>/migrations/snapshot.yaml  the manifest as of the last migration
    generated/<schema>/bundle.{json,py,ts}       ordered statements, checksums, target hash, expected catalog
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..engines.sqlite import split
from ..sqlsplit import split_sql

# How each engine's migration files are cut into statements for the bundle.
SPLITTERS = {"sqlite": split, "postgres": lambda text: [s.text for s in split_sql(text)]}
from ..errors import SchemactlError
from ..expect import expect
from ..manifest.hashing import schema_hash
from ..manifest.load import load_text
from ..manifest.model import Manifest
from ..render.ddl import Renderer, schema_of
from .plan import destructive, plan
from .sql import statements

ENGINES = ("postgres", "sqlite")
LOCK, SNAPSHOT = "lock.json", "snapshot.yaml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def chain_dir(out_dir: Path) -> Path:
    return out_dir / "migrations"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chain_hash(checksums: list[str]) -> str:
    h = ""
    for c in checksums:
        h = sha256((h + c).encode())
    return h


def read_lock(d: Path) -> dict | None:
    try:
        return json.loads((d / LOCK).read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as exc:
        raise SchemactlError(f"{d / LOCK}: cannot read: {exc}") from None


def _dump(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class NothingToDo(SchemactlError):
    exit_code = 0


@dataclass(frozen=True)
class Planned:
    version: int
    name: str
    ops: list
    files: dict          # Path -> content


def plan_next(out_dir: Path, manifest: Manifest, manifest_text: str, slug: str,
              allow_destructive: bool = False) -> Planned:
    """The next migration for ``manifest`` and every file it writes (nothing is written here)."""
    if not _SLUG.match(slug):
        raise SchemactlError(f'migration name "{slug}": use lower-case letters, digits and _ (e.g. add_tags)')
    d = chain_dir(out_dir)
    lock = read_lock(d)
    digest = schema_hash(manifest)
    if lock is None:
        version, ops = 1, []
        bodies = {e: [b for b in Renderer(manifest, e).blocks()] for e in ENGINES}
        lock = {"format": 1, "schema": manifest.name, "migrations": []}
    else:
        if lock["migrations"] and lock["migrations"][-1]["schema_hash"] == digest:
            raise NothingToDo(f"{manifest.name}: the manifest matches the last migration; nothing to do")
        old = load_text((d / SNAPSHOT).read_text("utf-8"), str(d / SNAPSHOT), frozenset(manifest.features))
        ops = plan(old, manifest)
        bad = destructive(ops)
        if bad and not allow_destructive:
            listed = "\n  ".join(op.describe() for op in bad)
            raise SchemactlError(f"refusing destructive operations (pass --allow-destructive to accept):\n  {listed}")
        version = len(lock["migrations"]) + 1
        try:
            bodies = {e: statements(ops, old, manifest, e) for e in ENGINES}
        except ValueError as exc:
            raise SchemactlError(str(exc)) from None
    name = f"{version:04d}_{slug}"
    files: dict[Path, str] = {}
    entry = {"version": version, "name": name, "schema_hash": digest, "checksums": {}}
    for engine in ENGINES:
        header = (f"-- schemactl migration {name} of schema \"{manifest.name}\" ({engine}).\n"
                  f"-- Schema hash after this migration: {digest}\n"
                  "-- Applied by schemactl.runtime in one transaction. Never edit an applied migration.\n")
        content = header + "\n" + "\n\n".join(bodies[engine]) + "\n"
        files[d / engine / f"{name}.sql"] = content
        entry["checksums"][engine] = sha256(content.encode())
    lock = dict(lock, migrations=lock["migrations"] + [entry])
    lock["chain"] = {e: chain_hash([m["checksums"][e] for m in lock["migrations"]]) for e in ENGINES}
    files[d / LOCK] = _dump(lock)
    files[d / SNAPSHOT] = manifest_text
    files.update(bundle_files(out_dir, manifest, lock, extra=files))
    return Planned(version, name, ops, files)


# ---------------------------------------------------------------- bundle

def runtime_catalog(m: Manifest, engine: str) -> dict:
    """The subset of the expected catalog that schemactl.runtime compares (no expressions)."""
    cat = expect(m, engine)
    tables = {}
    for t in cat.tables:
        tables[t.name] = {
            "columns": [[c.name, c.type, c.nullable] for c in t.columns],
            "primary_key": list(t.primary_key.columns) if t.primary_key else [],
            "uniques": sorted([list(u.columns) for u in t.uniques]),
            "foreign_keys": sorted([[list(f.columns), f.ref_table, list(f.ref_columns), f.on_delete, f.on_update]
                                    for f in t.foreign_keys]),
            "indexes": {i.name: [[c, d] for c, d in i.columns] + [["unique", i.unique]] for i in t.indexes},
        }
    return {"tables": tables, "schema": schema_of(m, engine)}


def bundle_data(out_dir: Path, manifest: Manifest, lock: dict, extra: dict | None = None) -> dict:
    d = chain_dir(out_dir)
    engines = {}
    for engine in ENGINES:
        migrations = []
        for entry in lock["migrations"]:
            path = d / engine / f"{entry['name']}.sql"
            text = (extra or {}).get(path)
            if text is None:
                try:
                    text = path.read_text("utf-8")
                except FileNotFoundError:
                    raise SchemactlError(f"{path} is listed in {d / LOCK} but missing; restore it from version "
                                         "control") from None
            migrations.append({"version": entry["version"], "name": entry["name"], "hash": entry["schema_hash"],
                               "checksum": entry["checksums"][engine], "statements": SPLITTERS[engine](text)})
        engines[engine] = {"migrations": migrations, "catalog": runtime_catalog(manifest, engine)}
    from ..render import pragma_sql
    engines["sqlite"]["settings"] = [pragma_sql(k, v) for k, v in manifest.pragmas]
    return {"format": 1, "schema": manifest.name, "version": len(lock["migrations"]),
            "hash": lock["migrations"][-1]["schema_hash"] if lock["migrations"] else None, "engines": engines}


def bundle_files(out_dir: Path, manifest: Manifest, lock: dict | None = None, extra: dict | None = None) -> dict:
    lock = lock if lock is not None else read_lock(chain_dir(out_dir))
    if lock is None:
        return {}
    data = bundle_data(out_dir, manifest, lock, extra)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    note = f"Embedded migrations of schema \"{manifest.name}\"; generated by schemactl, do not edit."
    return {
        out_dir / "bundle.json": text + "\n",
        out_dir / "bundle.py": f'"""{note}"""\n\nimport json\n\nBUNDLE = json.loads({json.dumps(text)})\n',
        out_dir / "bundle.ts": f"// {note}\n\nexport const BUNDLE = {text} as const;\n",
    }


# ---------------------------------------------------------------- drift

def chain_problems(out_dir: Path, manifest: Manifest, display) -> list[tuple[str, str, str]]:
    """(path, problem, fix) for edited, missing or unlisted migrations and an unmigrated manifest."""
    d = chain_dir(out_dir)
    lock = read_lock(d)
    if lock is None:
        return []
    found = []
    listed = set()
    for entry in lock["migrations"]:
        for engine in ENGINES:
            path = d / engine / f"{entry['name']}.sql"
            listed.add(path)
            try:
                actual = sha256(path.read_bytes())
            except FileNotFoundError:
                found.append((display(path), "migration is missing", "git checkout -- " + display(path)))
                continue
            if actual != entry["checksums"][engine]:
                found.append((display(path), "applied migration was edited (checksum differs from lock.json)",
                              "git checkout -- " + display(path)))
    for engine in ENGINES:
        for path in sorted((d / engine).glob("*.sql")):
            if path not in listed:
                found.append((display(path), "migration is not in lock.json", "schemactl migrate new"))
    if lock["migrations"] and lock["migrations"][-1]["schema_hash"] != schema_hash(manifest):
        found.append((manifest.source or manifest.name, "manifest changed without a new migration",
                      f"schemactl migrate new {manifest.source or 'MANIFEST'} --name SLUG"))
    return found
