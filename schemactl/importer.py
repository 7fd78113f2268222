"""Adopting an existing schema: a live catalog -> a manifest a person can maintain.

Engine types map back to portable types through the one type registry
(``types.TYPES``: the same spellings that render); defaults through the
literal and function tables of ``literals``.  What maps exactly, approximately
or not at all is collected in a ``Summary`` and printed after the import.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field

from . import literals
from .catalog import Catalog, CColumn, CTable
from .introspect.postgres import BEYOND_MODEL_SQL
from .engines import ENGINE_NAMES
from .naming import ROLE_KEYWORDS, qualified, quote as quote_name, sql_string
from .normalize import default_key, read_expression as _read
from .sqlsplit import Statement, split_sql
from .typedconst import COMPARED, TIMED
from .typekeys import pg_unquote, sqlite_affinity, sqlite_rowid_alias, sqlite_type as sqlite_type_key
from .types import PG_EXTENSION_TYPES, PG_OWN_TYPE_NOTES, TYPES, TypeRef, pg_extension

# Portable types tried first when several rows share an engine spelling (PostgreSQL catalog names).
_PREFERENCE = ["text", "integer", "double", "bytes", "boolean", "bigint", "smallint", "real", "varchar", "uuid",
               "numeric", "date", "time", "timestamp", "timestamptz", "json", "jsonb", "character", "tsvector"]

# SQLite declared types -> portable types: (pattern over the upper-cased declared type, portable type with
# {0}/{1} for the pattern's groups, note when the reading is a guess).  The spelling says what the values
# are first; SQLite's affinity rules (sqlite.org/datatype3.html 3.1) decide the rest (typekeys.sqlite_affinity).
# SQLite integers are 64-bit whatever they are called, so INTEGER/INT read as bigint; spellings that
# name a width keep it.  The declared spelling is kept for SQLite (sqlite.spell or the column's sqlite_type)
# so the SQLite schema is reproduced as it was.
_W = r"(?:\s*\(\s*\d+\s*\))?"
SQLITE_DECLARED = (
    (rf"(?:TINYINT{_W}(?: UNSIGNED)?|SMALLINT{_W}|INT2)", "smallint", None),
    (rf"(?:SMALLINT{_W} UNSIGNED|MEDIUMINT{_W}(?: UNSIGNED)?)", "integer", None),
    (rf"(?:INTEGER{_W}(?: UNSIGNED)?|INT{_W}(?: UNSIGNED)?|BIGINT{_W}(?: UNSIGNED)?|UNSIGNED BIG INT|INT4|INT8)",
     "bigint", None),
    (r"BOOL(?:EAN)?", "boolean", None),
    (r"(?:NUMERIC|DECIMAL)\((\d+),(\d+)\)", "numeric({0},{1})", None),
    (r"(?:NUMERIC|DECIMAL)\((\d+)\)", "numeric({0},0)", None),
    (r"(?:REAL|DOUBLE|DOUBLE PRECISION|FLOAT|FLOAT8)", "double", None),
    (r"FLOAT4", "real", None),
    (rf"(?:(?:VAR)?BINARY{_W}|BYTEA|(?:TINY|MEDIUM|LONG)?BLOB)", "bytes", None),
    (r"CHARACTER\((\d+)\)", "character({0})", "PostgreSQL pads character(n) values with blanks to n; copy pads the "
                                               "SQLite values alike: use varchar(n) if they must stay unpadded"),
    (r"(?:N?VARCHAR|VARYING CHARACTER|CHARACTER VARYING|N?CHAR|NATIVE CHARACTER|TEXT)\((\d+)\)",
     "varchar({0})", None),
    (r"(?:TEXT|CLOB|N?VARCHAR|STRING|(?:TINY|MEDIUM|LONG)TEXT)", "text", None),
    (r"UUID", "uuid", None),
    (r"JSONB", "jsonb", None),
    (r"JSON", "json", None),
    (r"(?:DATETIME|TIMESTAMP)", "timestamp", "could also be timestamptz: change the type if the values carry "
                                             "a zone"),
    (r"(?:TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE)", "timestamptz",
     "SQLite holds the manifest's timestamptz values in its sqlite.timestamptz storage, Unix milliseconds unless "
     "set; copy reads ISO text too and writes that storage: set sqlite.timestamptz: iso_text if the values are "
     "text"),
    (r"DATE", "date", None),
    (r"TIME", "time", None),
)
# The portable type of each SQLite affinity (typekeys.sqlite_affinity), for spellings none of the above reads.
AFFINITY_TYPES = {"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytes", "REAL": "double", "NUMERIC": "double"}

# Types of PostgreSQL extensions -> (the built-in type their values read as, what that loses), where the manifest's
# DDL does not create the extension (one kept in another schema than public: extensions.citext).  A column of one
# in public keeps it (postgres_type, types.PG_EXTENSION_TYPES): Importer._extension_columns.
EXTENSION_TYPES = {
    "citext": ("text", "citext, of the citext extension, read as text: comparisons and unique keys become "
                       "case-sensitive; compare lower() values where that matters"),
}

# Other tools' bookkeeping tables: never application tables.
BOOKKEEPING = {"schema_version": "schemactl's migration history", "_sqlx_migrations": "sqlx's migration history",
               "__drizzle_migrations": "drizzle-orm's migration history",
               "__diesel_schema_migrations": "diesel's migration history",
               "_prisma_migrations": "prisma's migration history", "alembic_version": "alembic's version",
               "goose_db_version": "goose's migration history", "flyway_schema_history": "flyway's history",
               "knex_migrations": "knex's migration history", "knex_migrations_lock": "knex's migration lock"}


@dataclass
class Entry:
    path: tuple          # manifest path of the object ((), for a statement)
    what: str            # 'table "t", column "c"', or the statement's first words
    reason: str
    where: str = ""      # the user's own source: "file:line" (DDL, Drizzle); "" for a database


def _owner(path: tuple) -> tuple:
    """The object a path belongs to (a column for its default, an index for its predicate)."""
    return path[:4] if path[:1] == ("tables",) else path[:2]


def describe(path: tuple, doc: dict | None = None) -> str:
    """A manifest path in words: 'table "t", column "c", default'."""
    if not path:
        return "manifest"
    if path[0] == "tables" and len(path) >= 2:
        out = f'table "{path[1]}"'
        if len(path) >= 4 and path[2] == "columns":
            out += f', column "{path[3]}"' + (f", {path[4]}" if len(path) > 4 else "")
        elif len(path) >= 4 and path[2] == "policies":
            out += f', policy "{path[3]}"' + (f", {', '.join(map(str, path[4:]))}" if len(path) > 4 else "")
        elif len(path) >= 4:
            item = (doc or {}).get("tables", {}).get(path[1], {}).get(path[2])
            item = item[path[3]] if isinstance(item, list) and path[3] < len(item) else None
            name = item.get("name") if isinstance(item, dict) else None
            kind = {"foreign_keys": "foreign key", "checks": "check", "indexes": "index", "unique": "unique"}.get(
                path[2], path[2])
            out += f", {kind}" + (f' "{name}"' if name else f" {path[3] + 1}") + \
                (f", {', '.join(map(str, path[4:]))}" if len(path) > 4 else "")
        elif len(path) == 3:
            out += f", {path[2]}"
        return out
    kind = {"views": "view", "triggers": "trigger", "enums": "enum", "functions": "function",
            "sequences": "sequence"}.get(path[0], path[0])
    return f'{kind} "{path[1]}"' if len(path) >= 2 else kind


# The parts of a table that a statement of their own may name (an index): `what` texts such as
# 'table "t", index "i"' are placed at that statement's line rather than at the table's.
_NAMED_PART = re.compile(r'(?:^|, )([a-z][a-z -]*?) "([^"]+)"')
_WORD = re.compile(r"\w+")
_SCHEMA_PREFIX = re.compile(r'^(?:"[^"]+"|\w+)\.')   # a type's schema: "app". or app.
_OWN_LINE = {"index": "index", "unique index": "index", "constraint": "object", "check": "object",
             "foreign key": "object", "unique": "object", "trigger": "trigger", "policy": "policy"}


class Summary:
    """What the import mapped exactly, approximately or not at all, each with its place in the source."""

    def __init__(self):
        self.approx: list[Entry] = []
        self.unmapped: list[Entry] = []
        self.left_out: list[Entry] = []
        self.warnings: list[str] = []
        self.notes: list[Entry] = []     # mapped exactly, but the engines behave differently: said as warnings
        self.objects = 0                 # objects written to the manifest (set when it is finished)
        self.ahead = None                # checks_ahead()'s copy of the process, where one works for finish()
        self.engine = ""                 # the engine it was read from
        self.locate = lambda path, name=None, **kind: ""

    def approximate(self, path: tuple, reason: str, what: str | None = None, where: str = "") -> None:
        self.approx.append(Entry(tuple(path), what or describe(path), reason, where))

    def not_mapped(self, path: tuple, reason: str, what: str | None = None, where: str = "") -> None:
        self.unmapped.append(Entry(tuple(path), describe(path) if what is None else what, reason, where))

    def note(self, path: tuple, reason: str) -> None:
        self.notes.append(Entry(tuple(path), describe(path), reason, ""))

    def forget(self, path: tuple) -> None:
        """An object is left out after all: its approximations go with it."""
        n = len(path)
        self.approx = [e for e in self.approx if e.path[:n] != tuple(path)]

    def _approximate_objects(self) -> int:
        """Objects with at least one approximation: a column with its default is one; each index (named by
        its entry, its path being its table's) is one of its own."""
        return len({_owner(e.path) if e.what == describe(e.path) else (_owner(e.path), e.what) for e in self.approx})

    @property
    def exact(self) -> int:
        return max(0, self.objects - self._approximate_objects())

    def counts(self) -> str:
        n = self._approximate_objects()
        return (f"{self.exact} object{'s' if self.exact != 1 else ''} mapped exactly, {n} approximately, "
                f"{len(self.unmapped)} not mapped")

    def _line(self, e: Entry) -> str:
        named = re.match(r'^([a-z][a-z -]*?) "([^"]+)"(?: on table "([^"]+)")?', e.what or "")
        parts = _NAMED_PART.findall(e.what or "")
        comment = _COMMENT_LEFT_OUT.match(e.reason or "")
        if e.where:
            where = e.where
        elif comment:   # a COMMENT ON the manifest has no place for: at that statement's line
            where = self.locate(e.path, _name(comment.group(2)), kind=f"comment on {comment.group(1).lower()}",
                                table=_name(comment.group(3)) if comment.group(3) else None)
        elif len(parts) >= 2 and parts[0][0] == "table" and parts[-1][0] in _OWN_LINE:
            # a part of a table that a statement of its own may name (an index): at that statement's line
            where = self.locate(e.path, parts[-1][1], kind=_OWN_LINE[parts[-1][0]], table=parts[0][1])
        elif named and (not e.path[2:] or named[3]):   # `… "x" on table "t"`: an object of its own   # an object of its own: found by its kind and name (and table)
            kind = {"materialized view": "view", "row-level security": "table"}.get(named[1], named[1])
            where = self.locate(e.path, named[2], kind=kind.split()[-1], table=named[3])
        else:
            where = self.locate(e.path) if e.path else ""
        return " ".join(f"{where + ': ' if where else ''}{e.what + ': ' if e.what else ''}{e.reason}".split())

    def lines(self) -> list[str]:
        out = [self.counts()]
        out += [f"approximately: {self._line(e)}" for e in self.approx]
        out += [f"not mapped: {self._line(e)}" for e in self.unmapped]
        out += [f"left out: {self._line(e)}" for e in self.left_out]
        out += [f"warning: {self._line(e)}" for e in self.notes]
        out += [f"warning: {' '.join(w.split())}" for w in self.warnings]
        return out

    @property
    def strict_ok(self) -> bool:
        return not self.approx and not self.unmapped


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


def sqlite_portable(declared: str, strict: bool = False) -> tuple[str, str | None]:
    """(portable type, note when it is a guess) for a SQLite declared type (of a STRICT table's column)."""
    upper = sqlite_type_key(declared)
    if not upper:   # no declared type: BLOB affinity, each value kept as given; a manifest column has a type
        return "text", ("no declared type (SQLite keeps each value as given); read as text, which SQLite declares "
                        "TEXT (a number is then stored as text): give the column the type its values have")
    if strict and upper == "ANY":   # ANY has no affinity in a STRICT table (NUMERIC in any other)
        return "text", ("ANY in a STRICT table keeps each value as given (an integer stays an integer, a text a "
                        "text); read as text, which a STRICT table declares TEXT (a number is then refused): "
                        "give the column the type its values have")
    for rx, template, note in SQLITE_DECLARED:
        m = re.fullmatch(rx, upper)
        if m:
            return template.format(*m.groups()), note
    affinity = sqlite_affinity(upper)
    name = AFFINITY_TYPES[affinity]
    return name, f"{declared or 'no declared type'} has {affinity} affinity; read as {name}"


def _template(declared: str, portable: str) -> str | None:
    """The declared spelling as a sqlite.spell template ({length}, {precision}, {scale})."""
    ref = _typeref(portable)
    if not ref.args:
        return declared
    params = ref.row.params
    rx = r"\(\s*" + r"\s*,\s*".join(str(a) for a in ref.args) + r"\s*\)"
    out, n = re.subn(rx, "(" + ",".join("{" + p + "}" for p in params) + ")", declared)
    return out if n == 1 else None


@dataclass(frozen=True)
class _Domain:
    """A row of pg_extras' domains: a PostgreSQL domain, named by its schema (raw and as quote_ident spells
    both), whether a bare name reaches it on the reader's search_path, what its values are and hold, and whether
    the import lists it (the imported schema's own, or one its columns, defaults or checks use)."""
    schema: str
    name: str
    qschema: str
    qname: str
    visible: bool
    base: str
    check: str | None
    notnull: bool
    default: str | None
    collation: str | None
    listed: bool


class Importer:
    def __init__(self, catalog: Catalog, engine: str, schema: str | None = None, serials: str = "sequence"):
        self.cat, self.engine, self.schema = catalog, engine, schema
        # a serial key: "sequence" (as the database holds it) or "identity" (import --drizzle: the team's
        # serial() is the manifest's identity, as its generated files write it)
        self.serials = serials
        self.serial_keys: set[tuple[str, str]] = set()    # (table, column): a serial key kept with its sequence
        self.summary = Summary()
        self.summary.engine = engine
        self.spell: dict[str, str] = {}
        self.enums = dict(catalog.enums)
        self.rx = _reverse(engine)
        self.overrides: dict[tuple[str, str], str] = {}   # (table, column) -> engine type kept as is
        self.declared: dict[tuple[str, str], tuple[str, str, bool]] = {}   # SQLite: -> (portable, declared, strict)
        self.time_storage = "integer_ms"
        self.retyped: dict[tuple[str, str], str] = {}     # columns schemactl's own defaults identify
        self.absorbed: set[str] = set()                  # sequences of serial columns now identity columns (Drizzle)
        self.extras: dict = {}                            # PostgreSQL: pg_extras() of the schema
        self.foreign_tables: set[str] = set()             # tables of the source the manifest does not hold
        self._typed_cache: dict[tuple, tuple] = {}         # _typed_forms: (text, storage, compared) -> its form
        self._kinds: dict[tuple[str, str], tuple | None] = {}   # _numeric_forms: (type, storage) -> its kind
        self._names_of: tuple = (None, frozenset())        # _table_names(): of which tables, and their names
        self._enums_folded: tuple = (None, {})              # _own_enum(): of which enums, and them case-folded
        self._exact_of: dict[str, tuple] = {}               # _exact(): a spelling -> its portable type
        self._both_of: dict[tuple, tuple] = {}              # both(): (text, engine, key, extras) -> (extras, it)
        self._domain_read, self._domain_cache = None, ((), {})   # _domain_index(): of which extras, and it
        self._extension_read, self._extension_cache = None, {}    # _extension_columns(): of which extras, and it

    def _domains(self) -> tuple[_Domain, ...]:
        """pg_extras' domains (each with its schema), read once per import."""
        return self._domain_index()[0]

    def _domain_index(self) -> tuple[tuple[_Domain, ...], dict[tuple[str, str], tuple[_Domain, bool]]]:
        """(pg_extras' domains, (the domain, whether the column is an array of it) of each (table, column)
        declared with one), made once per extras."""
        if self._domain_read is not self.extras:
            domains = tuple(_Domain(*row) for row in self.extras.get("domains", ()))
            by_name = {(d.schema, d.name): d for d in domains}
            self._domain_read, self._domain_cache = self.extras, (domains, {
                (table, column): (by_name[(nsp, name)], bool(array)) for table, column, nsp, name, array in
                self.extras.get("column_domains", ()) if (nsp, name) in by_name})
        return self._domain_cache

    def _domain_label(self, d: _Domain) -> str:
        """A domain's name as the import lists it: with its schema unless it is the imported schema's own."""
        return d.name if d.schema == (self.schema or "public") else f"{d.schema}.{d.name}"

    def _column_domain(self, table: str, column: str) -> tuple[_Domain | None, bool]:
        """(the domain a column was declared with or an array of, whether it is the array), by the catalog's
        type oid, not by the name format_type shows: with --schema app, app.qty and a visible public.qty both
        read as qty."""
        return self._domain_index()[1].get((table, column), (None, False))

    def _extension_columns(self) -> dict[tuple[str, str], str]:
        """The extension (types.PG_EXTENSION_TYPES) of each (table, column) whose type, or array element type, is
        one of its types, created in public from an extension the server has (pg_extras' extension_types):
        generate creates that extension there, so the column is its type on PostgreSQL as written.  Made once per
        extras."""
        if self._extension_read is not self.extras:
            self._extension_read, self._extension_cache = self.extras, {
                (table, column): ext for table, column, typ, ext in self.extras.get("extension_types", ())
                if PG_EXTENSION_TYPES.get(typ) == ext}
        return self._extension_cache

    def _held_extensions(self) -> set[str]:
        """The extensions generate creates for the imported columns' types."""
        return set(self._extension_columns().values())

    def _held_extension_types(self) -> list[str]:
        """The types (PG_EXTENSION_TYPES) of the extensions generate creates: a cast to one stays on PostgreSQL."""
        held = self._held_extensions()
        return [typ for typ, ext in PG_EXTENSION_TYPES.items() if ext in held]

    def _pg_underlying(self, spelled: str, own_default: bool = True,
                       domain: _Domain | None = None) -> tuple[str, str]:
        """(the type a PostgreSQL column's values have, why that is only approximately the column's type): a
        domain (the column's own, ``domain``) reads as its base type, an extension's type as the built-in type it
        extends."""
        if domain is not None:
            d, dname, base = domain, self._domain_label(domain), domain.base
            kept = " and ".join(x for x in (d.check and f"its {d.check}", d.notnull and "its NOT NULL") if x)
            return base, (f"domain {dname} over {base}" + (f"; {kept} is not kept: add it to the column "
                                                            "as a check" if kept else "")
                          # a column without a default of its own takes the domain's
                          + (f"; its DEFAULT {d.default} is not kept: the column has no default (give it one)"
                             if d.default and not own_default else "")
                          + (f"; its COLLATE {d.collation} is not kept: the column compares by the database's "
                             "default collation" if d.collation else ""))
        bare = _SCHEMA_PREFIX.sub("", spelled.strip()).strip('"')
        if bare.lower() in EXTENSION_TYPES:
            base, note = EXTENSION_TYPES[bare.lower()]
            return base, note
        return spelled, ""

    def _domain_casts(self, sql: str) -> str:
        """``sql`` (as pg_get_expr shows it under the reader's search_path) with each cast to a domain made a cast
        to that domain's base type: ::other.qty is other.qty's, a bare ::qty the one visible on that path."""
        spelled = {}
        for d in self._domains():
            spelled[f"{d.qschema}.{d.qname}"] = d.base
            if d.visible:
                spelled.setdefault(d.qname, d.base)
        if not spelled:
            return sql
        names = "|".join(re.escape(k) for k in sorted(spelled, key=len, reverse=True))
        return re.sub(rf'::({names})(?![\w".])', lambda m: "::" + spelled[m.group(1)], sql)

    def both(self, sql: str, engine: str, key: bool = False) -> dict:
        """_both(), after casts to a domain or an extension type became casts to the type the column reads as
        (once per text for the schema's extras: a schema repeats its expressions; a copy, which the caller may
        change)."""
        memo = (sql, engine, key, id(self.extras))
        hit = self._both_of.get(memo)
        if hit is None or hit[0] is not self.extras:
            hit = self._both_of[memo] = (self.extras, self._both_in_schema(sql, engine, key))
        return dict(hit[1])

    def _both_in_schema(self, sql: str, engine: str, key: bool = False) -> dict:
        held = self._held_extension_types() if engine == "postgres" and sql and "::" in sql else []
        if engine == "postgres" and sql and "::" in sql:
            sql = self._domain_casts(sql)
            for name in EXTENSION_TYPES:
                if name in held:   # the manifest's DDL creates its extension: the cast stays
                    continue
                base = self._pg_underlying(name)[0]
                sql = re.sub(rf'::(?:(?:"[^"]+"|\w+)\.)?"?{re.escape(name)}"?(?![\w"])', f"::{base}", sql)
        out = _both(sql, engine, key)
        if engine == "postgres" and sql and "::" in sql and (self.enums or held):
            # 'value'::<enum> is the value itself on SQLite, where an enum is text (CAST to an unknown type name
            # would make it NUMERIC: 'BASIC' became 0 and a CHECK refused every row); so is a value of an
            # extension's type (citext, hstore's text form, an ltree[] array's), which SQLite keeps as text
            plain = sql
            for name in held:
                plain = re.sub(rf'::(?:(?:"[^"]+"|\w+)\.)?"?{re.escape(name)}"?(?:\[\])*(?![\w"\[])', "::text",
                               plain)
            for name in self.enums:
                plain = re.sub(rf"""('(?:[^']|'')*')::(?:(?:"[^"]+"|\w+)\.)?"?{re.escape(name)}"?(?![\w"])""",
                               r"\1", plain)
            if plain != sql:
                out["sqlite"] = _both(plain, engine)["sqlite"]
        return out

    def _exact(self, spelled: str):
        hit = self._exact_of.get(spelled)
        if hit is None:
            hit = self._exact_of[spelled] = self._exact_uncached(spelled)
        return hit

    def _exact_uncached(self, spelled: str):
        if spelled.endswith("[]"):   # a one-dimensional array of a portable type (the catalog has no more)
            name, args = self._exact(spelled[:-2])
            return (name + "[]", args) if name is not None and not name.endswith("[]") else (None, ())
        for rx, name in self.rx:
            m = rx.match(spelled)
            if m:
                return name, m.groups()
        return None, ()

    # -- types
    def portable(self, t: CTable, c: CColumn) -> str:
        path = ("tables", t.name, "columns", c.name)
        enum = self._own_enum(c.type)   # catalog types compare case-folded
        if enum is not None:
            return enum
        if (t.name, c.name) in self.retyped:
            typ = self.retyped[(t.name, c.name)]
        elif self.engine == "sqlite":
            typ, note = sqlite_portable(c.type, "strict" in t.options)
            if note:
                self.summary.approximate(path, f"{c.type} -> {typ} ({note})")
        else:
            domain, array = self._column_domain(t.name, c.name)
            if domain is None and pg_extension(c.type) is not None and \
                    pg_extension(c.type) == self._extension_columns().get((t.name, c.name)):
                # a trusted extension's type (citext, hstore, ltree[]): kept as a hand-written manifest declares
                # it, whose DDL creates the extension (in public, where the catalog shows the type so)
                self.overrides[(t.name, c.name)] = c.type
                return "text"
            spelled, why = self._pg_underlying(c.type, c.default is not None, domain)
            shown = self._domain_label(domain) if domain else c.type   # app's qty and public's both show as qty
            if array:   # an array of a domain: of the domain's base type (the manifest has no domains)
                spelled, shown = f"{spelled}[]", f"{shown}[]"
            timed = re.fullmatch(r"(timestamp|time)\((\d)\) (with|without) time zone(\[\])?", spelled)
            if timed:   # Rails writes timestamp(6): PostgreSQL's own precision, microseconds (an array's too)
                typ = {("timestamp", "with"): "timestamptz", ("timestamp", "without"): "timestamp"}.get(
                    (timed[1], timed[3]), "time")
                if timed[1] == "time" and timed[3] == "with":
                    typ = None
                if typ is not None:
                    typ += timed[4] or ""
                    p = int(timed[2])
                    self.summary.approximate(path, f"{shown} -> {typ} (" + (
                        "the same values: PostgreSQL keeps microseconds either way; the precision is not written"
                        if p == 6 else f"PostgreSQL rounded the values to {p} fractional digits; {typ} keeps "
                        "microseconds") + (f"; {why}" if why else "") + ")")
                    return typ
            name, args = self._exact(spelled)
            if name is not None:
                elem, array = name.removesuffix("[]"), "[]" if name.endswith("[]") else ""
                typ = (f"{elem}({','.join(args)})" if args else elem) + array
                if why:
                    self.summary.approximate(path, f"{shown} -> {typ} ({why})")
                return typ
            enum = self._own_enum(pg_unquote(spelled)) if domain else None
            if enum is not None:   # a domain over the schema's own enum: that enum
                self.summary.approximate(path, f"{shown} -> {enum} ({why})")
                return enum
            if why:   # a domain over a type without a portable form: that type, kept for PostgreSQL
                spelled = _pg_type_spelling(spelled)
                self.summary.approximate(path, f"{shown} -> {spelled} ({why}), which has no portable type: text "
                                               f"on SQLite, postgres_type: {spelled} on PostgreSQL")
                self.overrides[(t.name, c.name)] = spelled
                return "text"
            note = PG_OWN_TYPE_NOTES.get(c.type.split("[", 1)[0].strip().lower())
            # an array of the manifest's own enum, by the enum's name (the catalog's spelling is case-folded:
            # "OrderStatus"[] reads as "orderstatus"[], a type PostgreSQL does not have)
            own = self._own_enum(pg_unquote(c.type.removesuffix("[]"))) if c.type.endswith("[]") else None
            kept = f"{quote_name(own)}[]" if own is not None else _pg_type_spelling(c.type)
            self.summary.approximate(path, f"{kept} has no portable type: text on SQLite, postgres_type: "
                                           f"{kept} on PostgreSQL" + (f" ({note})" if note else ""))
            self.overrides[(t.name, c.name)] = kept
            return "text"
        if self.engine == "sqlite":
            self.declared[(t.name, c.name)] = (typ, c.type, "strict" in t.options)
        return typ

    def _collation_review(self, path: tuple, shown: str | None, both: dict, prefix: str = "",
                          what: str | None = None) -> None:
        """A SQLite expression that compares by a collation PostgreSQL lacks, listed with PostgreSQL's reading."""
        if self.engine == "sqlite" and _SQLITE_COLLATION.search(shown or ""):
            self.summary.approximate(path, f"{prefix}{shown}: PostgreSQL has no such collation; there the comparison "
                                           f"is {both['postgres']} (lower() folds every letter, NOCASE ASCII letters "
                                           "only): review it", what)

    def _collated_fk_targets(self, tables: dict) -> None:
        """A foreign key to columns whose only unique key compares by a collation (e TEXT COLLATE NOCASE
        UNIQUE: a unique index over e COLLATE NOCASE, lower(e) on PostgreSQL), which no foreign key can
        reference there: the columns get a unique constraint of their own too (unique by NOCASE is unique)."""
        collated: dict[tuple[str, frozenset], str] = {}
        for t in self.cat.tables:
            for i in t.indexes:   # keys that are columns, at least one of them compared by a collation
                names = [k if isinstance(k, str) else _collation_of_key(shown)
                         for (k, _), shown in zip(i.columns, i.shown_columns or ("",) * len(i.columns))]
                if i.unique and i.where is None and names and all(names) and \
                        any(not isinstance(k, str) for k, _ in i.columns):
                    collated[(t.name, frozenset(names))] = i.name
        for t in self.cat.tables:
            for f in t.foreign_keys:   # (in any order: PostgreSQL references a key by its set of columns)
                spec = tables.get(f.ref_table)
                index = collated.get((f.ref_table, frozenset(f.ref_columns)))
                if spec is None or index is None or t.name not in tables:
                    continue
                keys = [tuple(spec.get("primary_key", {}).get("columns", ()))] + [
                    tuple(u["columns"] if isinstance(u, dict) else u) for u in spec.get("unique", ())]
                if any(set(k) == set(f.ref_columns) for k in keys) or (len(f.ref_columns) == 1 and (
                        spec["columns"].get(f.ref_columns[0], {}).get("primary_key"))):
                    continue
                spec.setdefault("unique", []).append(list(f.ref_columns))
                self.summary.approximate(("tables", f.ref_table), (
                    f"unique ({', '.join(f.ref_columns)}) added beside the unique index {index}, which compares by "
                    f"a collation: the foreign key {f.name or ''} of {t.name} references these columns, and "
                    "PostgreSQL references only a key on the columns themselves (diff against this database "
                    "reports it: SC311)").replace("  ", " "),
                    what=f'table "{f.ref_table}", unique ({", ".join(f.ref_columns)})')

    def _spellings(self, tables: dict) -> None:
        """SQLite spellings the registry does not write: manifest-wide (sqlite.spell) where every column of
        a type is spelled alike, per column (sqlite_type) where only some are."""
        from .types import spelling
        groups: dict[str, list] = {}
        for (table, col), (typ, declared, strict) in self.declared.items():
            spec = tables.get(table, {}).get("columns", {}).get(col)
            if spec is None or not declared.strip():   # no declared type: the portable type's spelling (listed)
                continue
            typ = spec["type"]
            ref = _typeref(typ)
            if spec.get("identity"):
                continue
            if strict:   # STRICT tables: the registry's storage class; anything else per column
                if declared != sqlite_type_key(spelling(ref.row.sqlite_strict, ref, self.time_storage)):
                    spec["sqlite_type"] = declared
                continue
            wanted = sqlite_type_key(spelling(ref.row.sqlite, ref, self.time_storage))
            groups.setdefault(ref.name, []).append((spec, declared, declared == wanted, _template(declared, typ)))
        for name, members in groups.items():
            if all(ok for _, _, ok, _ in members):
                continue
            templates = {tpl for _, _, _, tpl in members}
            if len(templates) == 1 and None not in templates:
                self.spell[name] = templates.pop()
                continue
            for spec, declared, ok, _ in members:
                if not ok:
                    spec["sqlite_type"] = declared

    # -- defaults
    def default(self, t: CTable, c: CColumn, typ: str):
        if c.default is None or c.identity:
            return None
        path = ("tables", t.name, "columns", c.name, "default")
        called = _nextval(c.default)
        if called is not None and called[0] != (self.schema or "public"):
            seq = f"{quote_name(called[0])}.{quote_name(called[1])}"
            self.summary.not_mapped(path, f"{c.default}: numbered by sequence {seq}, of another schema than the "
                                          f"one imported ({self.schema or 'public'}), and a manifest's sequences "
                                          "are its own schema's: move the sequence (ALTER SEQUENCE "
                                          f"{seq} SET SCHEMA {quote_name(self.schema or 'public')}) and import "
                                          "again, or make the column an identity column")
            return None
        if called is not None and called[1] in {s.name for s in self.cat.sequences}:
            return {"nextval": called[1]}
        ref = TypeRef("enum", (), typ) if typ in self.enums else _typeref(typ)
        kind = "enum" if ref.enum else ref.row.value
        key = default_key(c.default, self.engine, kind)
        # a clock rounded by a cast ((now())::timestamp(0) …) reads as now(): not the portable function (which
        # does not round), written below for each engine and listed
        rounded = self.engine == "postgres" and kind in literals.CLOCK_SQLITE and _CLOCK_PRECISION.search(c.default)
        for fn, kinds in literals.FUNCTIONS.items():
            if kind in kinds and not (rounded and fn == "now"):
                for ts in ((self.time_storage,) if kind == "timestamptz" else ("integer_ms",)):
                    sql = literals.function_sql(fn, ref, self.engine, ts)
                    if key == default_key(sql, self.engine, kind):
                        return {"fn": fn}
                for sql in literals.FUNCTION_ALIASES.get(fn, {}).get(kind, {}).get(self.engine, ()):
                    if key == default_key(sql, self.engine, kind):
                        shown = literals.function_sql(fn, ref, self.engine, self.time_storage)
                        self.summary.approximate(path, f"{c.default} -> {{fn: {fn}}} ({shown} on {self.engine}, "
                                                       "the same value)")
                        return {"fn": fn}
        if key and key.startswith("lit:") and ref.name == "json" and not ref.array:
            written = _json_text_as_written(c.default)
            if written is not None and written != _canonical_json(written):
                # json (not jsonb) keeps its text as written: key order, spaces, repeated keys; a JSON value
                # would be written back in its canonical form, another default
                return {"sql": {"postgres": f"{sql_string(written)}::json", "sqlite": sql_string(written)}}
        if key and key.startswith("lit:"):
            value = key[4:]
            try:
                return _literal(value, kind, ref, self.enums.get(typ, ()))
            except (literals.LiteralError, ValueError, TypeError):
                if self.engine == "postgres" and kind in literals.CLOCK_SQLITE:
                    # 'infinity'::timestamptz: sqlglot's CAST('infinity' AS TIMESTAMPTZ) is 0 on SQLite (1970)
                    self.summary.not_mapped(path, f"{c.default} is a value SQLite's {kind} cannot hold (infinity, "
                                                  "a date BC or past the year 9999; copy refuses them too); left "
                                                  "out: declare the default for each engine by hand (default: "
                                                  "{sql: {postgres: …, sqlite: …}})")
                    return None
                # not a literal of this type: kept as SQL below
        stored = _sqlite_constant(c.default, c.type) if self.engine == "sqlite" else None
        if stored is not None:
            try:
                value = _literal(stored, kind, ref, self.enums.get(typ, ()))
            except (literals.LiteralError, ValueError, TypeError):
                value = None
            if value is not None:
                self.summary.approximate(path, f"{c.default} does arithmetic on text, which PostgreSQL refuses: "
                                               f"SQLite stores {stored!r} in this column; written as that value")
                return value
        for equivalent, note in literals.EQUIVALENT_DEFAULTS:
            mine = equivalent.get(self.engine)
            if mine is not None and key == default_key(mine, self.engine, kind):
                self.summary.approximate(path, f"{c.default} has no portable form; {note}")
                return {"sql": {e: (c.default if e == self.engine else equivalent[e]) for e in ("postgres", "sqlite")}}
        if self.engine == "postgres" and kind in literals.CLOCK_SQLITE:
            from .clockshift import clock_default
            sqlite, clock = clock_default(c.default, kind, self.time_storage)
            if clock and sqlite is None:   # sqlglot's reading would be text arithmetic on SQLite: a wrong value
                self.summary.not_mapped(path, f"{c.default} reads the clock in a form schemactl cannot write with "
                                              "SQLite's date functions; left out: declare the default for each "
                                              "engine by hand (default: {sql: {postgres: …, sqlite: …}})")
                return None
            if clock:
                rounded = _CLOCK_PRECISION.search(c.default)
                rounded = (f"; PostgreSQL rounds the clock to {rounded.group(1)} fractional digits, SQLite's "
                           f"{_SQLITE_CLOCK_DIGITS.get(kind if kind != 'timestamptz' else self.time_storage, 'own')}"
                           ) if rounded else ""
                self.summary.approximate(path, f"{c.default} -> {sqlite} on SQLite, which counts days in UTC and "
                                               "rolls a month over past its last day (PostgreSQL: the session's "
                                               f"time zone, the month's last day{rounded}); review it")
                return {"sql": {"postgres": c.default, "sqlite": sqlite}}
        special = _PG_NAN_OR_INFINITY.fullmatch(c.default.strip()) if self.engine == "postgres" else None
        if special and ("nan" in c.default.lower() or special.group(1).strip() not in ("double precision", "real")):
            # SQLite has no NaN (it stores NULL) and no infinite numeric; CAST('NaN' AS REAL) is 0.0 there
            self.summary.not_mapped(path, f"{c.default} is a value SQLite cannot hold (it has no NaN, and keeps "
                                          "numeric as text); left out: declare the default for each engine by hand "
                                          "(default: {sql: {postgres: …, sqlite: …}})")
            return None
        both = self.both(c.default, self.engine)
        self.summary.approximate(path, f"{c.default} kept as {self.engine} SQL, read by sqlglot for the other engine; "
                                       "review it")
        return {"sql": both}

    def _schemactl_columns(self) -> None:
        """Columns schemactl itself wrote on SQLite: Unix-ms or ISO now() defaults are timestamptz, the
        randomblob() UUID default is uuid."""
        if self.engine != "sqlite":
            return
        found: dict[tuple[str, str], str] = {}
        for t in self.cat.tables:
            for c in t.columns:
                if c.default is None:
                    continue
                for ts, kind in (("integer_ms", "int64"), ("iso_text", "text")):
                    sql = literals.function_sql("now", TypeRef("timestamptz"), "sqlite", ts)
                    if default_key(c.default, "sqlite", kind) == default_key(sql, "sqlite", kind):
                        found[(t.name, c.name)] = ts
                if sqlite_portable(c.type)[0] == "text":   # STRICT TEXT with CURRENT_DATE & co: a date/time
                    for typ in ("date", "time", "timestamp"):
                        sql = literals.function_sql("now", TypeRef(typ), "sqlite", "integer_ms")
                        if default_key(c.default, "sqlite", "text") == default_key(sql, "sqlite", "text"):
                            self.retyped[(t.name, c.name)] = typ
                uuid_sql = literals.function_sql("uuid", TypeRef("uuid"), "sqlite", "integer_ms")
                if default_key(c.default, "sqlite", "uuid") == default_key(uuid_sql, "sqlite", "uuid"):
                    self.retyped[(t.name, c.name)] = "uuid"
        refs = [(t.name, mine, f.ref_table, theirs) for t in self.cat.tables for f in t.foreign_keys
                for mine, theirs in zip(f.columns, f.ref_columns)]
        if found:   # one storage convention per manifest: the one most of these columns use
            counts = {ts: list(found.values()).count(ts) for ts in set(found.values())}
            self.time_storage = max(sorted(counts), key=counts.get)
            self.retyped.update({k: "timestamptz" for k, ts in found.items() if ts == self.time_storage})
        changed = True
        while changed:   # a column that references one of these has its type
            changed = False
            for table, mine, ref_table, theirs in refs:
                if (ref_table, theirs) in self.retyped and (table, mine) not in self.retyped:
                    self.retyped[(table, mine)] = self.retyped[(ref_table, theirs)]
                    changed = True

    # -- tables
    def table(self, t: CTable) -> dict:
        cols = {}
        pk = t.primary_key.columns if t.primary_key else ()
        own = {n.lower() for n, _ in self.extras.get("functions", ())}
        left_out = set()
        for c in t.columns:
            calls = sorted({f.lower() for f in re.findall(r'"?(\w+)"?\s*\(', c.shown_generated)} & own) \
                if c.shown_generated else []
            lacks = _sqlite_lacks(self.both(c.shown_generated, self.engine)["sqlite"]) \
                if c.generated is not None and self.engine == "postgres" and not calls else []
            if c.generated is not None and (calls or lacks):   # SQLite could not create the table
                self.summary.not_mapped(("tables", t.name, "columns", c.name), (
                    f"generated by {c.shown_generated}, which calls {', '.join(x + '()' for x in calls)}, a function "
                    f"of this database that {_other(self.engine)} does not have" if calls else
                    f"generated by {c.shown_generated}; SQLite has no function {', '.join(x + '()' for x in lacks)}"
                ) + "; left out with the indexes on it: write the column with an expression for each engine by hand")
                left_out.add(c.name)
                continue
            if c.generated is not None and self.engine == "sqlite":
                pg = self.both(c.shown_generated, self.engine)["postgres"]
                if re.search(r"\b(?:TO_CHAR|NOW|CURRENT_\w+)\s*\(|\bAS\s+(?:TIMESTAMP|TIMESTAMPTZ|DATE|TIME)\b", pg,
                             re.I):   # reads text as a date/time (depends on the session): PostgreSQL refuses it
                    self.summary.not_mapped(("tables", t.name, "columns", c.name), (
                        f"generated by {c.shown_generated}; sqlglot's reading for PostgreSQL, {pg}, is not immutable, "
                        "which PostgreSQL requires of a generated column; left out with the indexes on it: write "
                        "the column with an expression for each engine by hand"))
                    left_out.add(c.name)
                    continue
            typ = self.portable(t, c)
            spec: dict = {"type": typ}
            if (t.name, c.name) in self.overrides:
                spec[f"{self.engine}_type"] = self._in_own_schema(self.overrides[(t.name, c.name)])
            if c.name in pk and len(pk) == 1 and (t.primary_key.name in (None, f"{t.name}_pkey")):
                spec["primary_key"] = True
            if c.identity:
                spec["identity"] = True
                self._identity_options(t, c)
            elif (t.name, c.name) in self.serial_keys and typ != "integer":
                spec["sqlite_type"] = "INTEGER"   # SQLite's row id: the spelling that makes the key number itself
            elif self.engine == "sqlite" and sqlite_rowid_alias(pk, c.name, c.type, "without_rowid" in t.options):
                self.summary.note(("tables", t.name, "columns", c.name), (
                    f"{c.type} PRIMARY KEY: SQLite fills it from the row id when an INSERT leaves it out, "
                    "PostgreSQL does not; add identity: true if the application relies on that (SQLite then "
                    "numbers it with AUTOINCREMENT, never reusing a deleted row's id)"))
            if not c.nullable and not (spec.get("primary_key") or c.identity):
                spec["nullable"] = False
            if c.shown_collation:   # SQLite (PostgreSQL's are listed by pg_extras' "beyond")
                self.summary.approximate(("tables", t.name, "columns", c.name), (
                    f"COLLATE {c.shown_collation} left out: the column compares by BINARY on SQLite and the "
                    "database's default collation on PostgreSQL (a UNIQUE key or index on it keeps its collation; "
                    "a primary key compares by BINARY)"))
            if c.generated is not None:   # as this engine wrote it, and sqlglot's reading for the other
                spec["generated"] = {"expr": self.both(c.shown_generated, self.engine)}
                cast = {"double": "double precision"}.get(typ, typ)
                if self.engine == "sqlite" and re.fullmatch(r"boolean|smallint|integer|bigint|real|double|numeric"
                                                            r"(\(\d+(,\d+)?\))?|jsonb?", typ):
                    # SQLite's value has the column's affinity; PostgreSQL's reading (->> text) needs the cast
                    spec["generated"]["expr"]["postgres"] = f'CAST(({spec["generated"]["expr"]["postgres"]}) AS {cast})'
                forms = {re.sub(r"\s+", "", x).lower() for x in spec["generated"]["expr"].values()}
                if len(forms) > 1:
                    self.summary.approximate(("tables", t.name, "columns", c.name, "generated"), (
                        f"{c.shown_generated} kept as {self.engine} SQL; {_other(self.engine)}: "
                        f"{spec['generated']['expr'][_other(self.engine)]}, sqlglot's reading: review it"))
                if c.stored and self.engine == "sqlite":   # PostgreSQL 15 stores every generated column
                    spec["generated"]["stored"] = True
            d = self.default(t, c, typ)
            if d is not None:
                spec["default"] = d
            cols[c.name] = spec
        for c in t.columns:   # PostgreSQL's COMMENT ON (the catalog's; SQLite keeps none)
            if c.comment is not None and c.name in cols:
                cols[c.name]["comment"] = c.comment
        out: dict = {"columns": cols}
        if t.comment is not None:
            out["comment"] = t.comment
        if pk and not any(s.get("primary_key") for s in cols.values()):
            out["primary_key"] = {"name": t.primary_key.name, "columns": list(pk)} \
                if t.primary_key.name not in (None, f"{t.name}_pkey") else list(pk)
        if t.uniques:
            out["unique"] = [{"name": u.name, "columns": list(u.columns)} if u.name else list(u.columns)
                             for u in t.uniques]
        if t.foreign_keys:
            fks = []
            own = self._table_names()
            for f in t.foreign_keys:
                if f.ref_table not in own and self.engine == "sqlite":   # SQLite keeps a key to any name
                    self.summary.not_mapped(("tables", t.name), (
                        f"references {f.ref_table}, which the database does not hold (SQLite keeps such a key "
                        "and, with foreign_keys on, refuses every write to the table); create that table or drop the key"),
                        what=f'table "{t.name}", foreign key ({", ".join(f.columns)})')
                    continue
                if f.ref_table not in own:   # introspect names a table of another schema with its schema
                    self.summary.not_mapped(("tables", t.name), (
                        f"references {f.ref_table}, a table of another PostgreSQL schema; a manifest holds one "
                        "schema: keep the key in the application's migrations"),
                        what=f'table "{t.name}", foreign key "{f.name}"')
                    continue
                fk: dict = {"columns": list(f.columns), "references": {"table": f.ref_table,
                                                                       "columns": list(f.ref_columns)}}
                if f.name:
                    fk = {"name": f.name, **fk}
                if f.on_delete != "no action":
                    fk["on_delete"] = f.on_delete
                if f.on_update != "no action":
                    fk["on_update"] = f.on_update
                if f.deferrable:
                    fk["deferrable"] = True if f.deferrable == "immediate" else f.deferrable
                fks.append(fk)
            if fks:
                out["foreign_keys"] = fks
        for name, spec in cols.items():   # a generated column's comparisons of numeric columns, as a CHECK's
            if "generated" in spec:
                spec["generated"]["expr"] = self._numeric_forms(spec["generated"]["expr"], cols, (
                    "tables", t.name, "columns", name, "generated"))
        # the kinds whose constants SQLite compares as stored (typedconst), an enum's by its members
        compared = {n: self.enums[sp["type"]] if sp["type"] in self.enums else base for n, sp in cols.items()
                    if (base := _WORD.match(sp["type"]).group(0)) in COMPARED or sp["type"] in self.enums}
        timed = [n for n, kind in compared.items() if kind in TIMED]
        checks = []
        for ck in t.checks:
            foreign = self._other_schemas_named(ck.shown)
            if foreign:
                self.summary.not_mapped(("tables", t.name), self._other_schemas_why(foreign, "CHECK"),
                                        what=f'table "{t.name}", check "{ck.name}"')
                continue
            checks.append(ck)
        if checks:
            out["checks"] = [{"name": ck.name, "expr": self.both(ck.shown, self.engine)} if ck.name else
                             {"expr": self.both(ck.shown, self.engine)} for ck in checks]
            for n, ck in enumerate(checks):
                self._collation_review(("tables", t.name, "checks", n), ck.shown, out["checks"][n]["expr"])
                expr, why = self._typed_forms(out["checks"][n]["expr"], compared)
                out["checks"][n]["expr"] = self._numeric_forms(expr, cols, ("tables", t.name, "checks", n))
                if why:
                    self.summary.approximate(("tables", t.name, "checks", n), f"kept for {self.engine} only: {why}")
        if t.indexes:
            idx = []
            ext_ops = dict(self.extras.get("extension_opclasses", ()))
            ext_ops.update({o: ext for _, _, o, ext in self.extras.get("extension_default_opclasses", ())})
            for i in t.indexes:
                gone = sorted(x for n, (k, _) in enumerate(i.columns) for x in left_out
                              if k == x or not isinstance(k, str) and re.search(
                                  rf'(?<![\w$])"?{re.escape(x)}"?(?![\w$])', (i.shown_columns or ("",) * len(
                                      i.columns))[n], re.I)) + ([x for x in left_out if re.search(
                                          rf'(?<![\w$])"?{re.escape(x)}"?(?![\w$])', i.shown_where or "", re.I)])
                if gone:
                    self.summary.not_mapped(("tables", t.name), f"reads column {gone[0]}, which is left out (listed)",
                                            what=f'table "{t.name}", index "{i.name}"')
                    continue
                ops = sorted({o for o in i.opclasses if o in ext_ops} | {   # the type's default one, too
                    o for table, name, o, _ in self.extras.get("extension_default_opclasses", ())
                    if (table, name) == (t.name, i.name)})
                ops = [o for o in ops if ext_ops[o] not in self._held_extensions()]   # unless the DDL creates it
                if ops:   # the generated DDL would need CREATE EXTENSION, which the manifest does not hold
                    self.summary.not_mapped(("tables", t.name), f"operator class {', '.join(ops)} comes from the "
                                            f"{ext_ops[ops[0]]} extension, which the manifest does not create; keep "
                                            "the index in the application's migrations",
                                            what=f'table "{t.name}", index "{i.name}"')
                    continue
                foreign = self._other_schemas_named(*(i.shown_columns or ()), i.shown_where)
                if foreign:
                    self.summary.not_mapped(("tables", t.name), self._other_schemas_why(foreign, "index"),
                                            what=f'table "{t.name}", index "{i.name}"')
                    continue
                spec = {"name": i.name, "columns": [self.index_key(i, n) for n in range(len(i.columns))]}
                if i.method != "btree":
                    spec["method"] = i.method
                if i.method != "btree" or i.opclasses:    # PostgreSQL-only (the manifest's rule)
                    spec["engines"] = [self.engine]
                if self.engine == "sqlite" and any(
                        not isinstance(k, str) and "'" in shown and any(re.search(
                            rf'(?<![\w$])"?{re.escape(x)}"?(?![\w$])', shown, re.I) for x in timed)
                        for (k, _), shown in zip(i.columns, i.shown_columns or ("",) * len(i.columns))):
                    spec["engines"] = ["sqlite"]   # PostgreSQL types the text by the column and shows another one
                    self.summary.approximate(("tables", t.name), "an expression key compares a date/time column with "
                                             "text, which PostgreSQL reads (and shows) as a value of the column's "
                                             "type: kept on SQLite only; write its PostgreSQL form by hand",
                                             what=f'table "{t.name}", index "{i.name}"')
                collated = [shown for (k, _), shown in zip(i.columns, i.shown_columns or ("",) * len(i.columns))
                            if not isinstance(k, str) and _SQLITE_COLLATION.search(shown)]
                if self.engine == "sqlite" and collated:
                    self.summary.approximate(("tables", t.name), (
                        f"key {collated[0]}: PostgreSQL has no such collation; there the key is "
                        "lower(…) for NOCASE (which folds ASCII letters only; lower() folds every letter) and "
                        "rtrim(…) for RTRIM: review it"), what=f'table "{t.name}", index "{i.name}"')
                if i.unique:
                    spec["unique"] = True
                if i.where:  # as this engine wrote it, and sqlglot's reading for the other (checked on load)
                    both = self.both(i.shown_where, self.engine)
                    spec["where"], why = self._typed_forms(both, compared)
                    spec["where"] = self._numeric_forms(spec["where"], cols, ("tables", t.name),
                                                        f'table "{t.name}", index "{i.name}", where')
                    if why:   # the manifest's WHERE names both engines' predicates; the index is this engine's
                        spec["where"], spec["engines"] = both, [self.engine]
                        self.summary.approximate(("tables", t.name), f"kept on {self.engine} only: WHERE {why}",
                                                 what=f'table "{t.name}", index "{i.name}"')
                    self._collation_review(("tables", t.name), i.shown_where, spec["where"], "WHERE ",
                                           f'table "{t.name}", index "{i.name}"')
                idx.append(spec)
            if idx:
                out["indexes"] = idx
        options = {o: True for o in t.options if not o.startswith("on_conflict ")}
        for o in t.options:
            if o.startswith("on_conflict "):
                clauses = o.split(" ", 1)[1]
                what = "replaced or skipped rows" if set(clauses.split(", ")) <= {"replace", "ignore"} else \
                    "resolved the conflict otherwise (REPLACE and IGNORE go on, ROLLBACK ends the transaction, FAIL " \
                    "keeps the statement's earlier rows)"
                self.summary.approximate(("tables", t.name), f"ON CONFLICT {clauses.upper()} left out: a statement "
                                         f"that breaks the constraint fails, where SQLite {what} (the manifest's "
                                         "constraints abort)")
        if self.engine == "sqlite" and not (t.options and set(t.options) & {"strict", "without_rowid"}) and any(
                c.nullable and c.name in pk for c in t.columns):
            options["primary_key_not_null"] = False   # this table's keys were declared without NOT NULL
        if options:
            out["sqlite"] = options
        return out

    def _numeric_forms(self, both: dict, cols: dict, path: tuple, what: str | None = None) -> dict:
        """``both`` with SQLite's form comparing a numeric column as a number (CAST(price AS REAL)) where
        PostgreSQL compares numbers and SQLite, which holds numeric as TEXT, would compare text: ROUND(price) =
        price held for no row there ('6.0' is not '6.00'), price > 5 for no price of 10 or more ('10.00' < '5')."""
        if self.engine != "postgres" or not both.get("sqlite"):
            return both
        from .manifest.enginediff import numeric_comparisons
        from .types import spelling
        kinds = {}
        text = both["postgres"]
        for name, spec in cols.items():
            # (a column the server's text does not spell is no column it reads: not judged)
            if name not in text or "postgres_type" in spec or spec["type"].endswith("[]") or \
                    spec["type"] in self.enums:
                continue
            key = (spec["type"], self.time_storage)
            if key not in self._kinds:   # (once per type: a table's checks each ask)
                try:
                    ref = _typeref(spec["type"])
                    self._kinds[key] = (ref.row.value, sqlite_affinity(spelling(ref.row.sqlite, ref,
                                                                                self.time_storage)))
                except Exception:  # noqa: BLE001 -- a type the registry does not read: not judged
                    self._kinds[key] = None
            if self._kinds[key] is not None:
                kinds[name] = self._kinds[key]
        numeric = {n for n, k in kinds.items() if k == ("numeric", "TEXT")}
        if not numeric or not numeric_comparisons(both["postgres"], kinds):
            return both
        import sqlglot
        try:
            tree = _read(both["sqlite"], "sqlite")
        except Exception:  # noqa: BLE001 -- not read: as it was (validate's warning stands)
            return both
        tree = tree.transform(lambda x: sqlglot.exp.cast(x.copy(), "double") if isinstance(
            x, sqlglot.exp.Column) and not x.table and x.name in numeric else x)
        sqlite = tree.sql(dialect="sqlite")
        self.summary.approximate(path, f"{both['postgres']} compares numbers; SQLite, which holds numeric as TEXT, "
                                       f"would compare text: written there as {sqlite} (a double: the same up to "
                                       "15 significant digits)", what=what)
        return {**both, "sqlite": sqlite}

    def _table_names(self) -> frozenset:
        """The catalog's table names (read once for each set of tables, not once for each table)."""
        if self._names_of[0] is not self.cat.tables:
            self._names_of = (self.cat.tables, frozenset(x.name for x in self.cat.tables))
        return self._names_of[1]

    def _own_enum(self, name: str) -> str | None:
        """The manifest's enum of that name as the catalog spells it (case-folded), or None."""
        if self._enums_folded[0] != tuple(self.enums):   # (made again only when the enums change)
            self._enums_folded = (tuple(self.enums), {e.lower(): e for e in self.enums})
        return self._enums_folded[1].get(name.lower())

    def _other_schema_names(self) -> set[str]:
        """The database's schemas other than the imported one, case-folded."""
        return {n.lower() for (n,) in self.extras.get("schemas", ())} - {(self.schema or "public").lower()}

    def _other_schemas_named(self, *sqls) -> list[str]:
        """The other schemas of this database that PostgreSQL expressions name (util.slugify(title)), as the
        manifest writes them (a cast to a domain or an extension's type is one to its base type): the generated
        DDL would name what the manifest, which holds one schema, does not create."""
        if self.engine != "postgres":
            return []
        other = self._other_schema_names()
        if not other:   # (the database has no other schema: nothing to look for)
            return []
        return sorted({q for sql in sqls if sql for q in _qualifiers(re.sub(
            r"'(?:[^']|'')*'", "''", self.both(sql, "postgres")["postgres"])) if q.lower() in other})

    def _other_schemas_read(self, sql: str) -> list[str]:
        """The other schemas a view's query reads a table of (FROM util.countries), calls a function of or casts to
        a type of; a table's own name before a column (countries.name) is no schema."""
        if self.engine != "postgres":
            return []
        import sqlglot
        text = re.sub(r"'(?:[^']|'')*'", "''", sql)
        try:
            named = {t.db for t in _read(sql, "postgres").find_all(sqlglot.exp.Table) if t.db}
        except Exception:  # noqa: BLE001 -- sqlglot cannot read it: every qualifier counts
            named = _qualifiers(text)
        named |= set(re.findall(rf'(?<![\w."])"?(\w+)"?\.{_IDENT}\s*\(', text))   # util.f(…)
        named |= set(re.findall(r'::\s*"?(\w+)"?\.', text))                      # ::util.color
        other = self._other_schema_names()
        return sorted(q for q in named if q.lower() in other)

    @staticmethod
    def _other_schemas_why(schemas: list[str], what: str) -> str:
        return (f"names schema {', '.join(schemas)}, which the manifest (one schema) does not hold; keep the {what} "
                "in the application's migrations")

    def _typed_forms(self, both: dict, compared: dict) -> tuple[dict, str | None]:
        """(``both`` of an expression with the other engine's reading of the constants it compares with
        ``compared`` columns (typedconst, per engine imported from: _TYPED_FORMS); why the other engine has no
        such form, or None: where there is a why, ``both`` holds this engine's expression alone.)"""
        engine, text = self.engine, both[self.engine]
        may, rewrite, other = _TYPED_FORMS[engine]
        if not may(text, compared):
            return both, None
        # a schema repeats its CHECKs and predicates over tables of the same columns: read each once
        key = (text, self.time_storage, tuple((n, tuple(k) if isinstance(k, list) else k) for n, k in compared.items()))
        found = self._typed_cache.get(key)
        if found is None:
            found = self._typed_cache[key] = self._typed_form(text, compared)
        form, why = found
        if why:
            return {engine: text}, f"{ENGINE_NAMES[_other(engine)]} has no form of {text}: {why}"
        return ({**both, _other(engine): form}, None) if form is not None else (both, None)

    def _typed_form(self, text: str, compared: dict) -> tuple[str | None, str | None]:
        """(the other engine's text where the rewrite changed the expression, else None; why it has none)."""
        engine = self.engine
        _, rewrite, other = _TYPED_FORMS[engine]
        try:
            tree = _read(text, engine)
        except Exception:  # noqa: BLE001 -- sqlglot cannot read it: left as _both wrote it (and flagged there)
            return None, None
        try:
            tree, changed, why = rewrite(tree, compared, self.time_storage)
        except ValueError as exc:
            changed, why = False, str(exc)
        if why:
            return None, why
        return (other(self, tree) if changed else None), None

    def trigger(self, tr) -> tuple[dict | None, str]:
        """A trigger as the manifest holds it, or (None, why not).  The one place where triggers map:
        engine-specific functions and trigger bodies plug in here when the model holds them."""
        from . import sqlexpr
        events = tr.event.split(" or ")
        if not tr.event.strip():   # only TRUNCATE (the catalog query reads insert, update and delete)
            return None, ("fires on TRUNCATE, and a manifest trigger fires on INSERT, UPDATE or DELETE; keep it in "
                          "the application's migrations")
        spec: dict = {"table": tr.table, "timing": tr.timing, "on": events if len(events) > 1 else tr.event}
        if tr.each != "row":
            spec["for_each"] = tr.each
        if tr.function is not None:   # PostgreSQL: runs a function (mapped under functions:, or left out)
            if "." in tr.function:
                return None, f"runs {tr.function}() of another schema, which the manifest does not hold"
            if (tr.table, tr.name) in {(t, n) for t, n in self.extras.get("transition_tables", ())}:
                return None, ("reads transition tables (REFERENCING OLD/NEW TABLE), which a manifest trigger does "
                              "not declare: its function would find no such table; keep the trigger in the "
                              "application's migrations")
            spec["function"] = tr.function
            if tr.shown_when:
                spec["when"] = {self.engine: tr.shown_when}
            return spec, ""
        statements = [st.text.rstrip(";").strip() for st in split_sql(tr.shown, self.engine)]
        try:
            sqlexpr.build_statements(statements)
            spec["do"] = statements
            if tr.shown_when:
                spec["when"] = self.both(tr.shown_when, self.engine)
            return spec, ""
        except sqlexpr.ExprError as exc:
            first = exc
        try:   # the engine's own statements (SQLite: SELECT RAISE(...) validation triggers)
            sqlexpr.build_statements({self.engine: statements})
        except sqlexpr.ExprError:
            return None, (f"the body is not a list of statements the manifest holds ({first}); add it by hand "
                          "to the application's migrations")
        spec["do"] = {self.engine: statements}
        if tr.shown_when:
            spec["when"] = {self.engine: tr.shown_when}
        return spec, ""

    def _in_own_schema(self, spelled: str) -> str:
        """A type of the imported schema (an array of its enum: mood[]) as the generated DDL needs it: named
        with that schema (app.mood[]), which creates its objects under their qualified names.  The catalog
        read in the schema shows it bare, as expect() does."""
        if self.engine != "postgres" or self.schema in (None, "public"):
            return spelled
        base = pg_unquote(spelled.split("[", 1)[0].strip())
        own = set(self.enums) | {n for n, *_ in self.extras.get("own_types", ())}
        return f"{quote_name(self.schema)}.{spelled}" if base in own and "." not in base else spelled

    def _beyond_the_model(self) -> None:
        """What PostgreSQL holds of an object that the manifest has no field for (pg_extras' "beyond"): each
        listed with the object, so that nothing is dropped as if it were mapped exactly."""
        paths = {"column": lambda t, n: ("tables", t, "columns", n), "trigger": lambda t, n: ("triggers", n),
                 "sequence": lambda t, n: ("sequences", n), "view": lambda t, n: ("views", n),
                 "table": lambda t, n: ("tables", t), "enum": lambda t, n: ("enums", n),
                 "function": lambda t, n: ("functions", n), "policy": lambda t, n: ("tables", t, "policies", n)}
        for severity, table, kind, obj, why in self.extras.get("beyond", ()):
            if kind == "identity":   # listed with the column, in the manifest's words (_identity_options)
                continue
            path = paths.get(kind, lambda t, n: ("tables", t))(table, obj)
            what = None if kind in paths else f'table "{table}", {kind} "{obj}"'
            (self.summary.not_mapped if severity == "not mapped" else self.summary.approximate)(path, why, what)

    # pg_extras' rows by (table, column), read once per import (the tables' look-ups then take no scan each)
    @functools.cached_property
    def _identities(self) -> dict:
        return {(table, col): rest for table, col, *rest in self.extras.get("identities", ())}

    # A PostgreSQL identity's sequence as the manifest's identity: true makes it (BY DEFAULT, from 1 by 1).
    def _identity_options(self, t: CTable, c: CColumn) -> None:
        got = self._identities.get((t.name, c.name))
        if got is None:
            return
        kind, start, step, low, high, cycle, cache, typ, *_ = got
        path = ("tables", t.name, "columns", c.name)
        if kind == "a":
            self.summary.approximate(path, "GENERATED ALWAYS AS IDENTITY -> identity: true, which is BY DEFAULT on "
                                           "PostgreSQL: an INSERT may give the value itself")
        from .expect import SEQUENCE_LIMITS
        defaults = (1, 1, 1, SEQUENCE_LIMITS.get(typ, high), False, 1)
        if (start, step, low, high, cycle, cache) != defaults:
            told = ", ".join(f"{name} {value}" for name, value, default in zip(
                ("START", "INCREMENT", "MINVALUE", "MAXVALUE", "CYCLE", "CACHE"),
                (start, step, low, high, cycle, cache), defaults) if value != default)
            self.summary.approximate(path, f"identity sequence options ({told}) left out: the manifest's identity "
                                           "counts from 1 by 1")

    def index_key(self, i, n: int):
        """One index key as the manifest writes it: a column name, or a mapping (expr, order, nulls, opclass)."""
        key, desc = i.columns[n]
        spec: dict = {"column": key} if isinstance(key, str) else \
            {"expr": self.both((i.shown_columns or ("",) * len(i.columns))[n], self.engine, key=True)}
        if desc:
            spec["order"] = "desc"
        if i.nulls and i.nulls[n]:
            spec["nulls"] = i.nulls[n]
        if i.opclasses and i.opclasses[n]:
            spec["opclass"] = i.opclasses[n]
        return spec["column"] if list(spec) == ["column"] else spec

    def manifest(self, name: str) -> dict:
        self._schemactl_columns()
        self._serials()
        self._sqlite_string_literals()
        self._beyond_the_model()
        tables = {}
        partitions = {child: (parent, bound) for child, parent, bound in self.extras.get("partitions", ())}
        for t in self.cat.tables:
            if t.name in BOOKKEEPING:
                self.summary.left_out.append(Entry((), f'table "{t.name}"', f"bookkeeping: {BOOKKEEPING[t.name]}"))
                continue
            if t.name in partitions:
                parent, bound = partitions[t.name]
                self.summary.not_mapped(("tables", t.name), f'partition of "{parent}" {bound}: partitions are not '
                                        f'in the manifest model; its rows are read and written through "{parent}"')
                continue
            own_types = {n.lower(): kind for n, kind in self.extras.get("own_types", ())}
            typed = [(c.name, c.type) for c in t.columns if c.type.removesuffix("[]").lower() in own_types]
            if typed:   # the generated DDL would name a type the manifest does not create
                col, typ = typed[0]
                self.summary.not_mapped(("tables", t.name), (
                    f'column "{col}" has type {typ}, a {own_types[typ.removesuffix("[]").lower()]} type of this '
                    "database, which the manifest does not create; keep the table in the application's migrations"))
                continue
            foreign = [row[1:] for row in self.extras.get("foreign_types", ()) if row[0] == t.name]
            if foreign:   # the same, for a type of another schema (a manifest holds one schema)
                col, typ, kind, schema, domain = foreign[0]
                self.summary.not_mapped(("tables", t.name), (
                    f'column "{col}" has type ' + (f"{domain}, a domain over " if domain else "") +
                    f'{typ}, {"an" if kind[0] in "aeiou" else "a"} {kind} type of schema {schema}, which the '
                    f"manifest (of schema {self.schema or 'public'}) does not create; move the "
                    f"type (ALTER TYPE {typ.removesuffix('[]')} SET SCHEMA {self.schema or 'public'}) and import "
                    "again, or keep the table in the application's migrations"))
                continue
            tables[t.name] = self.table(t)
        for parent, key in self.extras.get("partitioned", ()):
            if parent in tables:
                self.summary.approximate(("tables", parent), f"partitioned by {key} on PostgreSQL: a plain table in "
                                                             "the manifest (its partitions are listed)")
        for t in self.cat.tables if self.engine == "sqlite" else ():
            # SQLite spells every identity INTEGER: take the width its references use (PostgreSQL's catalog
            # names the identity's own width, which a reference's wider column does not change)
            for f in t.foreign_keys:
                if t.name not in tables:
                    continue
                for mine, theirs in zip(f.columns, f.ref_columns):
                    target = tables.get(f.ref_table, {}).get("columns", {}).get(theirs)
                    source = tables[t.name]["columns"][mine]
                    if target and target.get("identity") and target["type"] != source["type"] and \
                            source["type"] in ("smallint", "integer", "bigint"):
                        target["type"] = source["type"]
        if self.engine == "sqlite":
            self._spellings(tables)
            self._collated_fk_targets(tables)
        for s in self.cat.searches:
            cols = _search_columns(s, self.engine)
            if self.engine == "sqlite" and cols:
                from .render import search as search_render
                if s != search_render.sqlite_expected(s.table, s.name, cols):
                    self.summary.not_mapped(("tables", s.table), "an FTS5 table with its own options or sync triggers "
                                            "(schemactl's `search:` writes its own); kept out, with the triggers "
                                            "that write to it", what=f'search "{s.name}" on table "{s.table}"')
                    self.foreign_tables.add(s.name)
                    continue
            if self.engine == "postgres" and cols:
                from .render import search as search_render
                if s.key != search_render.EXPECTED["postgres"](s.table, s.name, cols).key:
                    cols = []   # another document (configuration, columns outside coalesce()): not schemactl's
            if s.table in tables and cols:
                tables[s.table]["search"] = {"name": s.name, "columns": cols}
                if s.shown_where:   # PostgreSQL: a partial GIN index
                    self.summary.approximate(("tables", s.table, "search"), f"WHERE {s.shown_where} left out: the "
                                             "manifest's search covers every row",
                                             what=f'search "{s.name}" on table "{s.table}"')
            else:
                self.summary.not_mapped(("tables", s.table), "not a search schemactl writes; add `search:` by hand",
                                        what=f'search "{s.name}" on table "{s.table}"')
        doc: dict = {"format": 1, "name": name, "version": 1}
        if self.schema and self.schema != "public":
            doc["postgres"] = {"schema": self.schema}
        sqlite: dict = {}
        if self.time_storage != "integer_ms":
            sqlite["timestamptz"] = self.time_storage
        if self.spell:
            sqlite["spell"] = dict(sorted(self.spell.items()))
        if sqlite:
            doc["sqlite"] = sqlite
        if self.enums:
            doc["enums"] = {k: list(v) for k, v in self.enums.items()}
        doc["tables"] = tables
        triggers = {}
        by_name: dict[str, list[str]] = {}
        for tr in self.cat.triggers:
            by_name.setdefault(tr.name, []).append(tr.table)
        for tr in self.cat.triggers:
            spec, why = self.trigger(tr)
            if spec is not None and len(by_name[tr.name]) > 1:
                spec, why = None, (f"{len(by_name[tr.name])} triggers have this name (on tables "
                                   f"{', '.join(sorted(by_name[tr.name]))}); a manifest names each trigger once: "
                                   "rename them to map them")
            if spec is not None and self.schema and isinstance(spec.get("do"), list) and any(
                    re.search(rf'(?<![\w."]){re.escape(self.schema)}\.(?=[\w"])', x) for x in spec["do"]):
                spec, why = None, (f"names tables with their schema ({self.schema}.…), which SQLite does not allow "
                                   "inside a trigger and schemactl's PostgreSQL trigger function does not need; add "
                                   "it by hand to the application's migrations, or write it without the schema")
            if spec is not None:
                body = spec.get("do", [])
                body = [x for v in body.values() for x in v] if isinstance(body, dict) else body
                written = {_name(x) for x in re.findall(rf"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+{_QNAME}",
                                                        " ".join(body), re.I)}
                unknown = sorted(x for x in written if x not in {k.lower() for k in tables})
                if unknown:
                    spec, why = None, (f"writes to {', '.join(unknown)}, which the manifest does not hold as a "
                                       "table; add it by hand to the application's migrations")
            if spec is not None and tr.table not in tables and tr.table in {v.name for v in self.cat.views}:
                spec, why = None, (f"fires {tr.timing.upper()} {tr.event.upper()} on view {tr.table}, and a manifest "
                                   "trigger fires on a table; keep it in the application's migrations")
            elif spec is not None and tr.table not in tables:
                spec, why = None, f"fires on {tr.table}, which the manifest does not hold as a table"
            if spec is None:
                self.summary.not_mapped(("triggers", tr.name), why, what=f'trigger "{tr.name}" on table "{tr.table}"')
            elif tr.table in tables:
                triggers[tr.name] = spec
                if isinstance(spec.get("do"), list):
                    self.summary.approximate(("triggers", tr.name), "statements kept as the engine shows them, read "
                                                                    "by sqlglot for the other engine; review them")
        if triggers:
            doc["triggers"] = triggers
        self.beside_tables(doc, tables)
        own = {n.lower() for n, _ in self.extras.get("functions", ())} - {n.lower() for n in doc.get("functions", {})}
        views = {}
        materialized = {n for n, kind in self.extras.get("relations", ()) if kind == "m"}
        for v in self.cat.views:
            if v.name in materialized:   # listed by unmapped_objects(): never a plain view in its place
                continue
            sql = v.shown.strip().rstrip(";")
            if v.column_list:   # the SELECT alone would be a view of other column names (or none PostgreSQL takes)
                self.summary.not_mapped(("views", v.name), f"its column list ({', '.join(v.columns or ())}) names the "
                                        "columns, which a manifest's view takes from its SELECT: write each name as "
                                        "an alias there (SELECT … AS name)", what=f'view "{v.name}"')
                continue
            foreign = self._other_schemas_read(sql)
            if foreign:   # util.countries: the view would read what the manifest does not create
                self.summary.not_mapped(("views", v.name), self._other_schemas_why(foreign, "view"),
                                        what=f'view "{v.name}"')
                continue
            calls = sorted({f.lower() for f in re.findall(r'"?(\w+)"?\s*\(', sql)} & own)
            if calls:
                self.summary.not_mapped(("views", v.name), f"calls {', '.join(c + '()' for c in calls)}, defined in "
                                        "this database, which the manifest does not hold; keep the view in the "
                                        "application's migrations", what=f'view "{v.name}"')
                continue
            views[v.name] = {"sql": self.both(sql, self.engine)}
            if v.comment is not None:   # PostgreSQL's COMMENT ON VIEW
                views[v.name]["comment"] = v.comment
            if _READS_OTHERWISE.search(sql):
                self.summary.approximate(("views", v.name), (
                    f"kept as {self.engine} SQL; {_other(self.engine)}: sqlglot's reading, where casts, dates, "
                    "intervals, JSON and collations mean otherwise (a timestamptz is Unix milliseconds or ISO text on "
                    "SQLite; PostgreSQL has no NOCASE): review it"), what=f'view "{v.name}"')
        if views:
            doc["views"] = views
        return doc

    def _sqlite_string_literals(self) -> None:
        """SQLite reads a double-quoted word that names no column as a string ("$.key" in JSON_EXTRACT): such
        words in generated columns, CHECKs and index keys are written as the strings they are (listed)."""
        if self.engine != "sqlite":
            return
        from dataclasses import replace
        tables = []
        for t in self.cat.tables:
            names = {c.name.lower() for c in t.columns}

            def fix(sql, path, table=t.name):
                sql = _own_qualifier_dropped(sql, table) if sql else sql   # "notes"."qty" in notes: qty
                new = _dq_strings(sql, names) if sql else sql
                if new != sql:
                    self.summary.approximate(path, f'{sql}: a double-quoted word that names no column is a string '
                                                   f"to SQLite; written as one: {new}")
                return new
            cols = tuple(replace(c, shown_generated=fix(c.shown_generated, ("tables", t.name, "columns", c.name,
                                                                            "generated")))
                         if c.generated is not None else c for c in t.columns)
            checks = tuple(replace(ck, shown=fix(ck.shown, ("tables", t.name, "checks", n)))
                           for n, ck in enumerate(t.checks))
            indexes = tuple(replace(i, shown_where=fix(i.shown_where, ("tables", t.name, "indexes", n, "where")),
                                    shown_columns=tuple(fix(k, ("tables", t.name, "indexes", n)) if not isinstance(
                                        i.columns[m][0], str) else k for m, k in enumerate(i.shown_columns)))
                            for n, i in enumerate(t.indexes))
            tables.append(replace(t, columns=cols, checks=checks, indexes=indexes))
        self.cat = replace(self.cat, tables=tuple(tables))

    def _serials(self) -> None:
        """serial / bigserial / smallserial: a sequence owned by the column whose default calls it.  The
        sequence is kept (sequences:) and the default reads {nextval: …}, as the database holds them, so diff
        of that database finds nothing.  Where the column is the table's whole primary key, SQLite (which has
        no sequences) numbers it as its INTEGER PRIMARY KEY, the row id (sqlite_type: INTEGER where the portable
        type would spell it otherwise), said as a warning; elsewhere SQLite cannot number it (listed as
        approximate, with the fix).  import --drizzle (``serials="identity"``) makes a whole key an identity
        column instead, as the generated Drizzle files write the team's serial() (listed as approximate)."""
        from dataclasses import replace
        from .catalog import CSequence
        from .expect import SEQUENCE_LIMITS
        owned = {s.owned_by: s for s in self.cat.sequences if s.owned_by}
        tables, absorbed, made = [], set(), []
        for t in self.cat.tables:
            cols = []
            for c in t.columns:
                s = owned.get(f"{t.name}.{c.name}")
                whole_key = s is not None and t.primary_key and t.primary_key.columns == (c.name,) and \
                    _nextval(c.default) == (self.schema or "public", s.name) and not c.identity
                if whole_key and self.serials == "sequence" and self.engine == "postgres" and \
                        c.type in ("smallint", "integer", "bigint"):
                    # exactly what the database holds; SQLite numbers the key by its row id
                    self.serial_keys.add((t.name, c.name))
                    kind = {"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}[c.type]
                    self.summary.note(("tables", t.name, "columns", c.name), (
                        f"{kind} column: kept as sequence {s.name}, owned by the column, with its default "
                        "nextval(), as PostgreSQL holds it; SQLite has no sequences: there the column is the "
                        "table's INTEGER PRIMARY KEY" + ("" if c.type == "integer" else " (sqlite_type: INTEGER)") +
                        ", which SQLite fills from the row id when an INSERT leaves it out (without "
                        "AUTOINCREMENT: the id of a deleted last row may be given again, which the sequence never "
                        "gives)"))
                elif whole_key and self.serials == "identity":
                    absorbed.add(s.name)
                    self.summary.approximate(("tables", t.name, "columns", c.name), (
                        f"serial column (default nextval of sequence {s.name}, owned by it) mapped to an identity "
                        "column: the same numbering, kept by the column itself on both engines"))
                    c = replace(c, identity=True, default=None, shown_default=None)
                elif s is not None and _nextval(c.default) == (self.schema or "public", s.name) and \
                        not c.identity and self.engine == "postgres":
                    # a serial column that is not the table's whole key (one of a composite key's, or beside
                    # the key): its sequence is kept, and numbers the column on PostgreSQL only
                    keyed = t.primary_key.columns if t.primary_key else ()
                    where = (f"the table's whole primary key, of type {c.type} (SQLite's row id numbers an "
                             "integer key only)" if keyed == (c.name,) else
                             f"in the composite primary key ({', '.join(keyed)})" if c.name in keyed else
                             f"outside the primary key ({', '.join(keyed)})" if keyed else "of a table without a "
                             "primary key")
                    fix = (f"make {c.name} an integer column (SQLite's row id)" if keyed == (c.name,) else
                           f"make {c.name} the table's whole primary key, an identity column (numbered on both "
                           f"engines), with UNIQUE ({', '.join(keyed)}) keeping the pair unique" if c.name in keyed else
                           f"make {c.name} the table's primary key, an identity column" if not keyed else
                           f"give {c.name} in every INSERT (a plain {c.type} column)")
                    self.summary.approximate(("tables", t.name, "columns", c.name), (
                        f"serial column {where}: kept as sequence {s.name}, owned by the column (default "
                        "nextval), which numbers it on PostgreSQL only: SQLite has no sequences, so there the "
                        f"column has no default and every INSERT must give it; to number it on both engines, "
                        f"{fix}, and import again"))
                elif c.identity and self.engine == "postgres" and t.primary_key and \
                        t.primary_key.columns != (c.name,) and c.type in ("smallint", "integer", "bigint"):
                    # an identity column in a composite key: the manifest's identity is the whole key (SQLite's
                    # AUTOINCREMENT), so the numbering is a sequence owned by the column
                    taken = {x.name for x in self.cat.sequences} | {x.name for x in made}
                    # the identity's own sequence, under the name PostgreSQL keeps it by (renamed or not) and
                    # with its options; the identity's kind and CACHE, which a sequence of the manifest has not,
                    # are listed
                    kind, start, step, low, high, cycle, cache, _, own, own_type = \
                        self._identities.get((t.name, c.name)) or ("d", 1, 1, 1, SEQUENCE_LIMITS[c.type], False, 1,
                                                                  c.type, None, c.type)
                    name = next(n for n in ((own,) if own else ()) + tuple(
                        f"{t.name}_{c.name}_seq{k or ''}" for k in range(100)) if n not in taken)
                    made.append(CSequence(name, own_type if own_type in SEQUENCE_LIMITS else c.type, int(start),
                                          int(step), int(low), int(high), bool(cycle), f"{t.name}.{c.name}"))
                    if kind == "a":
                        self.summary.approximate(("tables", t.name, "columns", c.name), (
                            "GENERATED ALWAYS AS IDENTITY -> a default nextval(), which an INSERT may override"))
                    if int(cache) != 1:
                        self.summary.approximate(("tables", t.name, "columns", c.name), (
                            f"identity sequence CACHE {cache} left out: the manifest's sequence caches none"))
                    where = (f"in the composite primary key ({', '.join(t.primary_key.columns)})"
                             if c.name in t.primary_key.columns else
                             f"outside the primary key ({', '.join(t.primary_key.columns)})")
                    self.summary.approximate(("tables", t.name, "columns", c.name), (
                        f"identity column {where}: the manifest's identity is a table's whole key, so it is "
                        f"numbered by sequence {name}, owned by the column (default nextval; SQLite has no "
                        "sequences: the application gives the value there)"))
                    self.summary.approximate(("sequences", name), f"made for the identity column {t.name}."
                                             f"{c.name}, which PostgreSQL numbers with a sequence of its own")
                    # as PostgreSQL shows such a default: the name quoted where it must be ("U Numbers"), and
                    # with its schema where the read path does not reach it (_nextval)
                    shown = qualified(None if (self.schema or "public") == "public" else self.schema, name)
                    called = f"nextval({sql_string(shown)}::regclass)"
                    c = replace(c, identity=False, default=called, shown_default=called)
                cols.append(c)
            tables.append(replace(t, columns=tuple(cols)))
        self.cat = replace(self.cat, tables=tuple(tables),
                           sequences=tuple(s for s in self.cat.sequences if s.name not in absorbed) + tuple(made))
        self.absorbed = absorbed   # each listed with its column and as a sequence mapped approximately

    def beside_tables(self, doc: dict, tables: dict) -> None:
        """Functions, sequences, row-level security and policies (PostgreSQL: SQLite has none)."""
        from .expect import SEQUENCE_LIMITS
        functions = {}
        other_schemas = self._other_schema_names()
        for f in self.cat.functions:
            if f.name in functions:
                self.summary.not_mapped(("functions", f.name), "another function has this name (overloads): a "
                                        "manifest names each function once", what=f'function "{f.name}"')
                continue
            foreign = sorted({q for q in _qualifiers(f.shown) if q.lower() in other_schemas} | {
                x for x in EXTENSION_TYPES if x not in self._held_extension_types() and re.search(
                    rf"\b{x}\b", f.shown, re.I)})   # (an extension the manifest's DDL creates is held)
            if foreign:   # the generated DDL would name what the manifest does not create
                self.summary.not_mapped(("functions", f.name), f"uses {', '.join(foreign)}, which the manifest "
                                        "does not hold (another schema, or an extension's type); keep it in the "
                                        "application's migrations", what=f'function "{f.name}"')
                continue
            functions[f.name] = {"postgres": f.shown.strip()}
        gone = {f.name for f in self.cat.functions} - set(functions)
        while gone:   # a function that calls one left out goes with it
            calling = [n for n in functions if any(re.search(rf'(?<![\w"]){re.escape(g)}"?\s*\(', functions[n]["postgres"])
                                                   for g in gone)]
            for n in calling:
                self.summary.not_mapped(("functions", n), "calls a function that is left out (listed); keep it in the "
                                        "application's migrations", what=f'function "{n}"')
                del functions[n]
            gone = set(calling)
        ordered: dict = {}
        while functions:   # SQL functions are checked when created: the ones they call come first
            ready = [n for n in functions if not any(
                o != n and re.search(rf'\b{re.escape(o)}\s*\(', functions[n]["postgres"]) for o in functions)]
            name = ready[0] if ready else next(iter(functions))   # a cycle: as the catalog lists them
            ordered[name] = functions.pop(name)
        functions = ordered
        if functions:
            doc["functions"] = functions
        sequences = {}
        for s in self.cat.sequences:
            spec: dict = {}
            top = SEQUENCE_LIMITS.get(s.type, SEQUENCE_LIMITS["bigint"])
            low, high = (1, top) if s.increment > 0 else (-top - 1, -1)
            if s.type != "bigint":
                spec["type"] = s.type
            if s.start != (low if s.increment > 0 else high) or s.min_value != low or s.max_value != high:
                spec["start"] = s.start
            if s.increment != 1:
                spec["increment"] = s.increment
            if s.min_value != low:
                spec["min"] = s.min_value
            if s.max_value != high:
                spec["max"] = s.max_value
            if s.cycle:
                spec["cycle"] = True
            if s.owned_by:
                spec["owned_by"] = s.owned_by
            sequences[s.name] = spec
        if sequences:
            doc["sequences"] = sequences
        for t in self.cat.tables:
            if t.name in tables and t.row_security:
                tables[t.name]["postgres"] = {"row_level_security": "enabled" in t.row_security,
                                              **({"force_row_level_security": True} if "forced" in t.row_security
                                                 else {})}
        left_out = {f.name for f in self.cat.functions} - set(functions)
        for p in self.cat.policies:
            if p.table not in tables:
                continue
            calls = sorted(g for g in left_out for expr in (p.shown_using, p.shown_check) if expr and
                           re.search(rf'(?<![\w"]){re.escape(g)}"?\s*\(', expr))
            if calls:   # the generated DDL would call a function the manifest does not create
                self.summary.not_mapped(("tables", p.table, "policies", p.name), f"calls {', '.join(calls)}, a "
                                        "function that is left out (listed); keep the policy with it in the "
                                        "application's migrations", what=f'policy "{p.name}" on table "{p.table}"')
                continue
            foreign = sorted({q for expr in (p.shown_using, p.shown_check) if expr for q in _qualifiers(expr)
                              if q.lower() in other_schemas})
            if foreign:   # Supabase's auth.uid(): the generated DDL would name a schema the manifest does not hold
                self.summary.not_mapped(("tables", p.table, "policies", p.name), f"uses {', '.join(foreign)}, "
                                        "another schema the manifest does not hold; keep the policy in the "
                                        "application's migrations", what=f'policy "{p.name}" on table "{p.table}"')
                continue
            spec = {}
            if p.command != "all":
                spec["command"] = p.command
            if p.roles != ("public",):
                spec["roles"] = list(p.roles)
            if not p.permissive:
                spec["as"] = "restrictive"
            if p.shown_using:
                spec["using"] = p.shown_using
            if p.shown_check:
                spec["with_check"] = p.shown_check
            tables[p.table].setdefault("policies", {})[p.name] = spec
            roles = sorted(set(doc.get("postgres", {}).get("roles", ())) | set(p.roles) - ROLE_KEYWORDS)
            if roles:   # the roles a policy names: the deployment provides them (listed in the manifest)
                doc.setdefault("postgres", {})["roles"] = roles

    def unmapped_objects(self, doc: dict) -> None:
        """PostgreSQL objects the manifest does not hold (yet): each listed, never dropped without a word."""
        x = self.extras
        held = lambda kind, name: name in (doc.get(kind) or {})   # noqa: E731 - objects a newer model holds
        created = {e for t in doc.get("tables", {}).values() for c in t["columns"].values()
                   if (e := pg_extension(c.get("postgres_type", ""))) is not None}   # by the manifest's DDL
        for (name,) in x.get("extensions", ()):
            if not held("extensions", name) and name not in created:
                self.summary.not_mapped((), "extensions are not in the manifest; create it on every PostgreSQL "
                                            "database the application uses (its types are listed by column)",
                                        what=f'extension "{name}"')
        for name, kind in x.get("functions", ()):
            word = {"a": "aggregate", "p": "procedure", "w": "window function"}.get(kind, "function")
            if not held("functions", name) and not (name.endswith("_fn") and name[:-3] in doc.get("triggers", {})):
                self.summary.not_mapped((), f"engine-specific {word}s are not in the manifest model yet; keep it in "
                                            "the application's migrations", what=f'{word} "{name}"')
        for name, kind in x.get("relations", ()):
            if kind == "S" and name in self.absorbed:
                self.summary.approximate((), "the sequence of a serial column that became an identity column "
                                             "(listed with the column), which numbers its rows with a sequence of "
                                             "its own", what=f'sequence "{name}"')
            elif kind == "S" and not held("sequences", name):
                self.summary.not_mapped((), "standalone sequences are not in the manifest model yet (a column "
                                            "default that calls nextval() on it is listed with its column)",
                                        what=f'sequence "{name}"')
            elif kind == "m":
                self.summary.not_mapped((), "materialized views are not in the manifest model; keep it in the "
                                            "application's migrations", what=f'materialized view "{name}"')
        listed = {e.path for e in self.summary.unmapped}
        for table, name in x.get("policies", ()):
            if table in doc["tables"] and name not in doc["tables"][table].get("policies", {}) and \
                    ("tables", table, "policies", name) not in listed:
                self.summary.not_mapped(("tables", table), "row-level security policies are not in the manifest "
                                        "model yet", what=f'policy "{name}" on table "{table}"')
        for (table,) in x.get("row_security", ()):
            if table in doc["tables"] and "row_level_security" not in doc["tables"][table].get("postgres", {}):
                self.summary.not_mapped(("tables", table), "ENABLE ROW LEVEL SECURITY is not in the manifest model "
                                        "yet", what=f'row-level security on table "{table}"')
        for d in self._domains():   # the schema's own and those its columns, defaults and checks use
            if d.listed:
                self.summary.not_mapped((), f"domains are not in the manifest; its columns read as {d.base} "
                                            "(listed by column)", what=f'domain "{self._domain_label(d)}"')


def _from_postgres(tree, compared, storage):
    """SQLite's constants as SQLite stores them, an enum's order as its members (and why SQLite has no form)."""
    from . import typedconst
    tree, changed = typedconst.stored(tree, compared, storage)
    return tree, changed, typedconst.reads_otherwise(tree) or _timed_arithmetic(tree, compared, storage)


def _timed_arithmetic(tree, compared, storage: str) -> str | None:
    """Arithmetic on a date/time column (start_d + 1, ends - starts), which SQLite does on the text (or the
    Unix milliseconds) it holds the value as: '2024-01-31' + 1 is 2025 there, and a text sorts after every
    number, so a CHECK (end_d >= start_d + 1) holds for every row."""
    from sqlglot import exp
    for node in tree.walk():
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg)):
            for operand in node.iter_expressions():
                while isinstance(operand, (exp.Paren, exp.Cast)):
                    operand = operand.this
                if isinstance(operand, exp.Column) and compared.get(operand.name) in TIMED:
                    return (f"{node.sql(dialect='postgres')}: arithmetic on {operand.name}, a "
                            f"{compared[operand.name]}, which SQLite holds as "
                            + (f"its sqlite.timestamptz storage ({storage})" if compared[operand.name] == "timestamptz"
                               else "ISO text") + " and would compute as a number")
    return None


