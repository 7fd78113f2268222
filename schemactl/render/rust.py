"""Template values for the generated Rust crate (templates/runtime/rust/): string literals, the expected
catalogs as static data, the embedded migration files.  Every text that reaches Rust source goes through
``rust_str``, so identifiers and SQL from a manifest cannot break out of their literal."""

from __future__ import annotations

import re

from ..naming import quote
from ..migrations.files import VERSION_TABLE, VERSION_TABLE_DDL
from ..typekeys import PG_READ_PATH

_CRATE_CHAR = re.compile(r"[^a-z0-9_-]+")
# Text a raw string literal shows as it is: printable ASCII, newlines and tabs.
_RAW_OK = re.compile(r"^[\x20-\x7e\n\t]*$")


def crate_name(schema: str) -> str:
    """A Cargo package name for a schema: ``memories`` -> ``memories-schema``."""
    stem = _CRATE_CHAR.sub("-", schema.lower()).strip("-_")
    if not stem or not stem[0].isalpha():
        stem = "s-" + stem if stem else "s"
    return f"{stem}-schema"


def rust_str(text: str) -> str:
    """A Rust string literal holding exactly ``text``: a raw string (with enough ``#``) for plain
    multi-line ASCII, otherwise an escaped one (no control, non-ASCII or bidirectional character
    appears in the source)."""
    if "\n" in text and _RAW_OK.match(text):
        hashes = "#" * (max((len(m) for m in re.findall(r'"(#*)', text)), default=-1) + 1)
        return f'r{hashes}"{text}"{hashes}'
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif 0x20 <= code < 0x7f:
            out.append(ch)
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"text {text!r} holds a lone surrogate, which no Rust string can")
        else:
            out.append(f"\\u{{{code:x}}}")
    return '"' + "".join(out) + '"'


def rust_bool(value) -> str:
    return "true" if value else "false"


def _i64(value: int) -> str:
    value = int(value)
    if not -(2 ** 63) <= value < 2 ** 63:
        raise ValueError(f"lock key {value} does not fit a signed 64-bit integer")
    return "i64::MIN" if value == -(2 ** 63) else f"{value}i64"


def _catalog(catalog: dict) -> list[dict]:
    tables = []
    for name in sorted(catalog["tables"]):
        t = catalog["tables"][name]
        tables.append({
            "name": rust_str(name),
            "columns": [(rust_str(c), rust_str(typ), rust_bool(nullable)) for c, typ, nullable in t["columns"]],
            "primary_key": [rust_str(c) for c in t["primary_key"]],
            "uniques": [[rust_str(c) for c in u] for u in t["uniques"]],
            "foreign_keys": [{"columns": [rust_str(c) for c in cols], "table": rust_str(ref),
                              "references": [rust_str(c) for c in ref_cols], "on_delete": rust_str(on_delete),
                              "on_update": rust_str(on_update)}
                             for cols, ref, ref_cols, on_delete, on_update in t["foreign_keys"]],
            "indexes": [{"name": rust_str(iname),
                         "columns": [(rust_str(c), rust_bool(d)) for c, d in keys[:-1]],
                         "unique": rust_bool(keys[-1][1])}
                        for iname, keys in sorted(t["indexes"].items())],
            # defaults, CHECKs and identity: compared where the bundle carries them
            "deep": rust_bool("defaults" in t),
            "defaults": [(rust_str(c), rust_str(d)) for c, d in sorted(t.get("defaults", {}).items())],
            "checks": [(rust_str(n), rust_str(e)) for n, e in t.get("checks", [])],
            "identity": [rust_str(c) for c in t.get("identity", [])],
            # SQLite's table options: compared where the bundle carries them
            "options": "None" if "options" not in t else f"Some(&[{', '.join(rust_str(o) for o in t['options'])}])",
        })
    return tables


def _objects(catalog: dict) -> dict:
    """Views and enum types in Rust syntax; None where the bundle does not compare them."""
    views = catalog.get("views")
    enums = catalog.get("enums")
    return {"views": None if views is None else [rust_str(v) for v in views],
            "enums": None if enums is None else [(rust_str(n), [rust_str(v) for v in values])
                                                 for n, values in sorted(enums.items())]}


def _engine(bundle: dict, engine: str) -> dict:
    e = bundle["engines"][engine]
    schema = e["catalog"].get("schema")
    table = e.get("version_table") or (f"{quote(schema)}.{VERSION_TABLE}" if schema else VERSION_TABLE)
    migrations = [{"version": int(m["version"]), "name": rust_str(m["name"]), "hash": rust_str(m["hash"]),
                   "checksum": rust_str(m["checksum"]),
                   "file": rust_str(f"../../migrations/{engine}/{m['name']}.sql"),
                   "record": [rust_str(s) for s in m.get("record") or []]}
                  for m in e["migrations"]]
    return {
        "migrations": migrations,
        "catalog": _catalog(e["catalog"]),
        "create_version_table": rust_str(VERSION_TABLE_DDL[engine].format(table=table).rstrip(";")),
        "history": rust_str(f"SELECT version, hash, checksum FROM {table} ORDER BY version"),
        "latest": rust_str(f"SELECT version, hash FROM {table} ORDER BY version DESC LIMIT 1"),
        "create_schema": rust_str(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}") if schema else None,
        "schema": rust_str(schema or "public"),
        **_objects(e["catalog"]),
    }


def rust_values(bundle: dict, queries: dict[str, str]) -> dict:
    """Everything lib.rs.j2 and Cargo.toml.j2 print, already in Rust (or TOML) syntax."""
    lock_key = bundle["engines"]["postgres"].get("lock_key")
    if lock_key is None:
        from ..migrations.files import lock_key as derive
        lock_key = derive(bundle["schema"])
    return {
        "crate": crate_name(bundle["schema"]),
        "schema_name": rust_str(bundle["schema"]),
        "version": int(bundle["version"]),
        "hash": rust_str(bundle["hash"] or ""),
        "lock_key": _i64(int(lock_key)),
        "ignored": [rust_str(t) for t in bundle.get("ignored_tables", [VERSION_TABLE])],
        "queries": {name: rust_str(sql) for name, sql in queries.items()},
        "read_path": rust_str(PG_READ_PATH),
        "sqlite": _engine(bundle, "sqlite"),
        "postgres": _engine(bundle, "postgres"),
    }
