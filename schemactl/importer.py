"""Adopting an existing schema: a live catalog -> a manifest a person can maintain.

Engine types map back to portable types through the one type registry
(``types.TYPES``: the same spellings that render); defaults through the
literal and function tables of ``literals``.  What maps exactly, approximately
or not at all is collected in a ``Summary`` and printed after the import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import literals
from .catalog import Catalog, CColumn, CTable
from .normalize import default_key
from .sqlsplit import Statement, split_sql
from .types import TYPES, TypeRef

# Portable types tried first when several rows share an engine spelling (e.g. SQLite TEXT).
_PREFERENCE = ["text", "integer", "double", "bytes", "boolean", "bigint", "smallint", "real", "varchar", "uuid",
               "numeric", "date", "time", "timestamp", "timestamptz", "json", "jsonb"]
# SQLite declared types that no registry row spells: (word in the type, portable candidates in order).
# Words follow the type's meaning first (DATETIME, JSON, BOOL, UUID) and SQLite's affinity rules
# (lang_datatype3.html 3.1) after; the first candidate not spelled otherwise in this import wins.
_GUESS = [("DATETIME", ["timestamp", "timestamptz"]), ("TIMESTAMP", ["timestamp", "timestamptz"]),
          ("DATE", ["date"]), ("TIME", ["time"]), ("JSON", ["json", "jsonb"]), ("BOOL", ["boolean"]),
          ("UUID", ["uuid"]), ("DEC", ["numeric"]), ("NUM", ["numeric"]),
          ("INT", ["bigint", "smallint", "integer"]), ("CHAR", ["text"]), ("CLOB", ["text"]), ("TEXT", ["text"]),
          ("BLOB", ["bytes"]), ("REAL", ["double", "real"]), ("FLOA", ["double", "real"]),
          ("DOUB", ["double", "real"]), ("", ["text"])]


@dataclass
class Summary:
    exact: list[str] = field(default_factory=list)
    approx: dict = field(default_factory=dict)      # what was chosen -> columns it applies to
    unmapped: list[str] = field(default_factory=list)

    def approximate(self, choice: str, where: str) -> None:
        self.approx.setdefault(choice, []).append(where)

    def lines(self) -> list[str]:
        out = [f"mapped exactly: {len(self.exact)} columns"]
        for choice, where in self.approx.items():
            shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
            out.append(f"mapped approximately: {choice} ({shown})")
        out += [f"not mapped: {x}" for x in self.unmapped]
        return out


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    rx = "".join(re.escape(p) if i % 2 == 0 else r"\s*(\d+)\s*" for i, p in enumerate(parts))
    return re.compile("^" + rx.replace(r"\,", r"\s*,\s*").replace(",", r"\s*,\s*") + "$", re.I)


# Type-row spellings an engine's catalog may show, most specific first.
REVERSE_FIELDS = {"postgres": ("postgres_catalog", "postgres"), "sqlite": ("sqlite", "sqlite_strict")}


def _reverse(engine: str) -> list[tuple[re.Pattern, str]]:
    out = []
    for f in REVERSE_FIELDS[engine]:  # a type's own spelling before another type's STRICT storage class
        for name in _PREFERENCE:
            spell = getattr(TYPES[name], f)
            for template in ([spell] if isinstance(spell, str) else list(spell.values())):
                out.append((_pattern(template), name))
    return out


class Importer:
    def __init__(self, catalog: Catalog, engine: str, schema: str | None = None):
        self.cat, self.engine, self.schema = catalog, engine, schema
        self.summary = Summary()
        self.spell: dict[str, str] = {}
        self.enums = dict(catalog.enums)
        self.rx = _reverse(engine)
        self.overrides: dict[tuple[str, str], str] = {}   # (table, column) -> engine type kept as is
        self.used = {self._exact(c.type)[0] for t in catalog.tables for c in t.columns} - {None}

    def _exact(self, spelled: str):
        for rx, name in self.rx:
            m = rx.match(spelled)
            if m:
                return name, m.groups()
        return None, ()

    # -- types
    def portable(self, table: str, c: CColumn) -> str:
        where = f"{table}.{c.name}"
        enum = {e.lower(): e for e in self.enums}.get(c.type.lower())   # catalog types compare case-folded
        if enum is not None:
            self.summary.exact.append(where)
            return enum
        name, args = self._exact(c.type)
        if name is not None:
            self.summary.exact.append(where)
            return f"{name}({','.join(args)})" if args else name
        if self.engine == "sqlite":
            upper = c.type.upper()
            sized = re.match(r"^([A-Z][A-Z ]*?)\s*\(\s*(\d+)\s*\)$", upper)
            if sized and any(w in sized.group(1) for w in ("CHAR", "TEXT", "CLOB")) and "varchar" not in self.used:
                template = f"{sized.group(1)}({{length}})"   # e.g. Drizzle's text(64)
                if self.spell.setdefault("varchar", template) == template:
                    self.summary.approximate(f"{sized.group(1)}(n) -> varchar(n), spelled {sized.group(1)}(n) on "
                                             "SQLite (sqlite.spell)", where)
                    return f"varchar({sized.group(2)})"
            for word, candidates in _GUESS:
                if word in upper:
                    for name in candidates:
                        if TYPES[name].params:
                            continue
                        if name not in self.used and self.spell.setdefault(name, c.type) == c.type:
                            self.summary.approximate(f"{c.type} -> {name}, spelled {c.type} on SQLite "
                                                     "(sqlite.spell)", where)
                            return name
            self.summary.unmapped.append(f"{where}: {c.type} has no portable type; imported as text")
            return "text"
        self.summary.unmapped.append(f"{where}: {c.type} has no portable type: text, with "
                                     f"postgres_type: {c.type}")
        self.overrides[(table, c.name)] = c.type
        return "text"

    # -- defaults
    def default(self, table: str, c: CColumn, typ: str):
        if c.default is None or c.identity:
            return None
        ref = TypeRef("enum", (), typ) if typ in self.enums else _typeref(typ)
        kind = "enum" if ref.enum else ref.row.value
        key = default_key(c.default, self.engine, kind)
        for fn, kinds in literals.FUNCTIONS.items():
            if kind in kinds:
                for ts in ("integer_ms", "iso_text"):
                    sql = literals.function_sql(fn, ref, self.engine, ts)
                    if key == default_key(sql, self.engine, kind):
                        return {"fn": fn}
        if key and key.startswith("lit:"):
            value = key[4:]
            try:
                return _literal(value, kind, ref, self.enums.get(typ, ()))
            except (literals.LiteralError, ValueError, TypeError):
                pass  # not a literal of this type (e.g. DEFAULT false on an INTEGER): kept as SQL below
        self.summary.approximate(f"default kept as {self.engine} SQL for both engines; review it",
                                 f"{table}.{c.name} = {c.default}")
        return {"sql": _both(c.default, self.engine)}

    # -- tables
    def table(self, t: CTable) -> dict:
        cols = {}
        pk = t.primary_key.columns if t.primary_key else ()
        for c in t.columns:
            typ = self.portable(t.name, c)
            spec: dict = {"type": typ}
            if (t.name, c.name) in self.overrides:
                spec[f"{self.engine}_type"] = self.overrides[(t.name, c.name)]
            if c.name in pk and len(pk) == 1 and (t.primary_key.name in (None, f"{t.name}_pkey")):
                spec["primary_key"] = True
            if c.identity:
                spec["identity"] = True
            if not c.nullable and not (spec.get("primary_key") or c.identity):
                spec["nullable"] = False
            d = self.default(t.name, c, typ)
            if d is not None:
                spec["default"] = d
            cols[c.name] = spec
        out: dict = {"columns": cols}
        if pk and not any(s.get("primary_key") for s in cols.values()):
            out["primary_key"] = {"name": t.primary_key.name, "columns": list(pk)} \
                if t.primary_key.name not in (None, f"{t.name}_pkey") else list(pk)
        if t.uniques:
            out["unique"] = [{"name": u.name, "columns": list(u.columns)} if u.name else list(u.columns)
                             for u in t.uniques]
        if t.foreign_keys:
            fks = []
            for f in t.foreign_keys:
                fk: dict = {"columns": list(f.columns), "references": {"table": f.ref_table,
                                                                       "columns": list(f.ref_columns)}}
                if f.name:
                    fk = {"name": f.name, **fk}
                if f.on_delete != "no action":
                    fk["on_delete"] = f.on_delete
                if f.on_update != "no action":
                    fk["on_update"] = f.on_update
                fks.append(fk)
            out["foreign_keys"] = fks
        if t.checks:
            out["checks"] = [{"name": ck.name, "expr": {self.engine: ck.shown}} if ck.name else
                             {"expr": {self.engine: ck.shown}} for ck in t.checks]
        if t.indexes:
            idx = []
            for i in t.indexes:
                spec = {"name": i.name,
                        "columns": [c if not d else {"column": c, "order": "desc"} for c, d in i.columns]}
                if i.unique:
                    spec["unique"] = True
                if i.where:  # as this engine wrote it, for both (review for the other engine)
                    spec["where"] = _both(i.shown_where, self.engine)
                idx.append(spec)
            out["indexes"] = idx
        options = {o: True for o in t.options}
        if options:
            out["sqlite"] = options
        return out

    def manifest(self, name: str) -> dict:
        tables = {t.name: self.table(t) for t in self.cat.tables}
        for t in self.cat.tables:  # SQLite spells every identity INTEGER: take the width its references use
            for f in t.foreign_keys:
                for mine, theirs in zip(f.columns, f.ref_columns):
                    target = tables.get(f.ref_table, {}).get("columns", {}).get(theirs)
                    source = tables[t.name]["columns"][mine]
                    if target and target.get("identity") and target["type"] != source["type"] and \
                            source["type"] in ("smallint", "integer", "bigint"):
                        target["type"] = source["type"]
        for s in self.cat.searches:
            cols = _search_columns(s, self.engine)
            if s.table in tables and cols:
                tables[s.table]["search"] = {"name": s.name, "columns": cols}
            else:
                self.summary.unmapped.append(f"search {s.name} on {s.table}: not recognised; add `search:` by hand")
        doc: dict = {"format": 1, "name": name, "version": 1}
        if self.schema and self.schema != "public":
            doc["postgres"] = {"schema": self.schema}
        sqlite: dict = {}
        if self.spell:
            sqlite["spell"] = {k: v for k, v in self.spell.items() if v.upper() != TYPES[k].sqlite}
            if not sqlite["spell"]:
                del sqlite["spell"]
        if self.engine == "sqlite" and any(
                c.nullable and t.primary_key and c.name in t.primary_key.columns for t in self.cat.tables
                for c in t.columns):
            sqlite["primary_key_not_null"] = False
        if sqlite:
            doc["sqlite"] = sqlite
        if self.enums:
            doc["enums"] = {k: list(v) for k, v in self.enums.items()}
        doc["tables"] = tables
        if self.cat.triggers:
            doc["triggers"] = {tr.name: {"table": tr.table, "timing": tr.timing, "on": tr.event,
                                         "do": [p.strip() for p in re.split(r";\s*(?:\n|$)", tr.shown.strip())
                                                if p.strip()]}
                               for tr in self.cat.triggers}
            self.summary.approximate("trigger statements kept as the engine shows them; review them for the "
                                     "other engine", ", ".join(tr.name for tr in self.cat.triggers))
        if self.cat.views:
            doc["views"] = {v.name: {"sql": {self.engine: v.shown.strip().rstrip(";")}} for v in self.cat.views}
        return doc


def _both(sql: str, engine: str) -> dict:
    """An expression for both engines: as this engine wrote it, and sqlglot's reading for the other."""
    import sqlglot
    from .sqlexpr import SQLGLOT_DIALECT
    other = "sqlite" if engine == "postgres" else "postgres"
    try:
        translated = sqlglot.transpile(sql, read=SQLGLOT_DIALECT[engine], write=SQLGLOT_DIALECT[other])[0]
    except Exception:  # sqlglot cannot read it: the same text, flagged in the summary by the caller
        translated = sql
    return {engine: sql, other: translated}


