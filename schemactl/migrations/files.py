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
from ..manifest.rules_names import BOOKKEEPING_TABLES, VERSION_TABLE
from ..naming import quote, sql_string
from ..render.ddl import RULES, Renderer, schema_of, strings_on
from .down import down_bodies, down_path, down_text
from .layout import LOCK, missing_lock
from .plan import column_order_problems, destructive, enum_values_first, plan
from .sql import statements
from ..engines import ENGINES

SNAPSHOT = "snapshot.yaml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")

# docs/runtime-protocol.md, section 2: a migration file is its body, then this line, then the record
# statements that write its schema_version row (so any runner that executes the file records it).
RECORD_MARKER = "-- schemactl:record"
_RECORD_SPLIT = f"\n\n{RECORD_MARKER}\n"
EXPRESSION_KEY = "(expression)"      # an expression element of an index, as the runtimes read it
# Bookkeeping tables of schemactl and of the runners that may apply the chain; deep verify skips them
# (validate refuses a schema object of one of these names).
IGNORED_TABLES = tuple(BOOKKEEPING_TABLES)
VERSION_TABLE_DDL = {
    "sqlite": "CREATE TABLE IF NOT EXISTS {table} (version INTEGER PRIMARY KEY, hash TEXT NOT NULL, "
              "checksum TEXT NOT NULL, applied_at TEXT NOT NULL);",
    "postgres": "CREATE TABLE IF NOT EXISTS {table} (version integer PRIMARY KEY, hash text NOT NULL, "
                "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());",
}
RECORD_INSERT = {
    "sqlite": "INSERT INTO {table} (version, hash, checksum, applied_at) VALUES ({version}, {hash}, {checksum}, "
              "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));",
    "postgres": "INSERT INTO {table} (version, hash, checksum) VALUES ({version}, {hash}, {checksum});",
}


def split_record(text: str) -> tuple[str, str | None]:
    """(body, record block) of a migration file; a file without a record block is all body."""
    i = text.find(_RECORD_SPLIT)
    if i < 0:
        return text, None
    return text[:i + 1], text[i + len(_RECORD_SPLIT):]


def body_checksum(text: str) -> str:
    return sha256(split_record(text)[0].encode("utf-8"))


RECORD_STATEMENTS = 2     # the record block: the version table's CREATE TABLE IF NOT EXISTS, then the INSERT


def after_record(text: str, engine: str) -> int | None:
    """The line of the file where content follows its record block, or None.  The record block is
    outside the checksum, so anything there beyond the record statements (one per line) would run
    unchecked under a runner that executes the whole file (sqlite3, psql, sqlx): that file is edited.
    Blank lines are not content; a changed record statement is merely stale (``generate`` rewrites it)."""
    i = text.find(_RECORD_SPLIT)
    if i < 0:
        return None
    first = text.count("\n", 0, i) + 4           # the file's line of the record block's first line
    lines = text[i + len(_RECORD_SPLIT):].split("\n")
    filled = [k for k, line in enumerate(lines) if line.strip()]
    if len(filled) > RECORD_STATEMENTS:
        return first + filled[RECORD_STATEMENTS]
    record = "\n".join(lines[:filled[-1] + 1]) if filled else ""
    found = split_sql(record, "sqlite" if engine == "sqlite" else "postgres")
    if len(found) > RECORD_STATEMENTS:              # a second statement on a record statement's line
        return first + found[RECORD_STATEMENTS].line - 1
    return None


# What a record statement may be: the version table's CREATE TABLE IF NOT EXISTS or an INSERT into it (any
# schema's); anything else there (an INSERT swapped for a DROP) runs under a runner that executes the file.
_RECORDING = re.compile(r'\s*(?:CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS|INSERT\s+(?:OR\s+IGNORE\s+)?INTO)\s+'
                        r'(?:(?:"(?:[^"]|"")+"|[\w$]+)\s*\.\s*)?"?schema_version"?[\s(]', re.I)