def _from_sqlite(tree, compared, storage):
    """PostgreSQL's boolean compared with TRUE or FALSE where SQLite compares it with 1 or 0."""
    from . import typedconst
    return (*typedconst.booleans_for_postgres(tree, compared), None)


# Per engine imported from: (whether an expression may hold what typedconst reads, the rewrite of its tree,
# the other engine's text of the rewritten tree)
_TYPED_FORMS = {
    "postgres": (lambda text, compared: _TIMED_HINT.search(text) or re.search(r"[-+*/%]", text) and any(
        k in TIMED for k in compared.values() if isinstance(k, str)), _from_postgres,
                 lambda imp, tree: tree.transform(_sqlite_spelling).sql(dialect="sqlite")),
    "sqlite": (lambda text, compared: "boolean" in compared.values() and re.search(r"\d", text), _from_sqlite,
               lambda imp, tree: imp.both(tree.sql(dialect="sqlite"), "sqlite")["postgres"]),
}

# What may hold a date/time constant, a cast or the clock (typedconst.stored and reads_otherwise say which)
_TIMED_HINT = re.compile(r"'|::|\bcast\s*\(|\binterval\b|\b(?:now|clock_timestamp|statement_timestamp|"
                         r"transaction_timestamp)\s*\(|\bcurrent_(?:date|time|timestamp)\b|\blocaltime", re.I)