def _search_columns(s, engine: str) -> list[str]:
    """Columns of a full-text search as schemactl writes it (FTS5 column list / to_tsvector coalesces)."""
    if engine == "sqlite":
        m = re.match(r"fts5\((.*)\) content=", s.key)
        return [c.strip() for c in m.group(1).split(",")] if m else []
    return re.findall(r'COALESCE\(\(?"?([^",)]+?)"?\)?(?:::\w+)?,', s.shown, re.I)


def _typeref(spelled: str) -> TypeRef:
    m = re.match(r"^(\w+)(?:\(([\d,]+)\))?$", spelled)
    args = tuple(int(a) for a in m.group(2).split(",")) if m.group(2) else ()
    return TypeRef(m.group(1), args)


def _literal(value: str, kind: str, ref: TypeRef, members):
    """A YAML value for a literal default, checked by the same rules as a hand-written one."""
    if kind in ("int16", "int32", "int64"):
        v = int(value)
    elif kind == "float":
        v = float(value)
    elif kind == "boolean":
        v = value == "true"
    elif kind == "json":
        import json
        return {"value": json.loads(value)}
    elif kind == "bytes":
        raise literals.LiteralError("bytes")
    else:
        v = value
    literals.check_literal(v, ref, tuple(members))
    return v


# ---------------------------------------------------------------- DDL files