def foreign_record(text: str, engine: str) -> int | None:
    """The line of a record statement that does not record the migration (one that is not the version table's
    CREATE TABLE IF NOT EXISTS or an INSERT into it), or None."""
    i = text.find(_RECORD_SPLIT)
    if i < 0:
        return None
    first = text.count("\n", 0, i) + 4           # the file's line of the record block's first line
    for stmt in split_sql(text[i + len(_RECORD_SPLIT):], "sqlite" if engine == "sqlite" else "postgres"):
        if not _RECORDING.match(stmt.text):
            return first + stmt.line - 1
    return None


def record_problem(text: str, engine: str) -> tuple[int, str] | None:
    """(line, what) of what a runner executing the whole file would run beyond the checksum, or None."""
    line = after_record(text, engine)
    if line is not None:
        return line, after_record_problem(line)
    line = foreign_record(text, engine)
    if line is not None:
        return line, (f"applied migration was edited: line {line} of its record block does not record the "
                      "migration (a runner that executes the whole file would run it)")
    return None


def after_record_problem(line: int) -> str:
    """What `check`, `migrate apply` and `migrate status` say about content at ``line``, after the record block."""
    return (f"applied migration was edited: line {line} comes after its record block, outside the checksum "
            "(a runner that executes the whole file would run it)")


def version_table(schema: str | None) -> str:
    return f"{quote(schema)}.{VERSION_TABLE}" if schema else VERSION_TABLE


def record_statements(engine: str, schema: str | None, version: int, digest: str, checksum: str) -> list[str]:
    table = version_table(schema)
    return [VERSION_TABLE_DDL[engine].format(table=table),
            RECORD_INSERT[engine].format(table=table, version=int(version), hash=sql_string(digest),
                                         checksum=sql_string(checksum))]


def with_record(body: str, engine: str, schema: str | None, version: int, digest: str) -> str:
    """The full migration file: ``body`` and the statements that record it."""
    record = "\n".join(record_statements(engine, schema, version, digest, sha256(body.encode("utf-8"))))
    return f"{body}\n{RECORD_MARKER}\n{record}\n"


