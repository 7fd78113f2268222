"""The portable type registry: one table, read everywhere.

Each row says how a portable type is spelled on every engine and what kind of
literal value it holds.  Rendering, validation and (later) introspection read
these rows; adding a type means adding a row here, not editing code paths.

Spellings are ``str.format`` templates over the type's parameters
(``{length}``, ``{precision}``, ``{scale}``).  SQLite spellings are chosen so
that the column gets the right *affinity* (no silent conversion of stored
values); ``sqlite_strict`` is the spelling used in ``STRICT`` tables, which only
accept INTEGER, REAL, TEXT, BLOB and ANY.  ``timestamptz`` has one SQLite
spelling per storage convention (``sqlite.timestamptz`` in the manifest).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Mapping

# SQLite storage conventions for timestamptz (manifest option sqlite.timestamptz).
TIME_STORAGES = ("integer_ms", "iso_text", "integer_s")
# Integer storages: how many stored units make one second (Unix milliseconds, Unix seconds).
TIME_UNITS: Mapping[str, int] = MappingProxyType({"integer_ms": 1000, "integer_s": 1})


@dataclass(frozen=True)
class PortableType:
    name: str
    params: tuple[str, ...]          # names of the parameters, in order
    value: str                       # literal kind, see schemactl.literals
    postgres: str                    # DDL spelling
    postgres_catalog: str            # what format_type() reports back
    sqlite: str | Mapping[str, str]  # DDL spelling (or per time storage)
    sqlite_strict: str | Mapping[str, str]
    identity_ok: bool = False        # may carry identity: true
    summary: str = ""
    btree: bool = True               # PostgreSQL can use it in a btree index, primary key or unique constraint
    drizzle_pg: str = ""             # drizzle-orm/pg-core builder call ({col}: the SQL column name)
    drizzle_sqlite: str | Mapping[str, str] = ""   # drizzle-orm/sqlite-core builder call
    ts: str | Mapping[str, str] = ""  # TypeScript type Drizzle infers for a selected value


def _row(name, params, value, pg, pg_cat, sqlite, strict, identity_ok=False, summary="", btree=True):
    row = PortableType(name, tuple(params), value, pg, pg_cat, sqlite, strict, identity_ok, summary, btree)
    return replace(row, **DRIZZLE[name]) if name in DRIZZLE else row


# Drizzle ORM builders per portable type: (pg-core call, sqlite-core call, inferred TS type).
_ts_ms = MappingProxyType({"integer_ms": 'integer({col}, {{ mode: "timestamp_ms" }})', "iso_text": 'text({col})',
                          "integer_s": 'integer({col}, {{ mode: "timestamp" }})'})
DRIZZLE = {
    name: {"drizzle_pg": pg, "drizzle_sqlite": lite, "ts": ts} for name, pg, lite, ts in (
        ("text", 'text({col})', 'text({col})', "string"),
        ("varchar", 'varchar({col}, {{ length: {length} }})', 'text({col}, {{ length: {length} }})', "string"),
        ("uuid", 'uuid({col})', 'text({col})', "string"),
        ("boolean", 'boolean({col})', 'integer({col}, {{ mode: "boolean" }})', "boolean"),
        ("smallint", 'smallint({col})', 'integer({col})', "number"),
        ("integer", 'integer({col})', 'integer({col})', "number"),
        ("bigint", 'bigint({col}, {{ mode: "number" }})', 'integer({col})', "number"),
        ("real", 'real({col})', 'real({col})', "number"),
        ("double", 'doublePrecision({col})', 'real({col})', "number"),
        ("numeric", 'numeric({col}, {{ precision: {precision}, scale: {scale} }})', 'text({col})', "string"),
        ("date", 'date({col}, {{ mode: "string" }})', 'text({col})', "string"),
        ("time", 'time({col})', 'text({col})', "string"),
        ("timestamp", 'timestamp({col}, {{ mode: "string" }})', 'text({col})', "string"),
        ("timestamptz", 'timestamp({col}, {{ withTimezone: true, mode: "date" }})', _ts_ms,
         MappingProxyType({"integer_ms": "Date", "iso_text": "string", "integer_s": "Date", "postgres": "Date"})),
        ("json", 'json({col})', 'text({col}, {{ mode: "json" }})', "unknown"),
        ("jsonb", 'jsonb({col})', 'text({col}, {{ mode: "json" }})', "unknown"),
        ("bytes", 'bytea({col})', 'blob({col}, {{ mode: "buffer" }})', "Buffer"),
        ("character", 'char({col}, {{ length: {length} }})', 'text({col}, {{ length: {length} }})', "string"),
        ("tsvector", 'tsvector({col})', 'text({col})', "string"),
    )
}

# Builders Drizzle does not ship: declared in the generated file as a customType (pg-core builder -> declaration).
DRIZZLE_CUSTOM_TYPES: Mapping[str, str] = MappingProxyType({
    "bytea": 'customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => "bytea" })',
    "tsvector": 'customType<{ data: string; driverData: string }>({ dataType: () => "tsvector" })',
})

# What a selected array element is in a SQLite JSON array (its JSON form), per element TypeScript type.
JSON_TS: Mapping[str, str] = MappingProxyType({"Date": "string", "Buffer": "string"})



_ts_sqlite = MappingProxyType({"integer_ms": "INTEGER", "iso_text": "TEXT", "integer_s": "INTEGER"})

TYPES: Mapping[str, PortableType] = MappingProxyType({
    r.name: r for r in (
        _row("text", (), "text", "text", "text", "TEXT", "TEXT", summary="unbounded string"),
        _row("varchar", ("length",), "text", "varchar({length})", "character varying({length})",
             "VARCHAR({length})", "TEXT", summary="string of at most n characters"),
        _row("uuid", (), "uuid", "uuid", "uuid", "TEXT", "TEXT", summary="UUID, canonical lower-case text on SQLite"),
        _row("boolean", (), "boolean", "boolean", "boolean", "BOOLEAN", "INTEGER", summary="true/false, 0/1 on SQLite"),
        _row("smallint", (), "int16", "smallint", "smallint", "SMALLINT", "INTEGER", True, "16-bit integer"),
        _row("integer", (), "int32", "integer", "integer", "INTEGER", "INTEGER", True, "32-bit integer"),
        _row("bigint", (), "int64", "bigint", "bigint", "BIGINT", "INTEGER", True, "64-bit integer"),
        _row("real", (), "float", "real", "real", "REAL", "REAL", summary="4-byte float (8 bytes on SQLite)"),
        _row("double", (), "float", "double precision", "double precision", "DOUBLE", "REAL", summary="8-byte float"),
        _row("numeric", ("precision", "scale"), "numeric", "numeric({precision},{scale})", "numeric({precision},{scale})",
             "TEXT", "TEXT", summary="exact decimal; decimal text on SQLite (no float rounding)"),
        _row("date", (), "date", "date", "date", "DATE", "TEXT", summary="calendar date, ISO text on SQLite"),
        _row("time", (), "time", "time", "time without time zone", "TIME", "TEXT", summary="time of day, ISO text on SQLite"),
        _row("timestamp", (), "timestamp", "timestamp", "timestamp without time zone", "TIMESTAMP", "TEXT",
             summary="date and time without zone, ISO text on SQLite"),
        _row("timestamptz", (), "timestamptz", "timestamptz", "timestamp with time zone", _ts_sqlite, _ts_sqlite,
             summary="instant in time; SQLite: Unix ms or s INTEGER, or ISO-8601 TEXT (sqlite.timestamptz)"),
        _row("json", (), "json", "json", "json", "TEXT", "TEXT", summary="JSON document, serialized text on SQLite",
             btree=False),
        _row("jsonb", (), "json", "jsonb", "jsonb", "TEXT", "TEXT", summary="binary JSON on PostgreSQL, text on SQLite"),
        _row("bytes", (), "bytes", "bytea", "bytea", "BLOB", "BLOB", summary="byte string"),
        _row("character", ("length",), "char", "character({length})", "character({length})", "CHARACTER({length})",
             "TEXT", summary="exactly n characters, blank-padded (padded on SQLite too)"),
        _row("tsvector", (), "tsvector", "tsvector", "tsvector", "TEXT", "TEXT",
             summary="full-text document; PostgreSQL's text form on SQLite"),
    )
})

# Element kinds an array can hold: every row's literal kind (an array of arrays is not portable).
ARRAY_SUFFIX = "[]"


def element_kind(kind: str) -> str | None:
    """``text`` for the literal kind ``text[]`` of a text array; None for a kind that is no array."""
    return kind[:-len(ARRAY_SUFFIX)] if kind.endswith(ARRAY_SUFFIX) else None


def _json_ts(ts):
    if isinstance(ts, str):
        return JSON_TS.get(ts, ts)
    return _json_ts(ts["integer_ms"])   # the same JSON form whatever the column storage


@functools.lru_cache(maxsize=None)
def array_row(name: str) -> PortableType:
    """The row of a one-dimensional array of the row ``name``: PostgreSQL ``elem[]``, SQLite a JSON array in TEXT."""
    elem = TYPES[name]
    pg_ts, lite_ts = (elem.ts if isinstance(elem.ts, str) else elem.ts["postgres"]) + "[]", _json_ts(elem.ts) + "[]"
    ts = pg_ts if pg_ts == lite_ts else MappingProxyType({**{s: lite_ts for s in TIME_STORAGES}, "postgres": pg_ts})
    return PortableType(
        name=elem.name + ARRAY_SUFFIX, params=elem.params, value=elem.value + ARRAY_SUFFIX,
        postgres=elem.postgres + "[]", postgres_catalog=elem.postgres_catalog + "[]", sqlite="TEXT",
        sqlite_strict="TEXT", summary=f"array of {elem.name}; a JSON array in TEXT on SQLite", btree=False,
        drizzle_pg=elem.drizzle_pg + ".array()",
        drizzle_sqlite='text({col}, {{ mode: "json" }}).$type<' + _json_ts(elem.ts) + '[]>()',
        ts=ts)

# Named enums are referenced by their own name as a column type.  They are
# not rows above because their spelling depends on the manifest.
ENUM = _row("enum", (), "enum", "{enum}", "{enum}", "TEXT", "TEXT", summary="named enum; TEXT + CHECK IN on SQLite")

# Integer range of each integer literal kind (identity, defaults).
INT_RANGES: Mapping[str, tuple[int, int]] = MappingProxyType({
    "int16": (-(2 ** 15), 2 ** 15 - 1),
    "int32": (-(2 ** 31), 2 ** 31 - 1),
    "int64": (-(2 ** 63), 2 ** 63 - 1),
})

# Literal kinds whose values both engines compare with each other: a foreign key between two
# different types of one family is legal on both (a warning, not an error).
COMPARABLE: Mapping[str, str] = MappingProxyType({
    "text": "string", "int16": "integer", "int32": "integer", "int64": "integer", "float": "float",
    "numeric": "numeric",
})

# Bounds of the type parameters.
PARAM_RANGES: Mapping[str, tuple[int, int]] = MappingProxyType({
    "length": (1, 10_485_760),
    "precision": (1, 1000),
    "scale": (0, 1000),
})

# PostgreSQL types without a portable form that are easy to take for one: what an import says of a column of
# that type (kept as postgres_type, text on SQLite), keyed by format_type()'s spelling (an array's element).
PG_OWN_TYPE_NOTES: Mapping[str, str] = MappingProxyType({
    '"char"': "PostgreSQL's internal single-byte type (pg_catalog's \"char\", not character(1) or bpchar): it "
              "keeps only the first byte of a longer value, where SQLite's text keeps it all",
})

# PostgreSQL's other names for its own types (what a manifest's postgres_type may say) -> the name format_type()
# reports, so that postgres_type: int4 is the catalog's integer; and the length a type has when none is written.
# "char" (quoted) is a type of its own, pg_catalog's single byte: only the unquoted char is character.
PG_TYPE_NAMES: Mapping[str, str] = MappingProxyType({
    "int": "integer", "int4": "integer", "int2": "smallint", "int8": "bigint", "float4": "real",
    "float8": "double precision", "float": "double precision", "bool": "boolean", "decimal": "numeric",
    "varchar": "character varying", "char": "character", "character": "character", "varbit": "bit varying",
    "timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone",
    "time": "time without time zone", "timetz": "time with time zone",
    "bit": "bit", 'pg_catalog."char"': '"char"',
})
PG_TYPE_DEFAULT_ARGS: Mapping[str, str] = MappingProxyType({"character": "(1)", "bit": "(1)"})
# A name whose argument picks the type: float(p) is real up to 24 binary digits, double precision up to 53.
PG_TYPE_BY_PRECISION: Mapping[str, tuple[tuple[int, str], ...]] = MappingProxyType({
    "float": ((24, "real"), (53, "double precision")),
})

# PostgreSQL's trusted extensions shipped with it (contrib): what import may create on its scratch database.
TRUSTED_EXTENSIONS = ("btree_gin", "btree_gist", "citext", "cube", "dict_int", "fuzzystrmatch", "hstore", "intarray",
                      "isn", "lo", "ltree", "pg_trgm", "pgcrypto", "seg", "tablefunc", "tcn", "tsm_system_rows",
                      "tsm_system_time", "unaccent", "uuid-ossp")

# PostgreSQL types that a trusted extension shipped with PostgreSQL (contrib) provides -> that extension (one of
# TRUSTED_EXTENSIONS).  A column
# whose postgres_type names one (bare, as an array, or as public.<type>) makes the PostgreSQL DDL, and the migration
# that first needs it, create the extension in public (CREATE EXTENSION IF NOT EXISTS … WITH SCHEMA public), where
# the catalog read path (typekeys.PG_READ_PATH) shows its types bare, as the manifest writes them.  Adding an
# extension's type is adding a row here.
PG_EXTENSION_TYPES: Mapping[str, str] = MappingProxyType({
    "citext": "citext", "hstore": "hstore", "ltree": "ltree", "lquery": "ltree", "ltxtquery": "ltree",
    "cube": "cube", "seg": "seg", "query_int": "intarray", "lo": "lo",
    "ean13": "isn", "isbn": "isn", "isbn13": "isn", "ismn": "isn", "ismn13": "isn", "issn": "isn",
    "issn13": "isn", "upc": "isn",
})
_PG_EXTENSION_TYPE = re.compile(r'\s*(?:public\.)?([a-z_][a-z0-9_]*)\s*(?:\([0-9, ]*\))?\s*(?:\[[0-9]*\]\s*)*')


@functools.lru_cache(maxsize=4096)   # (an import asks for every column's spelling, and they repeat)
def pg_extension(spelling: str) -> str | None:
    """The extension (PG_EXTENSION_TYPES) providing a column's postgres_type, or None (a built-in type, or one of
    another schema than public, which the deployment provides)."""
    m = _PG_EXTENSION_TYPE.fullmatch(spelling.lower())
    return PG_EXTENSION_TYPES.get(m.group(1)) if m else None


# Other tools' spellings, used only to suggest the portable name in errors.
ALIASES: Mapping[str, str] = MappingProxyType({
    "int": "integer", "int2": "smallint", "int4": "integer", "int8": "bigint", "serial": "integer",
    "bigserial": "bigint", "bool": "boolean", "float": "double", "float4": "real", "float8": "double",
    "string": "text", "str": "text", "char": "character", "bpchar": "character", "datetime": "timestamp", "bytea": "bytes", "blob": "bytes",
    "binary": "bytes", "decimal": "numeric", "money": "numeric",
})

_TYPE_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*([^)]*)\))?\s*(\[\s*\])?\s*$")


@dataclass(frozen=True)
class TypeRef:
    """A column's type: a registry row name plus its arguments, or an enum."""

    name: str
    args: tuple[int, ...] = ()
    enum: str | None = None
    array: bool = False              # a one-dimensional array of the type

    # row, kind and the spelling are kept once worked out (as params): a manifest's columns share their
    # TypeRefs (the loader reads each type text once), and loading and rendering ask for them per column
    @functools.cached_property
    def row(self) -> PortableType:
        if self.array:
            return array_row(self.name)
        return ENUM if self.enum else TYPES[self.name]

    @property
    def element(self) -> "TypeRef":
        """The type of an array's elements (the type itself when it is no array)."""
        return replace(self, array=False) if self.array else self

    @functools.cached_property
    def kind(self) -> str:
        """The literal kind of a value (``enum`` for an enum, ``text[]`` for a text array)."""
        return ("enum" if self.enum else self.element.row.value) + (ARRAY_SUFFIX if self.array else "")

    @functools.cached_property
    def params(self) -> dict[str, int]:
        """The arguments by parameter name (kept: renderers ask per column and file; read, never changed)."""
        return dict(zip(self.row.params, self.args))

    def spelled(self) -> str:
        """The manifest spelling: ``varchar(20)``, ``uuid`` or the enum's name."""
        return self._spelled

    @functools.cached_property
    def _spelled(self) -> str:
        if self.array:
            return self.element.spelled() + ARRAY_SUFFIX
        if self.enum:
            return self.enum
        if not self.args:
            return self.name
        return f"{self.name}({','.join(map(str, self.args))})"