# What an import applies, by leading words; anything else is reported with its line.
_APPLY = re.compile(r"^(CREATE\s+(UNIQUE\s+)?INDEX|CREATE\s+(TEMP\w*\s+)?TABLE|CREATE\s+TYPE\s+\S+\s+AS\s+ENUM|"
                    r"CREATE\s+(OR\s+REPLACE\s+)?VIEW|CREATE\s+SCHEMA|CREATE\s+SEQUENCE|ALTER\s+SEQUENCE|"
                    r"ALTER\s+TABLE|CREATE\s+VIRTUAL\s+TABLE|CREATE\s+TRIGGER|COMMENT\s+ON\s+(TABLE|COLUMN))",
                    re.I)
_ENVIRONMENT = re.compile(r"^(SET|SELECT\s+pg_catalog\.set_config|GRANT|REVOKE|BEGIN|COMMIT|PRAGMA|"
                          r"COMMENT\s+ON\s+EXTENSION|CREATE\s+EXTENSION)\b|\bOWNER\s+TO\b", re.I)


def classify(stmts: list[Statement]) -> tuple[list[Statement], list[str]]:
    """(statements to apply, notes for what is left out)."""
    keep, notes = [], []
    for s in stmts:
        flat = " ".join(s.text.split())
        if _ENVIRONMENT.search(flat):
            continue  # session settings, ownership and privileges: not part of a schema manifest
        if _APPLY.match(flat):
            keep.append(s)
        else:
            notes.append(f"line {s.line}: {flat[:70]}{'…' if len(flat) > 70 else ''} (not mapped)")
    return keep, notes


