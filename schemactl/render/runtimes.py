"""Start-up runtimes for services in other languages, rendered from the embedded bundle.

Each row: a file written under generated/<schema>/ (once a migration chain exists) and the jinja2
template that renders it from the bundle data (docs/runtime-protocol.md).  A new language is a new
template and new rows here; the templates receive ``bundle`` (the dict of bundle.json), ``queries``
(PostgreSQL catalog queries by name, with ``$1`` for the schema) and ``name`` (the schema's name).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from importlib import resources
from pathlib import Path

# generated file (relative to generated/<schema>/) -> template under templates/runtime/
RUNTIME_FILES: dict[str, str] = {
    "runtime.ts": "runtime.ts.j2",
    "rust/Cargo.toml": "rust/Cargo.toml.j2",
    "rust/src/lib.rs": "rust/lib.rs.j2",
}

CATALOG_QUERIES = ("tables", "columns", "constraints", "indexes")


@functools.cache
def catalog_queries() -> dict[str, str]:
    """The PostgreSQL catalog queries deep verify runs, with the schema as the first positional parameter
    (``$1``; psycopg's ``%%`` escape becomes the plain ``%`` those drivers send as is)."""
    from ..runtime import RUNTIME_QUERIES
    base = resources.files("schemactl.introspect").joinpath("queries")
    texts = {name: base.joinpath(f"{name}.sql").read_text("utf-8") for name in CATALOG_QUERIES} | RUNTIME_QUERIES
    return {name: sql.replace("%(schema)s", "$1").replace("%%", "%") for name, sql in texts.items()}


def runtime_files(out_dir: Path, bundle: dict) -> dict[Path, str]:
    from . import _env
    context = dict(bundle=bundle, queries=catalog_queries(), name=bundle["schema"])
    from .rust import rust_values
    context["rust"] = rust_values(bundle, context["queries"])
    return {out_dir / fname: _env().get_template(f"runtime/{template}").render(**context)
            for fname, template in RUNTIME_FILES.items()}


# ---------------------------------------------------------------- what deep verify compares beyond columns and keys

ANY_DEFAULT = "(expression)"   # the bundle knows that a column has a default, not the text the engine gives back
_PG_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_PG_STRING = re.compile(r"^'(?:[^']|'')*'$")
# Defaults PostgreSQL gives back exactly as schemactl writes them, spelled as pg_get_expr spells them.
_PG_FUNCTIONS = {"now()": "now()", "gen_random_uuid()": "gen_random_uuid()", "current_date": "CURRENT_DATE",
                 "current_timestamp": "CURRENT_TIMESTAMP", "current_time": "CURRENT_TIME", "localtime": "LOCALTIME",
                 "localtimestamp": "LOCALTIMESTAMP"}


def pg_expected_default(sql: str | None, kind: str | None) -> str | None:
    """A column default as the runtimes read it back from PostgreSQL (schemactl.runtime.pg_default): exact for
    numbers, booleans, strings of text, enum and uuid columns and the clock and uuid functions; ANY_DEFAULT
    (compared as "there is one") for what PostgreSQL rewrites in its own words (JSON, instants, bytes,
    arrays, floats, expressions)."""
    if sql is None:
        return None
    text = sql.strip()
    if kind in ("int16", "int32", "int64", "numeric") and _PG_NUMBER.match(text):
        return text
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower()
    if kind in ("text", "enum", "uuid") and _PG_STRING.match(text):
        return text
    return _PG_FUNCTIONS.get(text.lower(), ANY_DEFAULT)


# A CHECK PostgreSQL gives back in words schemactl can foretell: one column compared with one literal.
_PG_COMPARISON = re.compile(r"""^\s*(?P<col>[A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+")\s*(?P<op>>=|<=|<>|!=|=|<|>)\s*
                                (?P<value>[0-9]+|'(?:[^']|'')*')\s*$""", re.X)
_PG_IN_LIST = re.compile(r"""^\s*(?P<col>[A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+")\s+IN\s*\(
                              (?P<values>\s*'(?:[^']|'')*'\s*(?:,\s*'(?:[^']|'')*'\s*)*)\)\s*$""", re.X | re.I)
_PG_STRING_ITEM = re.compile(r"'(?:[^']|'')*'")
_PG_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Words PostgreSQL quotes as identifiers (its keywords that are not unreserved); a name that is one of them,
# or may become one (json..., xml...), is left to the name-only comparison.
_PG_QUOTED_WORDS = frozenset("""
all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast
char character check coalesce collate collation column concurrently constraint create cross current_catalog
current_date current_role current_schema current_time current_timestamp current_user dec decimal default deferrable
desc distinct do else end except exists extract false fetch float for foreign freeze from full grant greatest group
grouping having ilike in initially inner inout int integer intersect interval into is isnull join lateral leading
least left like limit localtime localtimestamp merge_action national natural nchar none normalize not notnull null
nullif numeric offset on only or order out outer overlaps overlay placing position precision primary real references
returning right row select session_user setof similar smallint some substring symmetric system_user table
tablesample then time timestamp to trailing treat trim true union unique user using values varchar variadic verbose
when where window with""".split())


def _pg_ident(name: str) -> str | None:
    """``name`` as PostgreSQL writes it back in an expression; None where that is not certain."""
    if _PG_PLAIN_NAME.match(name):
        return None if name in _PG_QUOTED_WORDS or name.startswith(("json", "xml")) else name
    return '"' + name.replace('"', '""') + '"'


def _pg_column(written: str) -> str:
    """The column an identifier written in an expression names (unquoted: folded to lower case)."""
    return written[1:-1].replace('""', '"') if written.startswith('"') else written.lower()


def pg_expected_check(sql: str, types: dict) -> str:
    """A CHECK as pg_get_expr gives it back, where schemactl can foretell it: an integer column compared with a
    whole number (``(qty >= 0)``), a text column with a string (``(code <> ''::text)``) or in a list of
    strings (``(status = ANY (ARRAY['a'::text, 'b'::text]))``); "" (compared by name only) for any other."""
    listed = _PG_IN_LIST.match(sql or "")
    if listed:      # status IN ('a', 'b') -> (status = ANY (ARRAY['a'::text, 'b'::text]))
        col = _pg_column(listed["col"])
        shown = _pg_ident(col)
        if shown is None or types.get(col) != "text":
            return ""
        items = ", ".join(f"{v}::text" for v in _PG_STRING_ITEM.findall(listed["values"]))
        return f"({shown} = ANY (ARRAY[{items}]))"
    m = _PG_COMPARISON.match(sql or "")
    if not m:
        return ""
    col = _pg_column(m["col"])
    shown, op, value = _pg_ident(col), "<>" if m["op"] == "!=" else m["op"], m["value"]
    if shown is None:
        return ""
    if types.get(col) in ("smallint", "integer", "bigint") and value[0] != "'" and int(value) < 2 ** 31:
        return f"({shown} {op} {int(value)})"
    if types.get(col) == "text" and value[0] == "'":
        return f"({shown} {op} {value}::text)"
    return ""


def deep_facts(engines: dict, manifest) -> None:
    """Add to each engine's expected catalog in the bundle what deep verify compares beyond columns, keys and
    indexes: per table ``defaults`` {column: text}, ``checks`` [[name, expression]] and ``identity``
    [columns]; per engine ``views`` [names] and, on PostgreSQL, ``enums`` {name: [values]}.

    SQLite gives back a default and a CHECK as the text that created them, so its expected facts are read by
    schemactl.runtime itself from the chain applied to an in-memory database: the very text a migrated
    database holds.  PostgreSQL rewrites expressions in its own words, so its CHECKs compare by name and
    its defaults as pg_expected_default says."""
    from ..expect import expect
    pg = expect(manifest, "postgres")
    cat = engines["postgres"]["catalog"]
    for t in pg.tables:
        facts = cat["tables"][t.name]
        facts["defaults"] = {c.name: pg_expected_default(c.default, c.kind) for c in t.columns
                             if c.default is not None and c.generated is None and not c.identity}
        types = {c.name: c.type for c in t.columns}
        facts["checks"] = sorted([k.name, pg_expected_check(k.shown, types)] for k in t.checks)
        facts["identity"] = [c.name for c in t.columns if c.identity]
    cat["enums"] = {name: list(values) for name, values in pg.enums}
    cat["views"] = sorted(v.name for v in pg.views)
    _sqlite_facts(engines["sqlite"])


def _sqlite_facts(engine: dict) -> None:
    from .. import runtime
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for m in engine["migrations"]:
            conn.execute("BEGIN")
            for stmt in m["statements"]:
                conn.execute(stmt).fetchall()
            conn.execute("COMMIT")
        live = runtime._catalog_sqlite(conn)
        views = runtime._objects_sqlite(conn)["views"]
    except sqlite3.Error:   # this build's SQLite cannot apply the chain (an extension it lacks): not compared
        return
    finally:
        conn.close()
    cat = engine["catalog"]
    for name, facts in cat["tables"].items():
        if name in live:
            facts.update({k: live[name][k] for k in ("defaults", "checks", "identity")})
    cat["views"] = views