def lock_key(schema_name: str) -> str:
    """PostgreSQL advisory lock key of a schema's migrations (a signed 64-bit integer, as text)."""
    digest = hashlib.sha256(f"schemactl:{schema_name}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big", signed=True))


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
        data = json.loads((d / LOCK).read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        problem = missing_lock(d)
        if problem:
            raise SchemactlError(problem) from None
        return None
    except (OSError, ValueError) as exc:
        raise SchemactlError(f"{d / LOCK}: cannot read: {exc}; restore it with `git checkout -- {d / LOCK}`") from None
    problem = _lock_problem(data)
    if problem:
        raise SchemactlError(f"{d / LOCK}: {problem}; restore it with `git checkout -- {d / LOCK}`")
    return data


_HEX = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[0-9]{4}_[a-z0-9][a-z0-9_]*$")


def _lock_problem(data) -> str | None:
    """What makes a lock.json unusable (None when it is sound)."""
    if not isinstance(data, dict) or not isinstance(data.get("migrations"), list):
        return "not a migration lock (an object with a migrations list)"
    for i, entry in enumerate(data["migrations"], 1):
        where = f"migration {i}"
        if not isinstance(entry, dict):
            return f"{where} is not an object"
        if entry.get("version") != i or isinstance(entry.get("version"), bool):
            return f"{where} has version {json.dumps(entry.get('version'))}; versions count 1, 2, 3, …"
        if not isinstance(entry.get("name"), str) or not _NAME.match(entry["name"]) or \
                not entry["name"].startswith(f"{i:04d}_"):
            return f"{where} has name {json.dumps(entry.get('name'))}, not {i:04d}_<name>"
        if not isinstance(entry.get("schema_hash"), str) or not entry["schema_hash"].startswith("sha256:"):
            return f"{where} ({entry['name']}) has no schema_hash"
        for key in ("checksums", "down"):
            sums = entry.get(key)
            if key == "down" and sums is None:
                continue
            for engine in ENGINES:
                if not isinstance(sums, dict) or not isinstance(sums.get(engine), str) or not _HEX.match(sums[engine]):
                    what = "checksum" if key == "checksums" else "down-migration checksum"
                    return f"{where} ({entry['name']}) has no sha256 {what} for {engine}"
    return None


def _snapshot(d: Path, lock: dict, features: frozenset) -> tuple[Manifest | None, str | None]:
    """(the manifest as of the last migration, None) or (None, what is wrong with snapshot.yaml)."""
    from ..errors import ManifestInvalid
    try:
        text = (d / SNAPSHOT).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None, "snapshot is missing"
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read the snapshot: {getattr(exc, 'strerror', None) or exc}"
    try:
        snapshot = load_text(text, str(d / SNAPSHOT), frozenset(features), released=True)
    except ManifestInvalid as exc:
        first = exc.diagnostics[0]
        return None, f"the snapshot is not a valid manifest (line {first.line}: {first.message})"
    if lock["migrations"] and schema_hash(snapshot) != lock["migrations"][-1]["schema_hash"]:
        return None, f"the snapshot's schema is not the one lock.json records for {lock['migrations'][-1]['name']}"
    return snapshot, None


def read_snapshot(d: Path, lock: dict, features: frozenset = frozenset()) -> Manifest:
    """The manifest as of the last migration; it must be the schema lock.json records for it."""
    snapshot, problem = _snapshot(d, lock, features)
    if problem:
        raise SchemactlError(f"{d / SNAPSHOT}: {problem}; restore it with `git checkout -- {d / SNAPSHOT}`")
    return snapshot


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
        ops = []
        steps = [(slug, digest, {e: [b for b in Renderer(manifest, e).blocks()] for e in ENGINES},
                  (None, "the first migration creates the schema; undoing it would drop everything"))]
        lock = {"format": 1, "schema": manifest.name, "migrations": []}
    else:
        old = read_snapshot(d, lock, manifest.features)     # a damaged chain is named even with nothing to do
        if lock["migrations"] and lock["migrations"][-1]["schema_hash"] == digest:
            raise NothingToDo(f"{manifest.name}: the manifest matches the last migration; nothing to do")
        if old.pg_schema != manifest.pg_schema:   # the tables and the version table would be elsewhere
            shown = {None: "the default (search_path)"}
            keep = f"keep postgres: {{schema: {old.pg_schema}}}" if old.pg_schema else "leave postgres: schema out"
            raise SchemactlError(f"{manifest.name}: postgres: schema {shown.get(old.pg_schema, old.pg_schema)} -> "
                                 f"{shown.get(manifest.pg_schema, manifest.pg_schema)} moves the chain's tables and "
                                 "its schema_version table to another PostgreSQL schema, which no migration does "
                                 "(the runtimes would read an empty version table there and start the chain "
                                 f"again); {keep}, as the chain's databases hold it")
        refuse_column_order(d, lock, old, manifest)
        ops = plan(old, manifest)
        bad = destructive(ops)
        if bad and not allow_destructive:
            listed = "\n  ".join(op.describe() for op in bad)
            raise SchemactlError(f"refusing destructive operations (pass --allow-destructive to accept):\n  {listed}")
        # Values added to an enum are committed in a migration of their own before anything uses them
        # (PostgreSQL refuses a value added in the same transaction): two migrations for one change.
        mid = enum_values_first(old, manifest, ops)
        pairs = [(old, manifest, slug, digest)] if mid is None else \
            [(old, mid, f"{slug}_enum_values", schema_hash(mid)), (mid, manifest, slug, digest)]
        steps = []
        for before, after, step_slug, step_digest in pairs:
            step_ops = plan(before, after)
            try:
                steps.append((step_slug, step_digest, {e: statements(step_ops, before, after, e) for e in ENGINES},
                              down_bodies(before, after, step_ops)))
            except ValueError as exc:
                raise SchemactlError(str(exc)) from None
        if mid is not None:
            ops = plan(old, mid) + plan(mid, manifest)
    files: dict[Path, str] = {}
    entries = list(lock["migrations"])
    for step_slug, step_digest, bodies, (down, no_down) in steps:
        version = len(entries) + 1
        name = f"{version:04d}_{step_slug}"
        entry = {"version": version, "name": name, "schema_hash": step_digest, "checksums": {}}
        if down is None:
            entry["down_reason"] = no_down
        else:
            entry["down"] = {}
            for engine in ENGINES:
                text = down_text(name, manifest.name, engine, version - 1, down[engine])
                files[down_path(d, engine, name)] = text
                entry["down"][engine] = sha256(text.encode("utf-8"))
        for engine in ENGINES:
            header = (f"-- schemactl migration {name} of schema \"{manifest.name}\" ({engine}).\n"
                      f"-- Schema hash after this migration: {step_digest}\n"
                      "-- Applied by schemactl.runtime in one transaction. Never edit an applied migration.\n")
            body = header + "\n" + "\n\n".join(strings_on(engine, bodies[engine])) + "\n"
            files[d / engine / f"{name}.sql"] = with_record(body, engine, schema_of(manifest, engine), version,
                                                            step_digest)
            entry["checksums"][engine] = sha256(body.encode())
        entries.append(entry)
    lock = dict(lock, migrations=entries)
    lock["chain"] = {e: chain_hash([m["checksums"][e] for m in lock["migrations"]]) for e in ENGINES}
    files[d / LOCK] = _dump(lock)
    files[d / SNAPSHOT] = manifest_text
    files.update(bundle_files(out_dir, manifest, lock, extra=files))
    return Planned(version, name, ops, files)


def column_order_diagnostics(d: Path, lock: dict, old: Manifest, manifest: Manifest) -> list:
    """A Diagnostic at each column of ``manifest`` that makes a table's column order one no migration from
    ``old`` (the snapshot of chain directory ``d``) builds, as the chain's migrations built the tables
    (plan.column_order_problems), naming the way."""
    from ..errors import Diagnostic
    from .built import chain_column_orders
    held = chain_column_orders(d, lock)
    return [Diagnostic(manifest.source or manifest.name, *manifest.position(p.column.path, key=True), p.message(),
                       path=tuple(p.column.path)) for p in column_order_problems(old, manifest, held)]


def refuse_column_order(d: Path, lock: dict, old: Manifest, manifest: Manifest) -> None:
    """Refuse (exit 2, at the column) a change whose column order the chain cannot build: the migration would
    pass, and every database it built would differ from the manifest (deep verify, diff's SC207)."""
    from ..errors import ManifestInvalid
    found = column_order_diagnostics(d, lock, old, manifest)
    if found:
        raise ManifestInvalid(found)


# ---------------------------------------------------------------- bundle

def runtime_key(key) -> str:
    """An index key as the runtimes compare it: the column, or "(expression)" for any expression."""
    return key if isinstance(key, str) else EXPRESSION_KEY


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
            "indexes": {i.name: [[runtime_key(c), d] for c, d in i.columns] + [["unique", i.unique]]
                        for i in t.indexes},
        }
        if RULES[engine].table_options:   # SQLite: STRICT, WITHOUT ROWID ([] for an ordinary table)
            tables[t.name]["options"] = list(t.options)
    return {"tables": tables, "schema": schema_of(m, engine)}


