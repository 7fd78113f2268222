"""The schema hash: sha256 over a canonical form of the model.

The canonical form holds exactly what shapes either engine's schema: tables
(sorted by name), columns (in order: position is part of the schema), types,
nullability, defaults, keys, checks and indexes (sorted by name), enum values
(in order), the PostgreSQL schema name and the SQLite storage options.  It
leaves out the manifest's layout, key order, YAML comments, ``description``
fields, ``name``, ``version`` and ``hash`` itself.  Expressions enter in the
form sqlglot renders them, so ``a>0`` and ``a > 0`` hash alike.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .model import ENGINES, Manifest

HASH_FORMAT = 1


def _expr(e):
    return None if e is None else dict(e.sql)


def _default(d):
    if d is None:
        return None
    return {"kind": d.kind, "value": _expr(d.expr) if d.kind == "sql" else _jsonable(d.value)}


def _index(i) -> dict:
    out = {"name": i.name, "unique": i.unique, "where": _expr(i.where), "columns": [_index_key(c) for c in i.columns]}
    if i.method != "btree":      # keys added later appear only when used, so earlier hashes stay valid
        out["method"] = i.method
    if i.engines != ENGINES:
        out["engines"] = list(i.engines)
    return out


def _index_key(c) -> list:
    key = [c.name, c.desc]
    extra = {k: v for k, v in (("expr", _expr(c.expr)), ("nulls", c.nulls), ("opclass", c.opclass)) if v}
    return key + [extra] if extra else key


def _jsonable(v):
    return v.isoformat() if hasattr(v, "isoformat") else v


def canonical(m: Manifest) -> dict:
    tables = []
    for t in sorted(m.tables, key=lambda t: t.name):
        tables.append({
            "name": t.name,
            "columns": [{
                "name": c.name, "type": c.type.spelled(), "nullable": c.nullable,
                "default": _default(c.default), "identity": c.identity, "comment": c.comment,
                **({"engine_types": [list(x) for x in c.engine_types]} if c.engine_types else {}),
                **({"generated": {"expr": _expr(c.generated.expr), "stored": c.generated.stored}}
                   if c.generated else {}),
            } for c in t.columns],
            "primary_key": t.primary_key and {"name": t.primary_key.name, "columns": list(t.primary_key.columns)},
            "uniques": sorted(({"name": u.name, "columns": list(u.columns)} for u in t.uniques),
                              key=lambda x: x["name"]),
            "foreign_keys": sorted(({"name": f.name, "columns": list(f.columns), "ref_table": f.ref_table,
                                     "ref_columns": list(f.ref_columns), "on_delete": f.on_delete,
                                     "on_update": f.on_update,
                                     **({"deferrable": f.deferrable} if f.deferrable else {})}
                                    for f in t.foreign_keys), key=lambda x: x["name"]),
            "checks": sorted(({"name": c.name, "expr": _expr(c.expr)} for c in t.checks), key=lambda x: x["name"]),
            "indexes": sorted((_index(i) for i in t.indexes), key=lambda x: x["name"]),
            "comment": t.comment, "strict": t.strict, "without_rowid": t.without_rowid,
            **({"sqlite_primary_key_not_null": t.pk_not_null} if t.pk_not_null is not None else {}),
            **({"search": {"name": t.search.name, "columns": list(t.search.columns)}} if t.search else {}),
            **({"row_level_security": True} if t.row_level_security else {}),
            **({"force_row_level_security": True} if t.force_row_level_security else {}),
        })
    out = {
        "hash_format": HASH_FORMAT,
        "postgres_schema": m.pg_schema,
        "sqlite_timestamptz": m.time_storage,
        "enums": [{"name": e.name, "values": list(e.values)} for e in sorted(m.enums, key=lambda e: e.name)],
        "tables": tables,
    }
    if m.spell:  # keys added later appear only when used, so earlier hashes stay valid
        out["spell"] = [list(x) for x in m.spell]
    if m.features:
        out["features"] = list(m.features)
    if m.triggers:
        out["triggers"] = [_trigger(t) for t in m.triggers]
    if m.functions:
        out["functions"] = [{"name": f.name, "definition": f.definition}   # creation order is not the schema
                            for f in sorted(m.functions, key=lambda f: f.name)]
    if m.sequences:
        out["sequences"] = [{"name": s.name, "type": s.type, "start": s.start, "increment": s.increment,
                             "min": s.min_value, "max": s.max_value, "cycle": s.cycle, "owned_by": s.owned_by}
                            for s in m.sequences]
    if m.policies:
        out["policies"] = [{"name": p.name, "table": p.table, "command": p.command, "roles": list(p.roles),
                            "permissive": p.permissive, "using": _expr(p.using), "with_check": _expr(p.check)}
                           for p in m.policies]
    if m.views:
        out["views"] = [{"name": v.name, "sql": _expr(v.query)} for v in sorted(m.views, key=lambda v: v.name)]
    if not m.pk_not_null:
        out["sqlite_primary_key_not_null"] = False
    return out


def _trigger(t) -> dict:
    out = {"name": t.name, "table": t.table, "timing": t.timing, "event": t.event, "body": _expr(t.body)}
    extra = {"function": t.function, "when": _expr(t.when), "each": t.each if t.each != "row" else None}
    return {**out, **{k: v for k, v in extra.items() if v is not None}}   # only when used: old hashes stay


def schema_hash(m: Manifest) -> str:
    text = json.dumps(canonical(m), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


_HASH_LINE = re.compile(r"^hash:[ \t]*(?P<value>[^\s#]*)(?P<rest>.*)$", re.M)
_AFTER = re.compile(r"^(version|name|format):.*$", re.M)


def rewrite_hash(text: str, new_hash: str) -> str:
    """``text`` with its top-level ``hash:`` value set to ``new_hash``.

    Only the value changes; every other byte stays as it was.  Without a
    ``hash:`` line one is added after ``version:`` (or ``name:``/``format:``).
    """
    m = _HASH_LINE.search(text)
    if m:
        return text[:m.start("value")] + new_hash + text[m.end("value"):]
    anchors = list(_AFTER.finditer(text))
    anchor = next((a for a in anchors if a.group(1) == "version"), anchors[-1] if anchors else None)
    newline = "\r\n" if "\r\n" in text else "\n"
    if anchor is None:
        return f"hash: {new_hash}{newline}" + text
    end = anchor.end()
    return text[:end] + f"{newline}hash: {new_hash}" + text[end:]


_VERSION_LINE = re.compile(r"^version:[ \t]*(?P<value>[^\s#]*)(?P<rest>.*)$", re.M)


def rewrite_version(text: str, version: int) -> str:
    """``text`` with its top-level ``version:`` value set (every other byte as it was)."""
    m = _VERSION_LINE.search(text)
    if m is None:
        return text
    return text[:m.start("value")] + str(int(version)) + text[m.end("value"):]


def write_hash(path: Path, new_hash: str, version: int | None = None) -> bool:
    """Update the file in place (atomically): the hash, and the version when given. True if it changed."""
    from ..output import atomic_write_all
    text = path.read_bytes().decode("utf-8")
    new = rewrite_hash(text, new_hash)
    if version is not None:
        new = rewrite_version(new, version)
    if new == text:
        return False
    atomic_write_all({path: new})
    return True