def _sqlite_lacks(sql: str) -> list[str]:
    """The functions ``sql`` calls that this SQLite does not have (asked of SQLite itself)."""
    import sqlite3
    conn = sqlite3.connect(":memory:")
    try:
        out = []
        for name in sorted({f for f in re.findall(r"(?<![\w$.])([A-Za-z_]\w*)\s*\(", re.sub(r"'(?:[^']|'')*'", "''", sql))}):
            try:
                conn.execute(f"SELECT {name}()")
            except sqlite3.Error as exc:
                if str(exc).startswith("no such function"):
                    out.append(name.lower())
        return out
    finally:
        conn.close()


def _own_qualifier_dropped(sql: str, table: str) -> str:
    """``sql`` (an expression of ``table``) with the qualifier naming that table itself removed from its
    columns ("notes"."qty" -> "qty", as drizzle-kit writes a sqlite-core check): the manifest's expressions
    name their own table's columns bare."""
    def one(m):
        if m.group(0).startswith("'") or m.group(1) is None:
            return m.group(0)
        word = m.group(1)[1:-1].replace('""', '"') if m.group(1).startswith('"') else m.group(1)
        return "" if word.lower() == table.lower() else m.group(0)
    return re.sub(r"""'(?:[^']|'')*'|(?<![\w."$])("(?:[^"]|"")+"|[A-Za-z_]\w*)\s*\.\s*(?=["A-Za-z_])""", one, sql)