def bundle_data(out_dir: Path, manifest: Manifest, lock: dict, extra: dict | None = None) -> dict:
    engines = {}
    for engine in ENGINES:
        schema = schema_of(manifest, engine)
        migrations = []
        for entry, body in chain_bodies(out_dir, lock, engine, extra):
            migrations.append({"version": entry["version"], "name": entry["name"], "hash": entry["schema_hash"],
                               "checksum": entry["checksums"][engine], "statements": SPLITTERS[engine](body),
                               "record": record_statements(engine, schema, entry["version"], entry["schema_hash"],
                                                           entry["checksums"][engine])})
        engines[engine] = {"migrations": migrations, "catalog": runtime_catalog(manifest, engine),
                           "version_table": version_table(schema)}
    from ..render import pragma_sql
    from ..render.runtimes import deep_facts
    deep_facts(engines, manifest)      # defaults, CHECKs, identity, enum values and views for deep verify
    engines["sqlite"]["settings"] = [pragma_sql(k, v) for k, v in manifest.pragmas]
    engines["postgres"]["lock_key"] = lock_key(manifest.name)
    return {"format": 1, "schema": manifest.name, "version": len(lock["migrations"]),
            "hash": lock["migrations"][-1]["schema_hash"] if lock["migrations"] else None, "engines": engines,
            "ignored_tables": list(IGNORED_TABLES)}