class TypeError_(ValueError):
    """A type string that cannot be resolved; message is user-facing."""


def parse_type(text: str, enums: Mapping[str, object]) -> TypeRef:
    """Resolve ``varchar(20)``, ``numeric(10, 2)``, ``uuid`` or an enum name."""
    m = _TYPE_RE.match(text)
    if not m:
        raise TypeError_(f'cannot read type "{text}" (expected e.g. "text", "varchar(50)", "numeric(10,2)", "text[]")')
    name, raw_args, array = m.group(1), m.group(2), bool(m.group(3))
    if name in enums:
        if raw_args is not None:
            raise TypeError_(f'type "{text}": enum {name} takes no parameters; write "{name}"')
        if array:
            raise TypeError_(f'type "{text}": arrays of enums are not portable; use text[] with a check, or '
                             f"postgres_type")
        return TypeRef("enum", (), name)
    lname = name.lower()
    row = TYPES.get(lname)
    if row is None:
        from .naming import suggest
        hint = suggest(name, list(TYPES) + list(ALIASES) + list(enums))
        hint = ALIASES.get(hint, hint)
        raise TypeError_(f'unknown type "{name}"' + (f' (did you mean "{hint}"?)' if hint else ""))
    args: list[int] = []
    if raw_args is not None:
        parts = [p.strip() for p in raw_args.split(",")]
        if not all(re.fullmatch(r"\d+", p) for p in parts):
            raise TypeError_(f'type "{text}": parameters must be whole numbers')
        args = [int(p) for p in parts]
    if len(args) != len(row.params):
        want = f"{lname}({', '.join(row.params)})" if row.params else lname
        raise TypeError_(f'type "{text}" takes {len(row.params)} parameter(s): write "{want}"')
    for pname, val in zip(row.params, args):
        lo, hi = PARAM_RANGES[pname]
        if not lo <= val <= hi:
            raise TypeError_(f'type "{text}": {pname} must be between {lo} and {hi}')
    if lname == "numeric" and args[1] > args[0]:
        raise TypeError_(f'type "{text}": scale must not exceed precision')
    return TypeRef(lname, tuple(args), array=array)


def spelling(template: str | Mapping[str, str], ref: TypeRef, time_storage: str) -> str:
    if not isinstance(template, str):
        template = template[time_storage]
    return template.format(enum=ref.enum, **ref.params)