def _dq_strings(sql: str, columns: set[str]) -> str:
    """``sql`` with each double-quoted word that is none of ``columns`` written as a single-quoted string."""
    def one(m):
        if m.group(0).startswith("'") or m.group(2):
            return m.group(0)
        word = m.group(1).replace('""', '"')
        return m.group(0) if word.lower() in columns else "'" + word.replace("'", "''") + "'"
    # a word followed by ( is a function, one followed by . a qualifier ("notes"."qty"): neither is a string
    return re.sub(r"""'(?:[^']|'')*'|"((?:[^"]|"")*)"(\s*[(.])?""", one, sql)


def _qualifiers(sql: str) -> set[str]:
    """The names an expression qualifies others with (schema.function, table.column; quoted or not)."""
    return set(re.findall(r'(?<![\w."])"?(\w+)"?\.(?=["\w])', sql))


_REGCLASS_NAME = re.compile(r'(?:("(?:[^"]|"")+"|[^."]+)\.)?("(?:[^"]|"")+"|[^."]+)')


_NEXTVAL = re.compile(r"""\s*nextval\('((?:[^']|'')+)'(?:::regclass)?\)\s*""", re.I)


def _nextval(default: str | None) -> tuple[str, str] | None:
    """(schema, name) of the sequence a default nextval('name'::regclass) calls, as the catalog names them (a
    quoted part as it is, "Users_id_seq"; an unquoted one folded to lower case, as PostgreSQL folds it), or None.
    PostgreSQL shows the schema of a sequence its search_path does not reach; the catalog is read under
    introspect.postgres.READ_PATH (pg_catalog, public, pg_temp), so a bare name is public's, never that of
    another schema being imported (--schema app: app's own are shown as app.seq)."""
    m = _NEXTVAL.fullmatch(default or "")
    parts = m and _REGCLASS_NAME.fullmatch(m.group(1).replace("''", "'").strip())
    if not parts:
        return None
    schema, name = (p if p is None else p[1:-1].replace('""', '"') if p.startswith('"') else p.lower()
                    for p in parts.groups())
    return schema or "public", name