# ---------------------------------------------------------------- entry points

def from_catalog(catalog: Catalog, engine: str, name: str, schema: str | None = None) -> tuple[dict, Summary]:
    imp = Importer(catalog, engine, schema)
    return imp.manifest(name), imp.summary


def from_database(conn, engine: str, name: str, schema: str | None = None) -> tuple[dict, Summary]:
    from .introspect import introspect
    return from_catalog(introspect(conn, engine, schema), engine, name, schema)


def from_ddl(texts: list[tuple[str, str]], engine: str, name: str, provider: str = "auto",
             url: str | None = None) -> tuple[dict, Summary, list[str]]:
    """Apply the mappable statements of DDL files to a scratch database of ``engine`` and import that."""
    keep, notes = [], []
    for filename, text in texts:
        k, n = classify(split_sql(text))
        keep += [(filename, s) for s in k]
        notes += [f"{filename}:{x}" for x in n]
    if engine == "sqlite":
        import sqlite3
        conn = sqlite3.connect(":memory:")
        _apply(conn, keep, engine)
        doc, summary = from_database(conn, "sqlite", name)
        conn.close()
        return doc, summary, notes
    import psycopg
    from .engines.providers import postgres
    with postgres(provider, url) as server, server.scratch() as conninfo, \
            psycopg.connect(conninfo, autocommit=True) as conn:
        _apply(conn, keep, engine)
        schemas = [r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' "
            "AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = pg_namespace.oid AND c.relkind = 'r')")]
        schema = schemas[0] if len(schemas) == 1 else "public"
        doc, summary = from_database(conn, "postgres", name, schema)
    return doc, summary, notes