def _shown(path: Path) -> str:
    """A chain file as a message names it: from the current directory where it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def chain_bodies(out_dir: Path, lock: dict, engine: str, extra: dict | None = None):
    """(lock entry, body text) of every migration of ``engine``, in order."""
    d = chain_dir(out_dir)
    for entry in lock["migrations"]:
        path = d / engine / f"{entry['name']}.sql"
        text = (extra or {}).get(path)
        if text is None:
            try:
                text = path.read_bytes().decode("utf-8")
            except FileNotFoundError:
                raise SchemactlError(f"{_shown(path)} is listed in {_shown(d / LOCK)} but missing; restore it "
                                     "from version control") from None
        body = split_record(text)[0]
        if sha256(body.encode("utf-8")) != entry["checksums"][engine]:   # never embed or apply an edited body
            raise SchemactlError(f"{_shown(path)}: applied migration was edited (checksum differs from {LOCK}); "
                                 f"restore it with `git checkout -- {_shown(path)}` and put the change in a new "
                                 "migration")
        problem = record_problem(text, engine)
        if problem is not None:      # nor a file that runs more than its checksum covers
            raise SchemactlError(f"{_shown(path)}:{problem[0]}: {problem[1]}; restore it with "
                                 f"`git checkout -- {_shown(path)}` and put the change in a new migration")
        yield entry, body


def record_files(out_dir: Path, manifest: Manifest, lock: dict) -> dict:
    """Every migration file with its record block as it must be (``generate`` rewrites stale ones)."""
    d = chain_dir(out_dir)
    files = {}
    for engine in ENGINES:
        for entry, body in chain_bodies(out_dir, lock, engine):
            files[d / engine / f"{entry['name']}.sql"] = with_record(body, engine, schema_of(manifest, engine),
                                                                     entry["version"], entry["schema_hash"])
    return files


def bundle_files(out_dir: Path, manifest: Manifest, lock: dict | None = None, extra: dict | None = None) -> dict:
    lock = lock if lock is not None else read_lock(chain_dir(out_dir))
    if lock is None:
        return {}
    data = bundle_data(out_dir, manifest, lock, extra)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    note = f"Embedded migrations of schema \"{manifest.name}\"; generated by schemactl, do not edit."
    files = {} if extra else record_files(out_dir, manifest, lock)
    from ..render.runtimes import runtime_files
    files |= runtime_files(out_dir, data) | drizzle_files(out_dir, data)
    return files | {
        out_dir / "bundle.json": text + "\n",
        out_dir / "bundle.py": f'"""{note}"""\n\nimport json\n\nBUNDLE = json.loads({json.dumps(text)})\n',
        out_dir / "bundle.ts": f"// {note}\n\nexport const BUNDLE = {text} as const;\n",
    }


# drizzle-orm's migrate(db, { migrationsFolder }) reads meta/_journal.json and <tag>.sql, cut at this line.
DRIZZLE_BREAKPOINT = "\n--> statement-breakpoint\n"
DRIZZLE_DIALECT = {"postgres": "postgresql", "sqlite": "sqlite"}


# The chain file's own header, which SQLite's first statement carries (its comments stay with it): drizzle-orm's
# migrator applies the folder's copy, which has a header of its own
_CHAIN_HEADER = re.compile(r"\A(?:-- schemactl migration .*\n-- Schema hash after this migration: .*\n"
                           r"-- Applied by schemactl\.runtime .*\n)\n*")


def drizzle_files(out_dir: Path, data: dict) -> dict[Path, str]:
    """generated/<schema>/drizzle/{postgres,sqlite}/: the chain as folders drizzle-orm's migrator applies.
    ``when`` is the version number, so the journal is the same on every machine and orders as the chain."""
    files = {}
    for engine in ENGINES:
        folder = out_dir / "drizzle" / engine
        entries = []
        for i, m in enumerate(data["engines"][engine]["migrations"]):
            head = (f"-- schemactl migration {m['name']} of schema \"{data['schema']}\" ({engine}), for "
                    "drizzle-orm's migrator; generated, do not edit.\n")
            statements = [_CHAIN_HEADER.sub("", x, count=1) if i == 0 else x for i, x in enumerate(m["statements"])]
            files[folder / f"{m['name']}.sql"] = head + DRIZZLE_BREAKPOINT.join(statements + m["record"]) + "\n"
            entries.append({"idx": i, "version": "7", "when": m["version"], "tag": m["name"], "breakpoints": True})
        journal = {"version": "7", "dialect": DRIZZLE_DIALECT[engine], "entries": entries}
        files[folder / "meta" / "_journal.json"] = json.dumps(journal, indent=2) + "\n"
    return files


# ---------------------------------------------------------------- drift

def chain_problems(out_dir: Path, manifest: Manifest, display) -> list[tuple]:
    """(path, problem, fix) for edited, missing or unlisted migrations and an unmigrated manifest; (path,
    problem, fix, line, col) for a manifest whose column order no migration builds."""
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
                text = path.read_bytes().decode("utf-8", "replace")
            except FileNotFoundError:
                found.append((display(path), "migration is missing", "git checkout -- " + display(path)))
                continue
            if body_checksum(text) != entry["checksums"][engine]:
                found.append((display(path), "applied migration was edited (checksum differs from lock.json)",
                              "git checkout -- " + display(path)))
            elif (problem := record_problem(text, engine)) is not None:
                found.append((f"{display(path)}:{problem[0]}", problem[1], "git checkout -- " + display(path)))
            if entry.get("down"):
                back = down_path(d, engine, entry["name"])
                try:
                    if sha256(back.read_bytes()) != entry["down"][engine]:
                        found.append((display(back), "down migration was edited (checksum differs from lock.json)",
                                       "git checkout -- " + display(back)))
                except FileNotFoundError:
                    found.append((display(back), "down migration is missing", "git checkout -- " + display(back)))
    for engine in ENGINES:
        for path in sorted((d / engine).glob("*.sql")):
            if path not in listed:
                found.append((display(path), "migration is not in lock.json", "schemactl migrate new"))
    snapshot = None
    if lock["migrations"]:
        snapshot, problem = _snapshot(d, lock, manifest.features)
        if problem:
            found.append((display(d / SNAPSHOT), problem, "git checkout -- " + display(d / SNAPSHOT)))
    # a column order no migration builds (the manifest's change, or a chain an earlier schemactl wrote that
    # appended a column the manifest puts earlier): the manifest's order is what to change, then a migration
    unbuildable = column_order_diagnostics(d, lock, snapshot, manifest) if snapshot is not None else []
    for diag in unbuildable:
        found.append((diag.file, diag.message, f"schemactl migrate new {diag.file} --name SLUG", diag.line, diag.col))
    if lock["migrations"] and lock["migrations"][-1]["schema_hash"] != schema_hash(manifest) and not unbuildable:
        found.append((manifest.source or manifest.name, "manifest changed without a new migration",
                      f"schemactl migrate new {manifest.source or 'MANIFEST'} --name SLUG"))
    return found