def _other(engine: str) -> str:
    return "sqlite" if engine == "postgres" else "postgres"


def _both(sql: str, engine: str, key: bool = False) -> dict:
    """An expression for both engines: as this engine wrote it, and sqlglot's reading for the other.  ``key``:
    an index key, whose SQLite collation PostgreSQL's index compares by through its function (lower(e))."""
    return dict(_both_read(sql, engine, key))


@functools.lru_cache(maxsize=4096)
def _both_read(sql: str, engine: str, key: bool = False) -> tuple:
    """_both(), as pairs: a schema repeats its expressions (the same CHECK or predicate on many tables), and
    sqlglot reads each in about a millisecond."""
    return tuple(_both_uncached(sql, engine, key).items())


def _both_uncached(sql: str, engine: str, key: bool = False) -> dict:
    import sqlglot
    from .sqlexpr import SQLGLOT_DIALECT
    other = "sqlite" if engine == "postgres" else "postgres"
    try:
        tree = _read(sql, SQLGLOT_DIALECT[engine])
        if engine == "sqlite":   # SQLite's JSON functions read JSON text; PostgreSQL's need json: cast the text
            for node in list(tree.find_all(sqlglot.exp.JSONExtract, sqlglot.exp.JSONExtractScalar)):
                key = re.fullmatch(r"\$\.(\w+)", node.expression.sql(dialect="sqlite").strip("'"))
                if key:   # '$.key': the ->> operator, in the spelling PostgreSQL reads back
                    new = sqlglot.parse_one(f"CAST({node.this.sql(dialect='postgres')} AS JSON) ->> "
                                            f"CAST('{key.group(1)}' AS TEXT)", read="postgres")
                    tree = new if node is tree else tree
                    node.replace(new)
                elif not isinstance(node.this, sqlglot.exp.Cast):
                    node.set("this", sqlglot.exp.cast(node.this.copy(), "json"))
        if engine == "postgres":
            tree = tree.transform(_sqlite_spelling)
            if tree.find(sqlglot.exp.Like):   # PostgreSQL's LIKE compares case: GLOB on SQLite, as a portable one
                tree = _like_for_sqlite(tree)
        else:
            if tree.find(sqlglot.exp.Like):   # SQLite's LIKE ignores the case of ASCII letters: ILIKE
                tree = tree.transform(_ilike)
            if tree.find(sqlglot.exp.Glob):   # PostgreSQL has no GLOB: LIKE, or ~ for a pattern with a [set]
                tree = tree.transform(_glob_for_postgres)
            if tree.find(sqlglot.exp.HexString):   # a blob x'00ff': PostgreSQL reads x'…' as a bit string
                tree = tree.transform(_bytea_literal)
            collated = _collation_of(tree) if key else None
            tree = tree.transform(_postgres_collation)
            if collated is not None and collated[0] is not None:   # an index key compares through the function
                tree = sqlglot.exp.Anonymous(this=collated[0], expressions=[tree])
        translated = tree.sql(dialect=SQLGLOT_DIALECT[other])
    except Exception:  # sqlglot cannot read it: the same text, flagged in the summary by the caller
        translated = sql
    return {engine: sql, other: translated}


def _like_for_sqlite(tree):
    """PostgreSQL's LIKE with a constant pattern ('AB%'::text as the catalog shows it) as the GLOB a portable
    LIKE is on SQLite (sqlexpr.case_sensitive_like)."""
    import sqlglot
    from .sqlexpr import case_sensitive_like
    exp = sqlglot.exp
    for like in list(tree.find_all(exp.Like)):
        pattern = like.expression
        if isinstance(pattern, exp.Cast) and isinstance(pattern.this, exp.Literal) and pattern.this.is_string \
                and pattern.to.this in (exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR):
            like.set("expression", pattern.this)
    return tree.transform(case_sensitive_like)


def _bytea_literal(node):
    """SQLite's blob literal x'00ff' as PostgreSQL's bytea '\\x00ff'::bytea (x'00ff' there is a bit string)."""
    import sqlglot
    if isinstance(node, sqlglot.exp.HexString):
        return sqlglot.exp.cast(sqlglot.exp.Literal.string("\\x" + node.this), "bytea")
    return node


def _glob_for_postgres(node):
    """SQLite's GLOB with a constant pattern as PostgreSQL's case-sensitive match of the same strings: LIKE
    where the pattern has no [set] (* is %, ? is _), else ~ with the pattern as an anchored regular expression.
    Another GLOB stays (PostgreSQL refuses it: the import's check is then to be given its PostgreSQL form)."""
    import sqlglot
    exp = sqlglot.exp
    if not isinstance(node, exp.Glob) or not (isinstance(node.expression, exp.Literal) and node.expression.is_string):
        return node
    pattern = node.expression.this
    if "[" not in pattern:
        like = "".join({"*": "%", "?": "_", "%": "\\%", "_": "\\_", "\\": "\\\\"}.get(ch, ch) for ch in pattern)
        return exp.Like(this=node.this, expression=exp.Literal.string(like))
    regex = _glob_regex(pattern)
    return node if regex is None else exp.RegexpLike(this=node.this, expression=exp.Literal.string(regex))


def _glob_regex(pattern: str) -> str | None:
    """A GLOB pattern as the anchored regular expression (PostgreSQL's ~) matching the same strings, read as
    SQLite's patternCompare reads it: * any text, ? one character, [set] and [^set] of characters and ranges
    a-z (] first is one of the set, - a range only after a character and before another); None for a set
    never closed (SQLite then matches nothing) or a range from a later character to an earlier one."""
    def lit(ch: str) -> str:
        return "\\" + ch if ch.isascii() and not ch.isalnum() else ch

    out, i, n = ["^"], 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch in "*?":
            out.append(".*" if ch == "*" else ".")
            continue
        if ch != "[":
            out.append(lit(ch))
            continue
        invert = i < n and pattern[i] == "^"
        i += invert
        items, prior = [], None
        if i < n and pattern[i] == "]":   # one of the set, but no range's start
            items.append(lit("]"))
            i += 1
        while i < n and pattern[i] != "]":
            c = pattern[i]
            if c == "-" and prior is not None and i + 1 < n and pattern[i + 1] != "]":
                if pattern[i + 1] < prior:   # SQLite's z-a holds nothing; PostgreSQL refuses the range
                    return None
                items[-1] = f"{lit(prior)}-{lit(pattern[i + 1])}"
                prior, i = None, i + 2
                continue
            items.append(lit(c))
            prior, i = c, i + 1
        if i >= n:
            return None
        i += 1
        out.append("[" + ("^" if invert else "") + "".join(items) + "]")
    return "".join(out) + "$"


def _ilike(node):
    import sqlglot
    if isinstance(node, sqlglot.exp.Like):
        return sqlglot.exp.ILike(this=node.this, expression=node.expression)
    return node


_CONSTANT_NODES = ("Literal", "Neg", "Paren", "Add", "Sub", "Mul", "Div", "Mod", "DPipe", "Concat")


def _sqlite_constant(sql: str, declared: str) -> str | None:
    """The text of the value SQLite stores for a default of literals and operators that does arithmetic on
    text (-'a' is 0, stored in a TEXT column as '0': SQLite reads text as a number, PostgreSQL refuses it),
    found by SQLite itself: a row of a one-column table with the column's declared type, inserted with
    DEFAULT VALUES.  None for anything else (kept as SQL: a function, a column, 'a' || 'b', NULL)."""
    import sqlite3
    import sqlglot
    try:
        tree = _read(sql, "sqlite")
    except Exception:   # noqa: BLE001 -- not read: not a constant this knows
        return None
    arithmetic = (sqlglot.exp.Neg, sqlglot.exp.Add, sqlglot.exp.Sub, sqlglot.exp.Mul, sqlglot.exp.Div,
                  sqlglot.exp.Mod)
    if not all(type(n).__name__ in _CONSTANT_NODES for n in tree.walk()) or not any(
            isinstance(n, arithmetic) and any(isinstance(x, sqlglot.exp.Literal) and x.is_string
                                              for x in n.iter_expressions()) for n in tree.walk()):
        return None
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f'CREATE TABLE t ("v" {declared} DEFAULT ({sql}))')
        db.execute("INSERT INTO t DEFAULT VALUES")
        (value,) = db.execute('SELECT "v" FROM t').fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return None if value is None or isinstance(value, bytes) else str(value)