def _apply(conn, statements, engine: str) -> None:
    from .errors import SchemactlError
    for filename, s in statements:
        try:
            conn.execute(s.text)
        except Exception as exc:  # the engine's own message, located in the user's file
            msg = str(exc).strip().splitlines()[0]
            raise SchemactlError(f"{filename}:{s.line}:1: error: {engine} rejected this statement: {msg}") from None


def dump(doc: dict, summary: Summary, source: str, notes: list[str]) -> str:
    """The manifest as YAML a person maintains: stable order, defaults left out, comments where chosen."""
    import yaml
    from .manifest.hashing import schema_hash
    from .manifest.load import load_text
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, allow_unicode=True, width=110)
    head = [f"# Imported by `schemactl import` from {source}."]
    head += [f"# {line}" for line in summary.lines()[1:]]
    head += [f"# left out: {n}" for n in notes]
    text = "\n".join(head) + "\n" + body
    digest = schema_hash(load_text(text, "<import>"))
    return text.replace("\nversion: 1\n", f"\nversion: 1\nhash: {digest}\n", 1)


def drizzle_export(path: str) -> tuple[str, str]:
    """(engine, DDL) of a Drizzle schema file, through the project's pinned `drizzle-kit export`."""
    import shutil
    import subprocess
    from pathlib import Path
    from .errors import SchemactlError
    text = Path(path).read_text("utf-8")
    if "drizzle-orm/pg-core" in text:
        engine, dialect = "postgres", "postgresql"
    elif "drizzle-orm/sqlite-core" in text:
        engine, dialect = "sqlite", "sqlite"
    else:
        raise SchemactlError(f"{path}: imports neither drizzle-orm/pg-core nor drizzle-orm/sqlite-core")
    tool = None
    for d in (Path(path).resolve().parent, *Path(path).resolve().parents, Path.cwd()):
        candidate = d / "node_modules" / ".bin" / "drizzle-kit"
        if candidate.exists():
            tool = str(candidate)
            break
    tool = tool or shutil.which("drizzle-kit")
    if tool is None:
        raise SchemactlError("drizzle-kit not found: run `npm ci` (or `npm install drizzle-kit drizzle-orm`) "
                             "in the project that holds the schema file")
    res = subprocess.run([tool, "export", "--dialect", dialect, "--schema", str(Path(path).resolve())],
                         capture_output=True, text=True, cwd=str(Path(path).resolve().parent))
    if res.returncode != 0:
        raise SchemactlError(f"drizzle-kit export failed for {path}:\n{(res.stderr or res.stdout).strip()}")
    return engine, res.stdout.replace("--> statement-breakpoint", "")