# What a view's SQL may mean otherwise once sqlglot has written it for the other engine.
_READS_OTHERWISE = re.compile(r"::|\bCAST\s*\(|\binterval\b|\bnow\s*\(|\bcurrent_(?:date|time|timestamp)\b|"
                              r"\b(?:date_trunc|date_part|extract|to_char|to_date|to_timestamp|age|julianday|"
                              r"strftime|datetime|date|time|unixepoch|json\w*|jsonb\w*)\s*\(|->|\bCOLLATE\b", re.I)

# SQLite's built-in collations, which PostgreSQL has none of by these names, as the function PostgreSQL compares
# by instead (NOCASE folds ASCII letters only, lower() every letter; BINARY is the value itself)
_COLLATION_FUNCTIONS = {"NOCASE": "lower", "RTRIM": "rtrim", "BINARY": None}
_SQLITE_COLLATION = re.compile(r'\bCOLLATE\s+"?(%s)\b' % "|".join(n for n, fn in _COLLATION_FUNCTIONS.items() if fn),
                               re.I)


def _collation_of_key(shown: str) -> str | None:
    """The column of an index key `col COLLATE NOCASE` (or RTRIM), else None."""
    import sqlglot
    try:
        found = _collation_of(_read(shown or "", "sqlite"))
    except Exception:  # noqa: BLE001 -- sqlglot raises several types: not such a key
        return None
    return found[1].name if found is not None and found[0] and isinstance(found[1], sqlglot.exp.Column) else None


# The comparisons SQLite compares by an operand's collation: node type -> the arguments that are its operands
_COMPARED = {**{name: ("this", "expression") for name in ("EQ", "NEQ", "GT", "GTE", "LT", "LTE", "Like", "NullSafeEQ",
                                                             "NullSafeNEQ")},
             "Between": ("this", "low", "high"), "In": ("this", "expressions")}


def _collation_of(node) -> tuple[str | None, object] | None:
    """(PostgreSQL's function, the value) of a SQLite `value COLLATE <built-in>` (in parentheses too)."""
    import sqlglot
    while isinstance(node, sqlglot.exp.Paren):
        node = node.this
    if isinstance(node, sqlglot.exp.Collate) and node.expression is not None:
        name = node.expression.name.upper()
        if name in _COLLATION_FUNCTIONS:
            return _COLLATION_FUNCTIONS[name], node.this
    return None


def _operand_collation(node):
    """The collation an operand compares by: its own, or one within it through parentheses and || (SQLite
    carries an explicit COLLATE through a concatenation); None where it has none (False: BINARY)."""
    import sqlglot
    found = _collation_of(node)
    if found is not None:
        return found[0] or False
    if isinstance(node, (sqlglot.exp.Paren, sqlglot.exp.DPipe)):
        for child in (node.this, getattr(node, "expression", None)):
            got = _operand_collation(child) if child is not None else None
            if got is not None:
                return got
    return None


def _no_collation(node):
    collated = _collation_of(node) if type(node).__name__ == "Collate" else None
    return collated[1].copy() if collated is not None else node


def _postgres_collation(node):
    """A SQLite collation in PostgreSQL's words: a comparison with a collated operand compares every operand
    through the function (a = b COLLATE NOCASE is lower(a) = lower(b), a BETWEEN too); anywhere else a
    collation changes no value and goes (a default 'A' COLLATE NOCASE is 'A'; an index key is the caller's:
    see _both's key).  Where a collation also orders or groups (ORDER BY, GROUP BY, DISTINCT, a subquery's IN)
    it goes too: the importer lists such expressions for review."""
    import sqlglot
    exp = sqlglot.exp
    args = _COMPARED.get(type(node).__name__)
    if args is not None and not node.args.get("query"):
        found = [_operand_collation(x) for a in args for x in (node.args.get(a) if isinstance(node.args.get(a), list)
                                                                 else [node.args.get(a)]) if x is not None]
        fn = next((f for f in found if f is not None), None)   # the left operand's wins, as in SQLite
        if fn is not None or any(f is False for f in found):
            node = node.copy()
            for a in args:
                value = node.args.get(a)
                if value is None:
                    continue
                plain = [x.transform(_no_collation) for x in (value if isinstance(value, list) else [value])]
                if fn:
                    plain = [exp.Anonymous(this=fn, expressions=[x]) for x in plain]
                node.set(a, plain if isinstance(value, list) else plain[0])
        return node
    return _no_collation(node) if isinstance(node, exp.Collate) else node


# PostgreSQL's spellings of a float's infinity ('Infinity', '-inf', …), and of NaN, which SQLite cannot hold
_PG_FLOAT_INFINITY = re.compile(r"[+-]?inf(?:inity)?", re.I)
_PG_NAN_OR_INFINITY = re.compile(r"'\s*(?:nan|[+-]?inf(?:inity)?)\s*'::([\w ]+)", re.I)


def _pg_type_spelling(spelled: str) -> str:
    """A type as a manifest's postgres_type spells it: format_type's time(2) with time zone (the precision inside
    the name, which postgres_type's form does not take) as its other name, timetz(2); the same type."""
    return re.sub(r"^(time|timestamp)\((\d+)\) (with|without) time zone(?=(?:\[\])*$)",
                  lambda m: f"{m[1]}{'tz' if m[3] == 'with' else ''}({m[2]})", spelled)


def _sqlite_spelling(node):
    """A PostgreSQL spelling SQLite has no form of, as what means the same there (sqlglot keeps them as they
    are): octet_length(x) is the length of x's bytes; x = ANY (ARRAY[a, b]) is x IN (a, b) (the array cast to
    text[] or not); a string cast to
    a type of the schema (an enum: 'broadcast'::public.state) is that string (SQLite would cast it by the type
    name's affinity)."""
    from sqlglot import exp
    if isinstance(node, exp.Anonymous) and node.name.lower() == "octet_length" and len(node.expressions) == 1:
        return exp.Length(this=exp.cast(node.expressions[0].transform(_sqlite_spelling), "blob"))
    if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
        items = node.expression.this
        # PostgreSQL writes a varchar column's list cast to the column's comparison type:
        # (ARRAY['a'::character varying, ...])::text[]
        while isinstance(items, exp.Paren) or isinstance(items, exp.Cast) and items.to.is_type(exp.DataType.Type.ARRAY):
            items = items.this
        if isinstance(items, exp.Array):
            return exp.In(this=node.this.transform(_sqlite_spelling),
                          expressions=[e.transform(_sqlite_spelling) for e in items.expressions])
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.USERDEFINED and \
            isinstance(node.this, exp.Literal) and node.this.is_string:
        return node.this.copy()
    if isinstance(node, exp.Cast) and node.to.this in (exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT) and \
            isinstance(node.this, exp.Literal) and node.this.is_string and \
            _PG_FLOAT_INFINITY.fullmatch(node.this.this.strip()):
        # 'Infinity'::double precision: SQLite's CAST('Infinity' AS REAL) is 0.0; 9e999 is its infinity
        inf = exp.Literal.number("9e999")
        return exp.Neg(this=inf) if node.this.this.strip().startswith("-") else inf
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.VARBINARY and \
            isinstance(node.this, exp.Literal) and node.this.is_string:
        # bytea's hex form '\x00ff'::bytea (as PostgreSQL shows every bytea constant) is the blob x'00ff';
        # CAST('\x00ff' AS BLOB) would be the six bytes of that text
        digits = re.fullmatch(r"\\x((?:\s*[0-9A-Fa-f]{2})*)\s*", node.this.this)
        if digits:
            return exp.HexString(this=re.sub(r"\s", "", digits.group(1)))
    return node


def _search_columns(s, engine: str) -> list[str]:
    """Columns of a full-text search as schemactl writes it (FTS5 column list / to_tsvector coalesces)."""
    if engine == "sqlite":
        m = re.match(r"fts5\((.*)\) content=", s.key)
        return [c.strip() for c in m.group(1).split(",")] if m else []
    return re.findall(r'COALESCE\(\(?"?([^",)]+?)"?\)?(?:::\w+)?,', s.shown, re.I)


def _typeref(spelled: str) -> TypeRef:
    m = re.match(r"^(\w+)(?:\(([\d,]+)\))?(\[\])?$", spelled)
    args = tuple(int(a) for a in m.group(2).split(",")) if m.group(2) else ()
    return TypeRef(m.group(1), args, array=bool(m.group(3)))


# A clock read with a precision (CURRENT_TIMESTAMP(0), LOCALTIME(3)), and the digits SQLite's clock keeps.
# ((now())::timestamp(0) without time zone: the clock cast to a precision)
_CLOCK_PRECISION = re.compile(r"(?:\b(?:CURRENT_TIMESTAMP|CURRENT_TIME|LOCALTIMESTAMP|LOCALTIME)|::\s*(?:timestamp|time))"
                              r"\s*\(\s*(\d+)\s*\)", re.I)
_SQLITE_CLOCK_DIGITS = {"integer_ms": "keeps milliseconds (3)", "iso_text": "keeps milliseconds (3)",
                        "integer_s": "keeps whole seconds (0)",
                        "timestamp": "keeps whole seconds (0)", "time": "keeps whole seconds (0)",
                        "date": "keeps the day"}


def _json_text_as_written(default: str) -> str | None:
    """The text of a json default written as one string literal ('{"b": 1}' or '{"b": 1}'::json), else None."""
    m = re.fullmatch(r"\s*'((?:[^']|'')*)'(?:\s*::\s*json)?\s*", default)
    return m.group(1).replace("''", "'") if m else None


def _canonical_json(text: str) -> str | None:
    """JSON text as a literal default {value: …} writes it (keys sorted, no spaces), or None if not JSON."""
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return None


def _literal(value: str, kind: str, ref: TypeRef, members):
    """A YAML value for a literal default, checked by the same rules as a hand-written one."""
    if kind in ("int16", "int32", "int64"):
        v = {"true": 1, "false": 0}.get(value.lower(), None)   # SQLite's TRUE/FALSE are the integers 1/0
        v = int(value) if v is None else v
    elif kind == "float":
        v = float(value)
    elif kind == "boolean":
        v = value == "true"
    elif kind == "json":
        import json
        return {"value": json.loads(value)}
    elif kind == "bytes":
        raise literals.LiteralError("bytes")
    elif ref.array:   # canonical JSON of the elements' typed values (normalize.default_key)
        import json
        v = [None if x is None else _literal(str(x), ref.element.kind, ref.element, ()) for x in json.loads(value)]
    else:
        v = value
    literals.check_literal(v, ref, tuple(members))
    return v


# ---------------------------------------------------------------- DDL files


# The objects whose COMMENT ON the manifest has no place for: applied (a comment runs nothing), read back and
# listed with the object holding it (BEYOND_MODEL_SQL), at the COMMENT statement's own line, as import --db lists it.
_COMMENTED = r"INDEX|CONSTRAINT|SEQUENCE|TRIGGER|POLICY|TYPE|FUNCTION|PROCEDURE|AGGREGATE"
# What an import applies to its scratch database, by leading words; anything else is listed with its line.
# (a type's name may be quoted with spaces: "Sales Data"."stage")
_APPLY = re.compile(r'^(CREATE\s+(UNIQUE\s+)?INDEX|CREATE\s+((TEMP\w*|UNLOGGED)\s+)?TABLE|'
                    r'CREATE\s+TYPE\s+(?:"(?:[^"]|"")+"|[^\s"(]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[^\s"(]+))?\s+AS\s+ENUM|'
                    r"CREATE\s+(OR\s+REPLACE\s+)?(RECURSIVE\s+)?VIEW|CREATE\s+SCHEMA|CREATE\s+SEQUENCE|ALTER\s+SEQUENCE|"
                    r"ALTER\s+TABLE|CREATE\s+VIRTUAL\s+TABLE|CREATE\s+(OR\s+REPLACE\s+)?(CONSTRAINT\s+)?TRIGGER|"
                    r"COMMENT\s+ON\s+(TABLE|COLUMN|VIEW|" + _COMMENTED + r")|CREATE\s+DOMAIN|CREATE\s+POLICY|"
                    r"ALTER\s+POLICY|"
                    # what a file of migrations drops after creating it is not in the schema it describes
                    r"DROP\s+(TABLE|(MATERIALIZED\s+)?VIEW|INDEX|SEQUENCE|TYPE|DOMAIN|TRIGGER|POLICY)\b)", re.I)
# Extensions an import creates on its scratch database, so that the types and operator classes they provide
# can be read back: PostgreSQL's own trusted contrib extensions (their control files say `trusted = true`:
# installing them runs no code a database owner could not run).  Any other extension is never created.
from .types import TRUSTED_EXTENSIONS  # noqa: E402 - where the import's scratch database may create them
_EXTENSION = re.compile(r'^CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?("[^"]+"|[\w-]+)'
                        r'(?:\s+(?:WITH\s+)?SCHEMA\s+("[^"]+"|\w+))?\s*;?$', re.I)
# PostgreSQL functions are created (never called) so that their triggers can be read back; only in the
# trusted languages, whose bodies are checked but not run when created.
_FUNCTION = re.compile(r"^CREATE\s+(OR\s+REPLACE\s+)?FUNCTION\b", re.I)
_TRUSTED_LANGUAGE = re.compile(r"\bLANGUAGE\s+'?(plpgsql|sql)'?(\s|;|$)", re.I)
_ENVIRONMENT = re.compile(r"^(SET|SELECT\s+pg_catalog\.set_config|GRANT|REVOKE|BEGIN|COMMIT|END|PRAGMA|"
                          r"COMMENT\s+ON\s+EXTENSION)\b|\bOWNER\s+TO\b", re.I)
_IDENT = r'(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[\w$]+)'
_QNAME = rf"({_IDENT}(?:\s*\.\s*{_IDENT})*)"


def _from_query(text: str) -> bool:
    """CREATE TABLE … AS SELECT / AS (…) / AS EXECUTE: a word AS, SELECT or EXECUTE outside parentheses (VALUES
    too, except a partition's FOR VALUES)."""
    depth, i, n = 0, 0, len(text)
    previous = ""
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            j = text.find(ch, i + 1)
            i = n if j < 0 else j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and (ch.isalpha()):
            m = re.match(r"[A-Za-z_]\w*", text[i:])
            word = m.group().upper()
            if word in ("AS", "SELECT", "EXECUTE") or word == "VALUES" and previous != "FOR":
                return True
            previous = word
            i += len(m.group())
            continue
        i += 1
    return False


def classify(stmts: list[Statement], engine: str = "postgres") -> tuple[list[Statement], list[tuple]]:
    """(statements to apply, [(statement, why it is not applied)]).  Never applied: anything that is not a
    schema statement (data, queries, CREATE TABLE … AS, SELECT INTO, ATTACH, VACUUM INTO, DO blocks)."""
    keep, left = [], []
    for s in stmts:
        flat = " ".join(s.text.split())
        if _ENVIRONMENT.search(flat):
            continue  # session settings, ownership and privileges: not part of a schema manifest
        if re.match(r"^CREATE\s+((TEMP\w*|UNLOGGED)\s+)?TABLE\b", flat, re.I) and _from_query(flat):
            left.append((s, "creates a table from a query (data, not a schema); never run on import: write the "
                            "table as CREATE TABLE … (columns)"))
        elif _APPLY.match(flat):
            keep.append(s)
        elif engine == "postgres" and re.match(r"^CREATE\s+EXTENSION\b", flat, re.I):
            ext = _EXTENSION.match(flat)
            name = ext.group(1).strip('"').lower() if ext else ""
            if name in TRUSTED_EXTENSIONS:
                keep.append(Statement(s.line, f'CREATE EXTENSION IF NOT EXISTS "{name}"' + (
                    f" SCHEMA {ext.group(2)}" if ext.group(2) else "")))
            else:
                left.append((s, "an extension an import does not create (only PostgreSQL's trusted contrib "
                                f"extensions: {', '.join(TRUSTED_EXTENSIONS)}); its types and functions are unknown "
                                "to the import: create it on every PostgreSQL database the application uses"))
        elif engine == "postgres" and _FUNCTION.match(flat) and _TRUSTED_LANGUAGE.search(flat):
            keep.append(s)
        else:
            left.append((s, "not a schema statement schemactl maps; never run on import"))
    return keep, left


def _exact_name(raw: str) -> str:
    """The last part of a qualified name as declared: quotes removed, a quoted name's case kept."""
    last = re.findall(_IDENT, raw)[-1]
    return last[1:-1].replace('""', '"') if last[0] in '"`[' else last.lower()


def _name(raw: str) -> str:
    last = re.findall(_IDENT, raw)[-1]
    if last[0] in '"`[':
        last = last[1:-1].replace('""', '"')
    return last.lower()


# What CREATE TABLE's body holds between its definitions: quoted text, comments, parentheses, separators.
_BODY_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|/\*.*?\*/|[(),]""", re.S)
_BLANK = re.compile(r"(?:\s|--[^\n]*|/\*.*?\*/)*", re.S)


def _column_starts(body: str):
    """(offset, first word) of each definition of a CREATE TABLE body: what follows its opening parenthesis
    or a comma at the outermost level, comments skipped (a name inside an expression or a JSON path is none)."""
    depth = 0
    for tok in _BODY_TOKEN.finditer(body):
        t = tok.group(0)
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
            if depth <= 0:
                return
        if t in ("(", ",") and depth == 1:
            start = _BLANK.match(body, tok.end()).end()
            ident = re.match(_IDENT, body[start:])
            if ident:
                yield start, ident.group(0)


# A COMMENT ON statement of DDL, and the reason BEYOND_MODEL_SQL lists such a comment with: (kind, name, table)
_COMMENT_ON = re.compile(rf"\s*COMMENT\s+ON\s+({_COMMENTED})\s+{_QNAME}(?:\s*\([^)]*\))?"
                         rf"(?:\s+ON\s+(?:DOMAIN\s+)?{_QNAME})?", re.I)
_COMMENT_LEFT_OUT = re.compile(rf"COMMENT ON ({_COMMENTED}) {_QNAME}(?: ON {_QNAME})? left out\b")


class Locator:
    """Where an object of the manifest came from in the user's own files (file:line)."""

    def __init__(self):
        self.places: dict[tuple, str] = {}
        self.schema: str | None = None   # the PostgreSQL schema imported: its own domains are listed unqualified

    def _put(self, key: tuple, where: str) -> None:
        self.places.setdefault(key, where)

    def add(self, filename: str, s: Statement) -> None:
        text = s.text
        at = f"{filename}:{s.line}"
        m = _COMMENT_ON.match(text)
        if m:   # found by _COMMENT_LEFT_OUT's words: ("comment on index", name[, table])
            kind, name = f"comment on {m.group(1).lower()}", _name(m.group(2))
            if m.group(3):
                self._put((kind, name, _name(m.group(3))), at)
            self._put((kind, name), at)
            return
        m = re.match(rf"\s*CREATE\s+(?:TEMP\w*\s+|UNLOGGED\s+|VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_QNAME}",
                     text, re.I)
        if m:
            table = _name(m.group(1))
            self._put(("table", table), at)
            body = text[m.end():]
            for at_col, ident in _column_starts(body):
                line = s.line + text.count("\n", 0, m.end() + at_col)
                self._put(("column", table, _name(ident)), f"{filename}:{line}")
            for cm in re.finditer(rf"\bCONSTRAINT\s+({_IDENT})", body, re.I):
                line = s.line + text.count("\n", 0, m.end() + cm.start(1))
                self._put(("object", _name(cm.group(1))), f"{filename}:{line}")
            return
        patterns = (("index", rf"\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
                               rf"{_QNAME}"),
                    ("view", rf"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\w*\s+|MATERIALIZED\s+|RECURSIVE\s+)?VIEW\s+"
                              rf"(?:IF\s+NOT\s+EXISTS\s+)?{_QNAME}"),
                    ("trigger", rf"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                                rf"{_QNAME}"),
                    ("type", rf"\s*CREATE\s+TYPE\s+{_QNAME}"), ("domain", rf"\s*CREATE\s+DOMAIN\s+{_QNAME}"),
                    ("function", rf"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+{_QNAME}"),
                    ("aggregate", rf"\s*CREATE\s+(?:OR\s+REPLACE\s+)?AGGREGATE\s+{_QNAME}"),
                    ("sequence", rf"\s*CREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_QNAME}"),
                    ("policy", rf"\s*CREATE\s+POLICY\s+{_QNAME}"),
                    ("extension", r'\s*CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?("[^"]+"|[\w-]+)'))
        for kind, rx in patterns:
            m = re.match(rx, text, re.I)
            if m:
                name = m.group(1).strip('"').lower() if kind == "extension" else _name(m.group(1))
                on = re.search(rf"\bON\s+(?:TABLE\s+)?{_QNAME}", text[m.end():], re.I) \
                    if kind in ("trigger", "policy", "index") else None
                if on:
                    self._put((kind, name, _name(on.group(1))), at)
                if kind == "domain":   # domains of several schemas may share a name: each by its schema too
                    parts = re.findall(_IDENT, m.group(1))
                    self._put((kind, f"{_name(parts[-2]) if len(parts) > 1 else 'public'}.{name}"), at)
                self._put((kind, name), at)
                self._put(("object", name), at)
                return
        m = re.match(rf"\s*ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_QNAME}", text, re.I)
        if m:
            table = _name(m.group(1))
            for cm in re.finditer(rf"\bCONSTRAINT\s+({_IDENT})", text, re.I):
                self._put(("object", _name(cm.group(1))), at)
            for cm in re.finditer(rf"\bALTER\s+(?:COLUMN\s+)?({_IDENT})\s+SET\s+DEFAULT", text, re.I):
                self._put(("default", table, _name(cm.group(1))), at)
            for cm in re.finditer(rf"\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?({_IDENT})", text, re.I):
                if cm.group(1).upper() not in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK"):
                    self._put(("column", table, _name(cm.group(1))), at)

    def statement(self, filename: str, s: Statement) -> str:
        return f"{filename}:{s.line}"

    def __call__(self, path: tuple, name: str | None = None, kind: str | None = None, table: str | None = None) -> str:
        keys = []
        if kind is None and path[:1] in (("triggers",), ("views",)) and len(path) >= 2:
            kind, name = path[0][:-1], name or path[1]
        if name and kind:
            if table:
                keys.append((kind, name.lower(), table.lower()))
            if kind == "domain" and "." not in name:   # the imported schema's own
                keys.append((kind, f"{(self.schema or 'public').lower()}.{name.lower()}"))
            keys.append((kind, name.lower()))
        if name:
            keys.append(("object", name.lower()))
            if kind == "search":   # an FTS5 table: its CREATE VIRTUAL TABLE
                keys.append(("table", name.lower()))
        if path[:1] == ("tables",) and len(path) >= 2:
            t = path[1].lower()
            if len(path) >= 4 and path[2] == "columns":
                if path[4:5] == ("default",):
                    keys.append(("default", t, path[3].lower()))
                keys.append(("column", t, path[3].lower()))
            keys.append(("table", t))
        elif len(path) >= 2:
            keys.append(("object", str(path[1]).lower()))
        for k in keys:
            if k in self.places:
                return self.places[k]
        return ""


class SourceLocator(Locator):
    """For a Drizzle schema: places in the user's .ts file, found by the quoted names it declares."""

    def __init__(self, filename: str, text: str, keys: dict | None = None):
        super().__init__()
        self.filename, self.text = filename, text
        self.keys = keys or {}   # (table, column's SQL name) -> its property key, where they differ (casing)

    def _find(self, name: str, start: int = 0) -> int:
        m = re.compile(rf"""["'`]{re.escape(name)}["'`]""").search(self.text, start)
        return m.start() if m else -1

    def _line(self, pos: int) -> str:
        return f"{self.filename}:{self.text.count(chr(10), 0, pos) + 1}"

    def add(self, filename: str, s: Statement) -> None:
        pass

    def _column(self, name: str, table_at: int) -> int:
        """A column of the table declared at table_at: its SQL name quoted, else its property key (a column
        declared without a name is named by its key)."""
        c = self._find(name, table_at)
        if c < 0:
            m = re.compile(rf"(?<![\w$.]){re.escape(name)}\s*:").search(self.text, table_at)
            c = m.start() if m else -1
        return c

    def statement(self, filename: str, s: Statement) -> str:
        m = re.search(rf"\b(?:TABLE|INDEX|VIEW|TRIGGER|TYPE|POLICY|SEQUENCE)\s+(?:IF\s+NOT\s+EXISTS\s+)?{_QNAME}",
                      s.text, re.I)
        pos = self._find(_exact_name(m.group(1))) if m else -1
        if pos >= 0 and re.match(r"\s*ALTER\s+TABLE\b", s.text, re.I):
            # a constraint drizzle-kit adds after the table: at its name where the file spells it (foreignKey({
            # name })), else at its first column (.references() on the column)
            con = re.search(rf"\bCONSTRAINT\s+{_QNAME}", s.text, re.I)
            named = self._find(_exact_name(con.group(1)), pos) if con else -1
            col = re.search(rf"\b(?:FOREIGN\s+KEY|UNIQUE|PRIMARY\s+KEY)\s*\(\s*{_QNAME}", s.text, re.I)
            at_col = self._column(_exact_name(col.group(1)), pos) if col and named < 0 else -1
            pos = named if named >= 0 else at_col if at_col >= 0 else pos
        return self._line(pos) if pos >= 0 else self.filename

    def __call__(self, path: tuple, name: str | None = None, **kind) -> str:
        if name and self._find(name) >= 0:
            return self._line(self._find(name))
        if path[:1] == ("tables",) and len(path) >= 2:
            t = self._find(path[1])
            if t < 0:
                return self.filename
            if len(path) >= 4 and path[2] == "columns":
                c = self._column(path[3], t)
                key = self.keys.get((path[1], path[3]))
                if c < 0 and key is not None:
                    c = self._column(key, t)
                return self._line(c if c >= 0 else t)
            return self._line(t)
        if len(path) >= 2 and self._find(str(path[1])) >= 0:
            return self._line(self._find(str(path[1])))
        return self.filename


# ---------------------------------------------------------------- entry points

def _quiet_sqlglot() -> None:
    from .sqlexpr import quiet
    quiet()


def from_catalog(catalog: Catalog, engine: str, name: str, schema: str | None = None,
                 extras: dict | None = None, serials: str = "sequence") -> tuple[dict, Summary]:
    _quiet_sqlglot()
    imp = Importer(catalog, engine, schema, serials)
    imp.extras = extras or {}
    doc = imp.manifest(name)
    imp.unmapped_objects(doc)
    return doc, imp.summary


def from_snapshot(snapshot, name: str) -> tuple[dict, Summary] | None:
    """A pg-core Drizzle schema's import from drizzle-kit's snapshot of it, without a scratch PostgreSQL: the
    catalog rows the server would return for drizzle-kit's DDL (schemactl.drizzle_snapshot), mapped as
    from_ddl maps the server's; None where those rows are not known exactly (from_ddl then asks the server).
    The caller places the summary's entries (summary.locate), as from_ddl does with its locator."""
    from .drizzle_snapshot import Unsupported, rows
    from .introspect.postgres import from_rows
    try:
        q, extras = rows(snapshot)
    except Unsupported:
        return None
    _quiet_sqlglot()
    doc, summary = from_catalog(from_rows(q, "public"), "postgres", name, "public", extras, "identity")
    _creator_policies(doc, summary, "")   # (no policy: the document as from_ddl leaves it)
    return doc, summary


def from_database(conn, engine: str, name: str, schema: str | None = None,
                  serials: str = "sequence") -> tuple[dict, Summary]:
    """``serials``: a serial key as its sequence and default (the database's own), or "identity" (Drizzle's)."""
    from .introspect import introspect
    _quiet_sqlglot()
    if engine != "postgres":
        return from_catalog(introspect(conn, engine, schema), engine, name, schema, {})
    from .introspect.postgres import read_settings
    with read_settings(conn):   # pg_extras' expressions too are shown in the settings the import reads
        extras = pg_extras(conn, schema or "public")
        return from_catalog(introspect(conn, engine, schema), engine, name, schema, extras, serials)


# What a PostgreSQL schema holds beyond the parity catalog: the objects an import maps approximately or lists
# as not mapped (domains, extensions, functions, sequences, materialized views, policies, partitions).
_PG_EXTRAS = {
    # every domain, so that a cast to any of them reads as its base type; listed: the imported schema's own and
    # those the schema's columns have (or an array of) and its defaults and checks name
    "domains": """WITH own AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')),
                  used AS (SELECT a.atttypid AS oid FROM pg_attribute a
                           WHERE a.attrelid IN (SELECT oid FROM own) AND a.attnum > 0 AND NOT a.attisdropped
                           UNION SELECT d.refobjid FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
                           WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_type'::regclass
                             AND ad.adrelid IN (SELECT oid FROM own)
                           UNION SELECT d.refobjid FROM pg_depend d JOIN pg_constraint co ON co.oid = d.objid
                           WHERE d.classid = 'pg_constraint'::regclass AND d.refclassid = 'pg_type'::regclass
                             AND co.conrelid IN (SELECT oid FROM own))
                  SELECT n.nspname, t.typname, quote_ident(n.nspname), quote_ident(t.typname),
                         pg_type_is_visible(t.oid), format_type(t.typbasetype, t.typtypmod),
                         (SELECT string_agg(pg_get_constraintdef(c.oid), ' AND ') FROM pg_constraint c
                          WHERE c.contypid = t.oid), t.typnotnull, t.typdefault,
                         CASE WHEN t.typcollation NOT IN (0, b.typcollation) THEN
                              (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = t.typcollation) END,
                         n.nspname = %(schema)s OR t.oid IN (SELECT oid FROM used) OR t.typarray IN (SELECT oid FROM used)
                  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype
                  WHERE t.typtype = 'd' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  ORDER BY n.nspname <> %(schema)s, 1, 2""",
    # (table, column, schema, name, array) of each column whose type is a domain or an array of one: format_type's
    # name may not tell which
    "column_domains": """SELECT c.relname, a.attname, tn.nspname, t.typname, at.typtype <> 'd' FROM pg_attribute a
                         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                         JOIN pg_type at ON at.oid = a.atttypid
                         JOIN pg_type t ON t.oid = CASE WHEN at.typtype = 'd' THEN at.oid
                                                       WHEN at.typcategory = 'A' THEN at.typelem END
                         JOIN pg_namespace tn ON tn.oid = t.typnamespace
                         WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0
                           AND NOT a.attisdropped AND t.typtype = 'd' ORDER BY 1, 2""",
    "extensions": "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1",
    # (table, column, type, extension) of each column whose type, or its array's element type, an extension this
    # server has available created in public, where generate creates the extensions of types.PG_EXTENSION_TYPES
    "extension_types": """SELECT c.relname, a.attname, t.typname, e.extname FROM pg_attribute a
                          JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                          JOIN pg_type at ON at.oid = a.atttypid
                          JOIN pg_type t ON t.oid = CASE WHEN at.typcategory = 'A' AND at.typelem <> 0
                                                         THEN at.typelem ELSE at.oid END
                          JOIN pg_namespace tn ON tn.oid = t.typnamespace AND tn.nspname = 'public'
                          JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
                          JOIN pg_extension e ON e.oid = d.refobjid
                          WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0
                            AND NOT a.attisdropped
                            AND e.extname IN (SELECT name FROM pg_available_extensions) ORDER BY 1, 2""",
    "schemas": """SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema'
                  ORDER BY 1""",
    "functions": """SELECT p.proname, p.prokind::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = %(schema)s AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid =
                    'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') ORDER BY 1, 2""",
    "relations": """SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = %(schema)s AND c.relkind IN ('S', 'm') AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'i'))
                    ORDER BY 1""",
    "extension_opclasses": """SELECT DISTINCT o.opcname, e.extname FROM pg_opclass o JOIN pg_depend d ON d.classid =
                              'pg_opclass'::regclass AND d.objid = o.oid AND d.deptype = 'e'
                              JOIN pg_extension e ON e.oid = d.refobjid ORDER BY 1""",
    "extension_default_opclasses": """SELECT DISTINCT c.relname, ic.relname, o.opcname, e.extname FROM pg_index i
                                      JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
                                      JOIN pg_namespace n ON n.oid = c.relnamespace
                                      JOIN LATERAL unnest(i.indclass::oid[]) AS k(oid) ON true
                                      JOIN pg_opclass o ON o.oid = k.oid AND o.opcdefault
                                      JOIN pg_depend d ON d.classid = 'pg_opclass'::regclass AND d.objid = o.oid
                                       AND d.deptype = 'e' JOIN pg_extension e ON e.oid = d.refobjid
                                      WHERE n.nspname = %(schema)s ORDER BY 1, 2, 3""",
    "own_types": """SELECT t.typname, CASE t.typtype WHEN 'r' THEN 'range' WHEN 'm' THEN 'multirange'
                    ELSE 'composite' END FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                    WHERE n.nspname = %(schema)s AND (t.typtype IN ('r', 'm') OR t.typtype = 'c' AND EXISTS (
                    SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')) ORDER BY 1""",
    # (table, column, type, kind, schema, domain) of each column whose type, its element type or a domain's base
    # type under them is a user's type of another schema than the imported one, which the manifest (one schema)
    # does not create (domain: the column's own type, when a domain leads to it); an extension's types are the
    # extension's (listed with it)
    "foreign_types": """WITH RECURSIVE walk(attrelid, attnum, oid, arrays, domains) AS (
                            SELECT a.attrelid, a.attnum, a.atttypid, 0, 0 FROM pg_attribute a
                            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0
                              AND NOT a.attisdropped
                            UNION ALL
                            SELECT w.attrelid, w.attnum, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END,
                                   w.arrays + (t.typtype <> 'd')::int, w.domains + (t.typtype = 'd')::int
                            FROM walk w JOIN pg_type t ON t.oid = w.oid
                            WHERE t.typtype = 'd' OR t.typcategory = 'A' AND t.typelem <> 0)
                        SELECT c.relname, a.attname, quote_ident(tn.nspname) || '.' || quote_ident(t.typname)
                               || repeat('[]', w.arrays),
                               CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'r' THEN 'range' WHEN 'm' THEN 'multirange'
                               WHEN 'c' THEN 'composite' ELSE 'base' END, tn.nspname,
                               CASE WHEN w.domains > 0 THEN format_type(a.atttypid, NULL) END
                        FROM walk w JOIN pg_type t ON t.oid = w.oid JOIN pg_namespace tn ON tn.oid = t.typnamespace
                        JOIN pg_attribute a ON a.attrelid = w.attrelid AND a.attnum = w.attnum
                        JOIN pg_class c ON c.oid = w.attrelid
                        WHERE t.typtype <> 'd' AND NOT (t.typcategory = 'A' AND t.typelem <> 0)
                          AND tn.nspname NOT IN (%(schema)s, 'pg_catalog', 'information_schema')
                          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                                          AND d.objid = t.oid AND d.deptype = 'e')
                        ORDER BY 1, a.attnum""",
    "transition_tables": """SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(schema)s
                            AND (t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL) ORDER BY 1, 2""",
    "policies": "SELECT tablename, policyname FROM pg_policies WHERE schemaname = %(schema)s ORDER BY 1, 2",
    "row_security": """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = %(schema)s AND c.relrowsecurity ORDER BY 1""",
    "partitioned": """SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_class c
                      JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = %(schema)s AND c.relkind = 'p' ORDER BY 1""",
    "identities": """SELECT c.relname, a.attname, a.attidentity::text, s.seqstart, s.seqincrement, s.seqmin,
                     s.seqmax, s.seqcycle, s.seqcache, format_type(a.atttypid, NULL), sc.relname,
                     format_type(s.seqtypid, NULL) FROM pg_attribute a
                     JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                     JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.refobjid = c.oid
                      AND d.refobjsubid = a.attnum AND d.deptype = 'i'
                     JOIN pg_sequence s ON s.seqrelid = d.objid JOIN pg_class sc ON sc.oid = s.seqrelid
                     WHERE n.nspname = %(schema)s AND a.attidentity <> '' ORDER BY 1, 2""",
    # (severity, table, kind, object, why) of what an object holds beyond the manifest's model
    "beyond": BEYOND_MODEL_SQL,
    "partitions": """SELECT c.relname, p.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_class c
                     JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_inherits i ON i.inhrelid = c.oid
                     JOIN pg_class p ON p.oid = i.inhparent WHERE n.nspname = %(schema)s AND c.relispartition
                     ORDER BY 1""",
}


def pg_extras(conn, schema: str) -> dict:
    from .introspect.postgres import batch
    return dict(zip(_PG_EXTRAS, batch(conn, [(q, {"schema": schema}) for q in _PG_EXTRAS.values()])))


def _without_meta_commands(statements: list[Statement], dropped: list | None = None) -> list[Statement]:
    """psql's meta-commands (a line starting with a backslash: pg_dump writes \\restrict and \\unrestrict
    around its output) are psql's, not SQL: dropped from the start of each statement, as psql reads them.
    ``dropped`` receives each one other than pg_dump's \\restrict/\\unrestrict (\\! …, \\connect …, \\i …), as a
    Statement of its own line: the import lists them (they were dropped unsaid)."""
    out = []
    for st in statements:
        if not st.text.startswith("\\"):
            out.append(st)
            continue
        end = st.text.find("\n")
        command = st.text if end < 0 else st.text[:end]
        if dropped is not None and command.split()[0] not in ("\\restrict", "\\unrestrict"):
            dropped.append(Statement(st.line, command))
        if end >= 0:   # the rest, read again (its comments skipped, its line counted on)
            out += _without_meta_commands([Statement(st.line + x.line, x.text)
                                           for x in split_sql(st.text[end + 1:], "postgres")], dropped)
    return out


_COPY_FROM_STDIN = re.compile(r"^\s*COPY\s.*\bFROM\s+STDIN\b.*;\s*$", re.I)


def _without_copy_data(text: str) -> str:
    """``text`` with the rows of each COPY … FROM stdin (pg_dump's table data, up to its line \\.) blanked, each
    line kept as an empty one so that the lines after it keep their numbers: rows are data, never statements
    (a row holding "x; CREATE TABLE y (…);" was split and run as DDL), and never shown."""
    lines = text.split("\n")
    rows = False
    for n, line in enumerate(lines):
        if rows:
            rows = line.rstrip("\r") != "\\."
            lines[n] = ""
        elif _COPY_FROM_STDIN.match(line):
            rows = True
    return "\n".join(lines)


def from_ddl(texts: list[tuple[str, str]], engine: str, name: str, provider: str = "auto",
             url: str | None = None, locator: Locator | None = None, server=None,
             schema: str | None = None) -> tuple[dict, Summary, list[str]]:
    """Apply the schema statements of DDL files to a scratch database of ``engine`` and import that.

    A statement the engine rejects is left out and listed with the engine's message; the rest goes on.
    ``schema``: the PostgreSQL schema to import (else the one holding most tables)."""
    locator = locator or Locator()
    keep, left, tails = [], [], set()
    for filename, text in texts:
        meta: list[Statement] = []
        statements = _without_meta_commands(split_sql(_without_copy_data(text), engine), meta) \
            if engine == "postgres" else split_sql(text, engine)
        tails.update(id(s) for s in statements[-1:])
        k, n = classify(statements, engine)
        keep += [(filename, s) for s in k]
        left += [(filename, s, why) for s, why in n]
        left += [(filename, s, "a psql meta-command, psql's and not SQL: never run on import") for s in meta]
    for filename, s in keep:
        locator.add(filename, s)
    if engine == "sqlite":
        import sqlite3
        conn = sqlite3.connect(":memory:", isolation_level=None)
        rejected = _apply(conn, keep)
        doc, summary = from_database(conn, "sqlite", name)
        conn.close()
    else:
        import contextlib
        import psycopg
        from .engines.providers import postgres
        with contextlib.ExitStack() as stack:
            if server is None:
                server = stack.enter_context(postgres(provider, url))
            # the roles the file's policies name: the deployment's, created (without LOGIN) where they are missing
            conninfo = stack.enter_context(server.scratch(_policy_roles(s for _, s in keep)))
            conn = stack.enter_context(psycopg.connect(conninfo, autocommit=True))
            # as pg_dump's files set it: a SQL function's body may read a table the file creates after it
            conn.execute("SET check_function_bodies = false")
            # drizzle-kit's DDL of a Drizzle schema (the only texts read with a SourceLocator) goes in batches: it
            # creates only what the catalog lists in an order of names alone (types, tables, constraints,
            # indexes, views, policies).  A DDL file's triggers share names across tables, and same-named
            # triggers are listed in the order the catalog happens to hold them, which batching would change.
            def second():
                c = psycopg.connect(conninfo, autocommit=True)
                c.execute("SET check_function_bodies = false")
                return c
            rejected = _apply(conn, keep, batch=isinstance(locator, SourceLocator), tails=frozenset(tails),
                              connect=second)
            if isinstance(locator, SourceLocator) and rejected:
                # drizzle-kit writes every foreign key before every index: a key to a column only a uniqueIndex()
                # makes unique is refused in that order, and taken once the indexes exist
                retry = [(f, st) for f, st, _ in rejected if _DRIZZLE_FK.match(st.text)]
                still = {id(st) for _, st, _ in _apply(conn, retry)} if retry else set()
                rejected = [r for r in rejected if id(r[1]) in still or not _DRIZZLE_FK.match(r[1].text)]
            counts = dict(conn.execute(
                "SELECT n.nspname, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' "
                "GROUP BY n.nspname").fetchall())
            # one schema per manifest: the one asked for, else the one holding most tables (public on a tie)
            if schema is not None and schema not in counts:
                from .errors import SchemactlError
                held = ", ".join(sorted(counts)) or "none"
                # a table the engine refused may be why: its statement and the engine's word, at its line
                refused = [f"\n    {locator.statement(f, st)}: {_head(st.text)}: postgres rejected it: {msg}"
                           for f, st, msg in rejected if re.match(r"\s*CREATE\s+(?:\w+\s+)*TABLE\b", st.text, re.I)]
                raise SchemactlError(f"--schema {schema}: the DDL creates no table in PostgreSQL schema {schema!r} "
                                     f"(schemas with tables: {held}); nothing was written: name one of those"
                                     + (", or make PostgreSQL take the tables it rejected:" + "".join(refused)
                                        if refused else ""))
            if schema is None:
                schema = max(sorted(counts, key=lambda n: (n != "public", n)), key=counts.get) if counts else "public"
            locator.schema = schema
            # a Drizzle schema's serial() key is the manifest's identity, as the generated files write it
            doc, summary = from_database(conn, "postgres", name, schema,
                                         "identity" if isinstance(locator, SourceLocator) else "sequence")
            _creator_policies(doc, summary, conn.execute("SELECT current_user").fetchone()[0])
            for other in sorted(set(counts) - {schema}):
                summary.not_mapped((), f"{counts[other]} table(s) in another PostgreSQL schema; a manifest holds one "
                                       f"schema: import it on its own (import --db … --schema {other})",
                                   what=f'schema "{other}"', where=locator(("schema", other), other) or "")
    mapped_triggers = set(doc.get("triggers", {}))
    for filename, s, why in left:
        summary.not_mapped((), why, what=_head(s.text), where=locator.statement(filename, s))
    for filename, s, msg in rejected:
        if _FUNCTION.match(s.text.strip()):
            continue   # reported below with what became of it
        summary.not_mapped((), f"{engine} rejected it: {msg}", what=_head(s.text), where=locator.statement(filename, s))
    for filename, s in keep:   # functions: part of a trigger schemactl maps, or not mapped
        m = _FUNCTION.match(s.text.strip())
        if m:
            fn = _name(re.match(rf"\s*CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+{_QNAME}", s.text, re.I).group(1))
            listed = any(e.what == f'function "{fn}"' for e in summary.unmapped)   # by the catalog's listing
            held = fn in doc.get("functions", {})   # mapped (functions:)
            if not (fn.endswith("_fn") and fn[:-3] in mapped_triggers) and not listed and not held:
                msg = next((msg for _, r, msg in rejected if r is s), None)
                summary.not_mapped((), f"{engine} rejected it: {msg}" if msg else "the import could not read it back "
                                   "as one function of the schema; keep it in the application's migrations",
                                   what=f'function "{fn}"', where=locator.statement(filename, s))
    summary.locate = locator
    return doc, summary, []


_POLICY_TO = re.compile(r"^\s*(?:CREATE|ALTER)\s+POLICY\b.*?\bTO\s+(.+?)(?:\s+USING\b|\s+WITH\s+CHECK\b|\s*;?\s*$)",
                        re.I | re.S)
_ROLE = re.compile(r'\s*(?:"((?:[^"]|"")*)"|([^\s,"]+))\s*(?:,|$)')


def _policy_roles(statements) -> list[str]:
    """The roles named by CREATE/ALTER POLICY … TO … (not the keywords public, current_user, …)."""
    out = set()
    for s in statements:
        found = _POLICY_TO.match(s.text)
        if not found:
            continue
        for quoted, bare in _ROLE.findall(found.group(1)):
            role = quoted.replace('""', '"') if quoted else bare.lower()
            if role and role not in ROLE_KEYWORDS:
                out.add(role)
    return sorted(out)


def _creator_policies(doc: dict, summary: Summary, creator: str) -> None:
    """A policy TO CURRENT_USER (or SESSION_USER, CURRENT_ROLE) names the role that created it, which on the
    import's scratch database is a role of schemactl's own: not a role of the deployment, so the policy is
    listed as not mapped (name the role in the file) rather than declared with that role."""
    for tname, t in doc.get("tables", {}).items():
        for pname in [p for p, spec in t.get("policies", {}).items() if creator in spec.get("roles", ())]:
            del t["policies"][pname]
            summary.not_mapped(("tables", tname, "policies", pname), "names CURRENT_USER (or SESSION_USER), which "
                               "PostgreSQL records as the role that creates the policy; name that role instead",
                               what=f'policy "{pname}" on table "{tname}"')
        if "policies" in t and not t["policies"]:
            del t["policies"]
    pg = doc.get("postgres", {})
    used = {r for t in doc.get("tables", {}).values() for spec in t.get("policies", {}).values()
            for r in spec.get("roles", ())}
    if "roles" in pg:
        pg["roles"] = [r for r in pg["roles"] if r in used]
        if not pg["roles"]:
            del pg["roles"]
    if "postgres" in doc and not doc["postgres"]:
        del doc["postgres"]


def _head(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:70] + ("…" if len(flat) > 70 else "")


# Statements never sent in a batch: one whose effect ends with its transaction (ON COMMIT), or that cannot run
# inside one (CONCURRENTLY); on its own it is its own transaction, as before.
_ALONE = re.compile(r"\bON\s+COMMIT\b|\bCONCURRENTLY\b", re.I)


_DRIZZLE_FK = re.compile(r'\s*ALTER\s+TABLE\s+\S.*\bADD\s+CONSTRAINT\s+.*\bFOREIGN\s+KEY\b', re.I | re.S)


def _apply(conn, statements, batch: bool = False, tails: frozenset = frozenset(), connect=None) -> list[tuple]:
    """Run each statement on its own (autocommit); [(file, statement, the engine's message)] for the rejected.

    With ``batch`` (PostgreSQL), runs of statements that each end with the ';' that ended them in their file
    go to the server in one round trip (one implicit transaction): when the server takes them all, that is
    what running them one by one would have done; when it rejects one, nothing of the run is kept and it is
    run again one statement at a time, so that each rejected statement is found with its own message.
    ``tails`` (ids of each file's last statement, which may end inside an unclosed quote or comment) and
    statements that must be their own transaction are always run alone.

    ``connect`` (PostgreSQL: a second connection to the same database, opened on demand) lets a long run of
    CREATE TABLE or CREATE INDEX statements be split over two server processes (see _apply_split)."""
    rejected: list[tuple] = []
    run: list = []

    def flush():
        for part in _split_runs(run) if connect is not None else [list(run)] if run else []:
            if part[0] is _SPLIT:
                if _apply_split(conn, connect, part[1:]):
                    continue
                part = part[1:]
            if len(part) > 1:
                try:
                    conn.execute("\n".join(s.text for _, s in part))
                    continue
                except Exception:  # one of them is rejected (the batch rolled back as a whole): one at a time
                    pass
            rejected.extend(_apply(conn, part))
        run.clear()

    if batch:
        for filename, s in statements:
            if id(s) not in tails and s.text.endswith(";") and not _ALONE.search(s.text):
                run.append((filename, s))
                continue
            flush()
            rejected.extend(_apply(conn, [(filename, s)]))
        flush()
        return rejected
    for filename, s in statements:
        try:
            conn.execute(s.text)
        except Exception as exc:  # the engine's own message, located in the user's file
            msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            rejected.append((filename, s, msg))
    return rejected


# A run of at least this many CREATE TABLE (or CREATE INDEX) statements is split over two connections.
_SPLIT_MIN = 64
_SPLIT = object()   # marks a part of _split_runs() that may be split
_SPLITTABLE = (re.compile(r"CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?!.*\bAS\b\s*(?:SELECT|WITH|VALUES|TABLE|\())", re.I | re.S),
               re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY\b)", re.I))


def _split_runs(run: list) -> list[list]:
    """``run`` cut into its maximal stretches of one kind (CREATE TABLE, CREATE INDEX, anything else), in
    order; a stretch of one splittable kind of at least _SPLIT_MIN statements starts with _SPLIT."""
    out: list[tuple[int, list]] = []
    for item in run:
        kind = next((k for k, rx in enumerate(_SPLITTABLE) if rx.match(item[1].text)), -1)
        if out and out[-1][0] == kind:
            out[-1][1].append(item)
        else:
            out.append((kind, [item]))
    return [[_SPLIT, *part] if kind >= 0 and len(part) >= _SPLIT_MIN else part for kind, part in out]


# The names a transaction has created so far (what another connection's transaction cannot see yet)
_NEW_NAMES = """SELECT 'r', relnamespace::regnamespace::text, relname FROM pg_class WHERE xmin = {xid}
                UNION ALL SELECT 't', typnamespace::regnamespace::text, typname FROM pg_type WHERE xmin = {xid}
                UNION ALL SELECT 'c', connamespace::regnamespace::text, conname FROM pg_constraint WHERE xmin = {xid}"""


def _apply_split(conn, connect, part: list) -> bool:
    """Run ``part`` (statements of one kind, in order) as two halves, each in a transaction of its own
    connection at once (the server builds tables and indexes in two processes); True when both took their
    half and the result is what running the statements in order gives, then both are committed.

    Running them in order differs only where statements share a name: a name taken by the other half is
    invisible to this one until it commits (a name PostgreSQL chooses, as <table>_pkey or <table>_<col>_check,
    would not get the suffix it gets in order; the same explicit name twice would fail in the other
    statement).  So a half that waits on a lock the other holds gives up at once (lock_timeout), and the
    names both halves created are compared: on any failure or shared name both roll back, and the caller
    runs ``part`` in order as before."""
    import threading
    try:
        other = connect()
    except Exception:  # noqa: BLE001 -- no second connection: in order, as before
        return False
    half = len(part) // 2
    halves = ((conn, part[:half]), (other, part[half:]))
    results: list = [None, None]

    def run(n: int) -> None:
        c, statements = halves[n]
        try:
            c.execute("BEGIN")
            c.execute("SET LOCAL lock_timeout = '100ms'")
            c.execute("\n".join(s.text for _, s in statements))
            xid = c.execute("SELECT txid_current() % 4294967296").fetchone()[0]
            results[n] = set(c.execute(_NEW_NAMES.format(xid=f"'{int(xid)}'::xid")).fetchall())
        except Exception:  # noqa: BLE001 -- rejected or waited on the other half: both roll back
            results[n] = False
    try:
        worker = threading.Thread(target=run, args=(1,))
        worker.start()
        run(0)
        worker.join()
        ok = all(r is not False for r in results) and not results[0] & results[1]
        for c, _ in halves:
            c.execute("COMMIT" if ok else "ROLLBACK")
        return ok
    finally:
        other.close()


# ---------------------------------------------------------------- finishing: valid or left out

# Where a problem in the imported manifest is fixed by leaving out an object: the path shapes that can go,
# most specific first (a partial index without its predicate would be another index: the index goes).
_REMOVABLE = (
    ("tables", str, "indexes", int), ("tables", str, "foreign_keys", int), ("tables", str, "checks", int),
    ("tables", str, "unique", int), ("tables", str, "columns", str, "default"),
    ("tables", str, "columns", str, "check"), ("tables", str, "columns", str, "references"),
    ("tables", str, "search"), ("tables", str, "policies", str), ("tables", str, "columns", str), ("tables", str),
    ("views", str), ("triggers", str), ("enums", str), ("functions", str), ("sequences", str),
)


def _shape_ok(path: tuple, shape: tuple) -> bool:
    return len(path) == len(shape) and all(s == p if isinstance(s, str) else isinstance(p, s)
                                           for s, p in zip(shape, path))


def _removable(path: tuple) -> tuple | None:
    path = tuple(path)
    if len(path) >= 4 and path[0] == "tables" and path[2] in ("indexes", "foreign_keys", "checks", "unique"):
        path = path[:4]   # anything about an index (its predicate, a column) or a constraint: all of it
    for n in range(len(path), 0, -1):
        for shape in _REMOVABLE:
            if _shape_ok(path[:n], shape):
                return path[:n]
    return None


# How manifest validation says that only one engine rejects an expression (schemactl.manifest.enginecheck).
_ENGINE_SAYS = {"postgres": ("postgresql has no function", "on postgresql"),
                "sqlite": ("sqlite rejects it", "sqlite has no ")}


def _index_engines_supported() -> bool:
    from .manifest.load import json_schema
    return "engines" in json.dumps(json_schema().get("$defs", {}).get("index", json_schema()))


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def _remove(doc: dict, path: tuple) -> None:
    parent = _get(doc, path[:-1])
    del parent[path[-1]]
    if not parent and (len(path) == 4 and path[2] in ("indexes", "foreign_keys", "checks", "unique", "policies")
                       or path[0] in ("views", "triggers", "enums", "functions", "sequences") and len(path) == 2):
        del _get(doc, path[:-2])[path[-2]]


def _single_engine(doc: dict, target: tuple, message: str, engine: str) -> bool:
    """A check or index the other engine cannot run stays on the engine it came from (where the model allows)."""
    said = message.lower()
    if not engine or not any(phrase in said for phrase in _ENGINE_SAYS[_other(engine)]):
        return False
    if target[2:3] == ("indexes",) and _index_engines_supported():
        _get(doc, target)["engines"] = [engine]
        return True
    if not (target[2:3] == ("checks",) or target[-1:] == ("check",)):
        return False
    item = _get(doc, target)
    holder, key = (item, "expr") if isinstance(item, dict) and "expr" in item else (_get(doc, target[:-1]), target[-1])
    expr = holder[key]
    if not isinstance(expr, dict) or set(expr) != {"postgres", "sqlite"}:
        return False
    holder[key] = {engine: expr[engine]}
    return True


def _item_name(doc: dict, path: tuple) -> str | None:
    try:
        item = _get(doc, path)
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return item["name"]
    if path[:1] == ("tables",) and path[2:3] == ("policies",) and len(path) == 4:
        return path[3]
    return path[1] if path[:1] in (("views",), ("triggers",), ("enums",), ("functions",), ("sequences",)) else None


def _count(doc: dict) -> int:
    n = len(doc.get("enums", {})) + len(doc.get("views", {})) + len(doc.get("triggers", {}))
    n += len(doc.get("functions", {})) + len(doc.get("sequences", {}))
    for t in doc.get("tables", {}).values():
        n += 1 + len(t["columns"]) + sum(len(t.get(k, ())) for k in ("unique", "foreign_keys", "checks", "indexes"))
        n += bool(t.get("primary_key")) + bool(t.get("search")) + len(t.get("policies", {}))
        n += bool(t.get("postgres", {}).get("row_level_security"))
        for c in t["columns"].values():
            n += sum(1 for k in ("primary_key", "unique", "references", "check") if isinstance(c, dict) and c.get(k))
    return n


def _body(doc: dict) -> str:
    """The manifest's YAML (yaml.safe_dump's text, written by a dumper made for it: importer_yaml)."""
    from .importer_yaml import dump
    return dump(doc, width=110)


def _body_ahead(doc: dict):
    """A function returning _body(doc), which a forked copy of this process dumps meanwhile where a fork is
    usable (the doc is checked on this core; the copy's answer is read when the function is first called, and a
    copy that failed in any way leaves the dump to this process); its ``stop()`` ends a copy left unread."""
    from .cores import Forked, fork_usable
    job = Forked(lambda: _body(doc).encode("utf-8")) if fork_usable() else None
    got: list[str] = []

    def body() -> str:
        if not got:
            data = job.result() if job is not None and job.pid is not None else None   # (not stopped)
            got.append(data.decode("utf-8") if data is not None else _body(doc))
        return got[0]
    body.stop = job.stop if job is not None else (lambda: None)   # (unread: the copy ends)
    body.forked = job is not None
    return body


def _one_line(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def _text(doc: dict, summary: Summary, source: str, body: str | None = None) -> str:
    # one comment line each: a line break in a name (a file, a table) would end the comment
    head = [f"# Imported by `schemactl import` from {_one_line(source)}."]
    head += [f"# {_one_line(line)}" for line in summary.lines()]
    return "\n".join(head) + "\n" + (_body(doc) if body is None else body)


def checks_ahead(doc: dict):
    """A forked copy of this process working out what the engine checks say of ``doc`` and its schema hash
    (load.checked_ahead), while this one waits for Node's reading of the module, whose drizzle: blocks are all
    that is added to the doc before finish() loads it: finish takes them from the copy (``result()``: None where
    it has none).  None where no copy can be made."""
    from .cores import Forked, fork_usable
    if not fork_usable():
        return None
    import pickle

    def work() -> bytes:
        from .manifest.load import checked_ahead
        return pickle.dumps(checked_ahead(doc))
    return Forked(work)


def _ahead_result(job) -> tuple[tuple, str] | None:
    import pickle
    data = job.result() if job is not None and job.pid is not None else None
    try:
        return pickle.loads(data) if data is not None else None
    except Exception:  # noqa: BLE001 -- a copy's answer that does not read: the checks are made here
        return None


def finish(doc: dict, summary: Summary, source: str, ahead=None):
    """(manifest text, model): what does not load is left out, one object at a time, each listed.  ``ahead``:
    checks_ahead() of this doc before drizzle: blocks were added to it (nothing else), whose engine checks and
    hash the first loading takes."""
    from .errors import ManifestInvalid, SchemactlError
    from .manifest.hashing import schema_hash
    from .manifest.load import load_text
    _quiet_sqlglot()
    if not doc.get("tables"):
        if ahead is not None:
            ahead.stop()
        _nothing_left(doc, summary)
    checked = None   # (engine checks, hash) of the doc as first loaded, where a copy worked them out
    while True:
        summary.objects = _count(doc)
        body = _body_ahead(doc)
        try:
            # (the doc as its text reads: the text is made only to locate a problem, meanwhile dumped ahead)
            got: list = []

            def engines():   # (asked for when the checks come to the engines: the copy works meanwhile)
                got.append(_ahead_result(ahead))
                return got[0][0] if got[0] is not None else None
            m = load_text(lambda: _text(doc, summary, source, body()), "<import>", data=doc,
                          engines=engines if ahead is not None else None)
            checked = got[0] if got else None
            break
        except ManifestInvalid as exc:
            body.stop()
            if ahead is not None:   # (the doc changes: what the copy worked out is of another one)
                ahead.stop()
                ahead = None
            errors = [d for d in exc.diagnostics if d.severity == "error"]
            targets: dict[tuple, str] = {}
            for d in errors:
                target = _removable(d.path)
                if target is None:
                    raise SchemactlError("import produced a manifest it cannot repair (please report):\n"
                                         + "\n".join(map(str, errors))) from None
                targets.setdefault(target, d.message)
            key = lambda p: tuple((0, x) if isinstance(x, int) else (1, x) for x in p)   # noqa: E731
            for target in sorted(targets, key=key, reverse=True):
                if any(other != target and target[:len(other)] == other for other in targets):
                    continue   # its table (or column) goes anyway
                name = _item_name(doc, target)
                if _single_engine(doc, target, targets[target], summary.engine):
                    summary.approximate(target, f"kept for {summary.engine} only: {targets[target]}",
                                        where=summary.locate(target, name))
                    continue
                summary.forget(target)
                summary.not_mapped(target, targets[target], what="", where=summary.locate(target, name))
                _remove(doc, target)
            if not doc.get("tables"):   # every table was left out: what was wrong with each is the answer
                _nothing_left(doc, summary)
    summary.warnings = []
    for w in m.warnings:
        where = summary.locate(w.path, _item_name(doc, _removable(w.path) or ()))
        summary.warnings.append(f"{where}: {w.message}" if where else w.message)
    # (summary.objects: counted as the doc was loaded, which it still is)
    # the same body (the doc is as loaded): only the header's comments differ, which the hash leaves out
    text = _text(doc, summary, source, body())
    digest = checked[1] if checked is not None else schema_hash(m)
    return text.replace("\nversion: 1\n", f"\nversion: 1\nhash: {digest}\n", 1), m


def _nothing_left(doc: dict, summary: Summary):
    """No table to write: the error lists why each statement or table was left out (they were shown only
    beside a manifest that had other tables)."""
    from .errors import SchemactlError
    schema = f" (schema {doc['postgres']['schema']})" if "postgres" in doc and "schema" in doc["postgres"] else ""
    reasons = [line for line in summary.lines() if line.startswith("not mapped: ")]
    shown = reasons[:20] + ([f"… and {len(reasons) - 20} more"] if len(reasons) > 20 else [])
    raise SchemactlError(f"no tables found to import{schema}" + ("; what was left out:\n  " + "\n  ".join(shown)
                                                                 if shown else ""))


def dump(doc: dict, summary: Summary, source: str, notes: list[str] | None = None) -> str:
    """The manifest as YAML a person maintains: stable order, defaults left out, what could not be held left
    out and listed (header comment and summary), the hash filled in."""
    return finish(doc, summary, source)[0]


# Drizzle schema files (which core, drizzle-kit, its SQL, the project's casing): schemactl.drizzle_files, a light
# module the command reads before this one is imported (Node starts sooner)
from .drizzle_files import drizzle_casing, drizzle_config, drizzle_dialect, drizzle_export, drizzle_kit  # noqa: E402,F401
