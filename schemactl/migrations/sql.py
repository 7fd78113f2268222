"""Rendering planned operations as SQL statements for each engine.

PostgreSQL gets one ALTER per operation, ordered so that nothing is dropped
while still referenced and nothing is added before what it needs.  SQLite uses
ALTER TABLE where SQLite supports the change (rename table, rename column,
add a plain nullable column, indexes) and otherwise the documented table
rebuild: create the new table, copy the rows, drop the old one, rename, and
recreate its indexes.  The runtime runs each migration in one transaction with
foreign keys off on SQLite and checks them (``PRAGMA foreign_key_check``) before
committing.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from ..manifest.model import Manifest, Table
from ..naming import derived_name, quote, sql_string
from ..render.ddl import Renderer
from ..runtime import SQLITE_REBUILD_PREFIX
from ..types import INT_RANGES
from .plan import Op, widens

# SQLite operations that ALTER TABLE / CREATE INDEX can do without a rebuild.
SQLITE_IN_PLACE = {"rename_table", "rename_column", "add_index", "drop_index", "rename_index", "set_comment",
                   "add_column", "set_row_security"}   # (row-level security: PostgreSQL only, nothing to do on SQLite)

# PostgreSQL: phase of each operation kind (lower runs first).  Foreign keys are dropped before the keys
# and indexes they depend on.  A key, check or index renamed with its table or column is renamed in place.
PG_PHASE = {
    "drop_view": -2, "drop_search": -2, "drop_trigger": -2, "create_search": 9, "create_trigger": 9,
    "create_view": 10,
    "drop_foreign_key": -0.5, "drop_check": 0, "drop_unique": 0, "drop_index": 0, "set_primary_key": 0,
    "rename_table": -1, "rename_column": -1, "rename_constraint": -1, "rename_index": -1, "drop_table": 1, "create_enum": 3, "add_enum_value": 3,
    "change_enum_values": 3, "create_table": 4, "add_column": 5, "alter_type": 5, "set_not_null": 5,
    "drop_not_null": 5, "set_default": 5, "set_generated": 5, "set_identity": 5, "set_comment": 5, "table_options": 5,
    "sqlite_storage": 5, "drop_column": 6, "add_unique": 7, "add_check": 7, "add_foreign_key": 8, "add_index": 8, "drop_enum": 9,
    # objects beside tables: policies and triggers go before the functions they use; sequences before the
    # columns whose defaults call them, and after the columns that own them (IF EXISTS: dropped with them)
    "drop_policy": -2, "drop_function": -1, "create_sequence": 3, "alter_sequence": 5, "drop_sequence": 6.5,
    "set_row_security": 5, "create_function": 8, "replace_function": 8, "create_policy": 10,
}


def statements(ops: list[Op], old: Manifest, new: Manifest, engine: str) -> list[str]:
    _refuse_retype_under_generated(ops, old, new)
    _refuse_unconverted(ops)
    return RENDERERS[engine](ops, old, new)


def _refuse_retype_under_generated(ops: list[Op], old: Manifest, new: Manifest) -> None:
    """PostgreSQL cannot change the type of a column a generated column reads ("cannot alter type of a column used
    by a generated column"), where SQLite's rebuild can: refused on both, whether the generated column stays or
    goes in the same change (ALTER TYPE would still find it).  Dropping and adding it again around the change
    would append it, so the column order would no longer be the fresh DDL's unless it is the table's last; two
    versions make each step a plain, reviewed one."""
    for op in ops:
        if op.kind != "alter_type":
            continue
        was = _old_column(old, new, op.table, op.name)
        if was is None:
            continue
        source = old.table(new.table(op.table).renamed_from or op.table)
        readers = [c.name for c in source.columns if c.generated is not None and was.name in c.generated.expr.columns]
        if readers:
            names = ", ".join(f"{op.table}.{n}" for n in readers)
            raise ValueError(f"column {op.table}.{op.name}: {op.old.spelled()} -> {op.new.spelled()}: the generated "
                             f"column{'s' if len(readers) > 1 else ''} {names} read{'' if len(readers) > 1 else 's'} "
                             "it, and PostgreSQL cannot change the type of a column a generated column reads; drop "
                             f"{names} in one version, then change the type and add "
                             f"{'them' if len(readers) > 1 else 'it'} again in the next")


# Kinds SQLite stores in a form of their own (ISO-8601 text, Unix milliseconds or seconds): a change between one of
# them and another kind is no rebuild's copy.
_SQLITE_TIME_KINDS = frozenset({"date", "time", "timestamp", "timestamptz"})
_STRINGS = ("text", "char")
_INTEGERS = tuple(INT_RANGES)
# The type changes a migration makes, by literal kind: old kind -> the new kinds both engines convert its values to
# alike (PostgreSQL's ALTER TYPE, SQLite's rebuilt column with the checks of FITS and the narrowing guards below).
# Any other change is refused when planned: PostgreSQL has no cast for it (integer -> uuid, json -> integer,
# uuid -> boolean, enum -> integer, ...), so its migration would fail on every table where SQLite's rebuild applies
# it, or its cast gives other values than SQLite's copy keeps (boolean -> text: 'true' and '1'; double -> text: '1'
# and '1.0'; text -> tsvector, text -> bytes, anything -> an array: PostgreSQL parses the text, SQLite keeps it).
# A kind not listed (each time kind) changes to none but itself.  Arrays: only to an array that widens (plan.WIDENING).
CONVERTS: Mapping[str, frozenset] = MappingProxyType({old: frozenset(new) for old, new in (
    ("text", (*_STRINGS, "uuid", "boolean", *_INTEGERS, "float", "numeric", "json", "enum")),
    ("char", (*_STRINGS, "boolean", *_INTEGERS, "float", "numeric", "json")),
    ("uuid", (*_STRINGS,)),
    ("boolean", _INTEGERS),
    *((kind, (*_STRINGS, "boolean", *_INTEGERS, "float", "numeric")) for kind in _INTEGERS),
    ("float", (*_INTEGERS, "float", "numeric")),
    ("numeric", (*_STRINGS, *_INTEGERS, "float", "numeric")),
    ("json", (*_STRINGS,)),
    ("tsvector", (*_STRINGS,)),
    ("enum", (*_STRINGS,)),
)})
_THE_WAY = "add a column of the new type, fill it from the old one, then drop the old one"


def converted(old_t, new_t) -> str | None:
    """None when a migration changes a column from ``old_t`` to ``new_t`` alike on both engines; else why not."""
    if old_t.array or new_t.array:
        return None if old_t.array and new_t.array and widens(old_t, new_t) else \
            "is no change both engines make alike (PostgreSQL reads an array's elements, SQLite keeps its JSON text)"
    if old_t.kind == new_t.kind:
        return None
    if {old_t.kind, new_t.kind} & _SQLITE_TIME_KINDS:   # a rebuild copies values as they are; PostgreSQL converts
        return "changes how SQLite stores the values (a table rebuild would keep the old form beside the new)"
    if new_t.kind in CONVERTS.get(old_t.kind, ()):
        return None
    return ("is no change both engines make alike (PostgreSQL has no cast for it, or its cast gives other values "
            "than SQLite's table rebuild copies)")


def _refuse_unconverted(ops: list[Op]) -> None:
    for op in ops:
        why = converted(op.old, op.new) if op.kind == "alter_type" else None
        if why is not None:
            raise ValueError(f"column {op.table}.{op.name}: {op.old.spelled()} -> {op.new.spelled()} {why}; "
                             f"{_THE_WAY}")


# ---------------------------------------------------------------- PostgreSQL

def _postgres(ops: list[Op], old: Manifest, new: Manifest) -> list[str]:
    r_new, r_old = Renderer(new, "postgres"), Renderer(old, "postgres")
    out: list[str] = []
    created_now = [op.table for op in ops if op.kind == "create_table"]
    existing = {t.name for t in new.tables} - set(created_now)
    late_fks: list[str] = []
    retyped = {(op.table, op.name) for op in ops if op.kind == "alter_type"}
    fk_ops = {(op.table, op.name) for op in ops if op.kind in ("drop_foreign_key", "add_foreign_key")}
    dropped = [op.table for op in ops if op.kind == "drop_table"]
    for op in sorted(ops, key=lambda op: PG_PHASE[op.kind]):
        q = r_new.q(op.table) if op.table else None
        k = op.kind
        if k in ("drop_unique", "set_primary_key") and op.old:
            # the foreign keys that reference the key depend on its index: dropped first, added back late
            for child, fk in _referencing(new, op.table, op.old.columns, fk_ops | {(n, "") for n in created_now}):
                out.append(f"ALTER TABLE {r_new.q(child)} DROP CONSTRAINT {quote(fk.name)};")
                late_fks.append(f"ALTER TABLE {r_new.q(child)} ADD {r_new.fk_clause(fk)};")
        if k == "drop_foreign_key" or k == "drop_check" or k == "drop_unique":
            out.append(f"ALTER TABLE {q} DROP CONSTRAINT {quote(op.name)};")
        elif k == "drop_index":
            if op.old.on("postgres"):
                out.append(f"DROP INDEX {r_new.q(op.name)};")
        elif k == "set_primary_key":
            if op.old:
                out.append(f"ALTER TABLE {q} DROP CONSTRAINT {quote(op.old.name)};")
            if op.new:
                cols = ", ".join(quote(c) for c in op.new.columns)
                late_fks.insert(0, f"ALTER TABLE {q} ADD CONSTRAINT {quote(op.new.name)} PRIMARY KEY ({cols});")
        elif k == "drop_table":   # in one statement: a parent and its children (even a cycle) go together
            if op.table == dropped[0]:
                out.append(f"DROP TABLE {', '.join(r_old.q(name) for name in dropped)};")
        elif k == "rename_table":
            out.append(f"ALTER TABLE {r_new.q(op.old)} RENAME TO {quote(op.table)};")
        elif k == "rename_column":
            out.append(f"ALTER TABLE {q} RENAME COLUMN {quote(op.old)} TO {quote(op.name)};")
        elif k == "rename_constraint":   # a key's index is renamed with it
            out.append(f"ALTER TABLE {q} RENAME CONSTRAINT {quote(op.old.name)} TO {quote(op.name)};")
        elif k == "rename_index":
            if op.new.on("postgres"):
                out.append(f"ALTER INDEX {r_new.q(op.old.name)} RENAME TO {quote(op.name)};")
        elif k == "create_enum":
            values = ", ".join(sql_string(v) for v in op.new)
            out.append(f"CREATE TYPE {r_new.q(op.name)} AS ENUM ({values});")
        elif k == "add_enum_value":
            # in the list's order, each after the one before it (added already or old); the first before the
            # first old value (the values added before it come after it, each after the one before)
            i = op.old.index(op.new)
            first_old = next(v for v in op.old if v in old.enum(op.name).values)
            where = f" AFTER {sql_string(op.old[i - 1])}" if i else f" BEFORE {sql_string(first_old)}"
            out.append(f"ALTER TYPE {r_new.q(op.name)} ADD VALUE {sql_string(op.new)}{where};")
        elif k == "set_generated":
            raise ValueError(f"column {op.table}.{op.name}: PostgreSQL 15 cannot change how a column is generated "
                             "in place; add a new column with the new expression and drop this one")
        elif k == "change_enum_values":
            raise ValueError(f"enum {op.name}: removing or reordering values is not supported by migrations; "
                             "add a new enum and move the column to it")
        elif k == "create_table":
            t = new.table(op.table)
            before = set(existing)
            out.append(r_new.create_table(t, before))
            existing.add(t.name)
            out += [r_new.create_index(t, ix) for ix in r_new.indexes(t)]
            out += r_new.comments(t)
            late_fks += [f"ALTER TABLE {q} ADD {r_new.fk_clause(fk)};" for fk in t.foreign_keys
                         if r_new.deferred(t, fk, before)]
        elif k == "add_column":
            t = new.table(op.table)
            out.append(f"ALTER TABLE {q} ADD COLUMN {r_new.column_line(t, op.new)};")
            if op.new.comment is not None:   # as the fresh DDL's COMMENT ON (a database built by the chain is alike)
                out.append(_comment_on(q, op.name, op.new.comment))
        elif k == "drop_column":
            out.append(f"ALTER TABLE {q} DROP COLUMN {quote(op.name)};")
        elif k == "alter_type":
            out += _pg_alter_type(r_new, old, new, op, q)
        elif k == "set_not_null":
            fill = r_new.default_sql(op.new) if op.new.default is not None else None
            if fill is not None:   # the rows that hold NULL get the default, as a row inserted without it would
                out.append(f"UPDATE {q} SET {quote(op.name)} = {fill} WHERE {quote(op.name)} IS NULL;")
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} SET NOT NULL;")
        elif k == "drop_not_null":
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} DROP NOT NULL;")
        elif k == "set_default":
            if (op.table, op.name) in retyped:
                continue   # set with the new type (_pg_alter_type)
            d = r_new.default_sql(op.new)
            action = f"SET DEFAULT {d}" if d is not None else "DROP DEFAULT"
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} {action};")
        elif k == "set_identity":
            action = "ADD GENERATED BY DEFAULT AS IDENTITY" if op.new else "DROP IDENTITY IF EXISTS"
            out.append(f"ALTER TABLE {q} ALTER COLUMN {quote(op.name)} {action};")
            if op.new:   # a table that holds rows: the identity goes on after its largest value (it started at 1)
                col = quote(op.name)
                out.append(f"SELECT setval(pg_get_serial_sequence({sql_string(q)}, {sql_string(op.name)}), "
                           f"max({col})) FROM {q} HAVING max({col}) IS NOT NULL;")
        elif k == "set_comment":
            out.append(_comment_on(q, op.name, op.new))
        elif k in ("table_options", "sqlite_storage"):
            continue  # SQLite-only
        elif k == "add_unique":
            cols = ", ".join(quote(c) for c in op.new.columns)
            late_fks.insert(0, f"ALTER TABLE {q} ADD CONSTRAINT {quote(op.name)} UNIQUE ({cols});")
        elif k == "add_check":
            out.append(f"ALTER TABLE {q} ADD CONSTRAINT {quote(op.name)} CHECK ({op.new.expr.on('postgres')});")
        elif k == "add_foreign_key":
            late_fks.append(f"ALTER TABLE {q} ADD {r_new.fk_clause(op.new)};")
        elif k == "add_index":
            if op.new.on("postgres"):
                out.append(r_new.create_index(new.table(op.table), op.new))
        elif k == "drop_view":
            out.append(f"DROP VIEW {r_old.q(op.name)};")
        elif k == "drop_search":
            out += r_old.search(op.old, "drop")
        elif k == "drop_trigger":
            out += r_old.trigger(op.old, "drop")
        elif k == "create_trigger":
            late_fks += r_new.trigger(op.new)
        elif k == "create_search":
            late_fks += r_new.search(op.new)
        elif k == "create_view":
            late_fks += [r_new.create_view(op.new)] + r_new.view_comment(op.new)
        elif k == "drop_enum":
            late_fks.append(f"DROP TYPE {r_old.q(op.name)};")
        elif k == "create_sequence":
            out.append(r_new.create_sequence(op.new))
            if op.new.owned_by:
                late_fks.append(r_new.sequence_owner(op.new))
        elif k == "alter_sequence":
            out.append(r_new.alter_sequence(op.new))
            if op.old.owned_by != op.new.owned_by:
                late_fks.append(r_new.sequence_owner(op.new))
        elif k == "drop_sequence":
            out.append(f"DROP SEQUENCE IF EXISTS {r_old.q(op.name)};")
        elif k in ("create_function", "replace_function"):
            out.append(r_new.create_function(op.new, replace=k == "replace_function"))
        elif k == "drop_function":
            out.append(f"DROP FUNCTION IF EXISTS {r_old.q(op.name)};")   # one function per name: no arguments
        elif k == "set_row_security":
            out += r_new.row_security(op.new, op.old)
        elif k == "drop_policy":
            out.append(r_old.drop_policy(op.old))
        elif k == "create_policy":
            late_fks.append(r_new.create_policy(op.new))
    return r_new.migration_search_path(op.kind for op in ops) + out + late_fks



# ---------------------------------------------------------------- SQLite

def _comment_on(table: str, column: str | None, text: str | None) -> str:
    """COMMENT ON of a (quoted) table or its column; None removes the comment."""
    target = f"COLUMN {table}.{quote(column)}" if column else f"TABLE {table}"
    return f"COMMENT ON {target} IS {sql_string(text) if text is not None else 'NULL'};"


def _referencing(m: Manifest, table: str, columns: tuple, skip: set) -> list[tuple]:
    """(table, foreign key) of ``m`` that reference ``table``'s ``columns`` (its primary key when the key names
    none), but those of ``skip`` ((table, key name); (table, "") for a whole table)."""
    target = m.table(table)
    pk = target.primary_key.columns if target is not None and target.primary_key else ()
    return [(t.name, fk) for t in m.tables for fk in t.foreign_keys
            if fk.ref_table == table and set(fk.ref_columns or pk) == set(columns)
            and (t.name, fk.name) not in skip and (t.name, "") not in skip]


def _old_column(old: Manifest, new: Manifest, table: str, column: str):
    """The old manifest's column of the new manifest's ``table``.``column`` (renamed or not), or None."""
    t = new.table(table)
    o = old.table(t.renamed_from or table) if t is not None else None
    c = t.column(column) if t is not None else None
    return o.column(c.renamed_from or column) if o is not None and c is not None else None


# Kinds whose values can have fractional digits that PostgreSQL's cast to an integer type rounds away.
_FRACTIONAL_KINDS = frozenset({"float", "numeric"})


def scale_narrowed(old_t, new_t) -> int | None:
    """The new type's scale when a column becomes a numeric(p, s) whose values it could round: from a double,
    real or text, or from a numeric of more (or any) fractional digits; 0 when a double, real or numeric column
    becomes an integer type (smallint, integer, bigint).  PostgreSQL's cast rounds them and SQLite keeps the
    value as it was, so such a value fails the migration on both engines (named)."""
    if new_t.kind in INT_RANGES and old_t.kind in _FRACTIONAL_KINDS:
        now = 0
    else:
        now = new_t.params.get("scale") if new_t.kind == "numeric" else None
    if now is None or old_t.kind in INT_RANGES:
        return None
    was = old_t.params.get("scale") if old_t.kind == "numeric" else None
    return now if was is None or now < was else None


def _fits_scale_name(table: str, column: str, scale: int) -> str:
    return derived_name(table, column, suffix=f"fits_scale_{scale}")


# Kinds whose values are strings of a declared length (varchar(n), character(n)) or of any length (text).
_STRING_KINDS = frozenset({"text", "char"})


def length_narrowed(old_t, new_t) -> int | None:
    """The new length when a column becomes a varchar(n) or character(n) that may not hold every value it held:
    from text, a longer (or unlimited) varchar or character, or any other type (its text).  PostgreSQL refuses a
    value whose characters beyond n are not all blanks (and cuts the blanks); SQLite keeps any text, so such a
    value fails the migration on both engines, and the blanks are cut on both."""
    now = new_t.params.get("length") if new_t.kind in _STRING_KINDS else None
    if now is None:
        return None
    was = old_t.params.get("length") if old_t.kind in _STRING_KINDS else None
    return now if was is None or now < was else None


# Whole digits each integer kind can hold (a numeric(p, s) whose p - s is at least that holds every value).
_INT_DIGITS = {"int16": 5, "int32": 10, "int64": 19}


def range_narrowed(old_t, new_t) -> tuple[int, int] | None:
    """The new integer type's range when a column becomes smallint, integer or bigint from a type whose values it
    may not hold: a wider integer type, or any other but boolean (text, numeric, double: a value beyond the range,
    or text that is no integer).  PostgreSQL's cast refuses such a value ("integer out of range", "invalid input
    syntax"); SQLite's INTEGER column keeps it as it was, so on SQLite it fails the migration too (named)."""
    if new_t.kind not in INT_RANGES or old_t.kind == "boolean":
        return None
    lo, hi = INT_RANGES[new_t.kind]
    if old_t.kind in INT_RANGES and lo <= INT_RANGES[old_t.kind][0] and INT_RANGES[old_t.kind][1] <= hi:
        return None
    return lo, hi


def digits_narrowed(old_t, new_t) -> int | None:
    """The whole digits (p - s) a new numeric(p, s) holds when the old type may hold a value with more: a numeric
    of more whole digits, a wider integer, a double, real or text.  PostgreSQL refuses such a value ("numeric field
    overflow"); SQLite keeps its text, so on SQLite it fails the migration too (named)."""
    if new_t.kind != "numeric" or new_t.params.get("precision") is None:
        return None
    whole = new_t.params["precision"] - new_t.params.get("scale", 0)
    if old_t.kind == "numeric" and old_t.params.get("precision") is not None:
        was = old_t.params["precision"] - old_t.params.get("scale", 0)
    else:
        was = _INT_DIGITS.get(old_t.kind, 0 if old_t.kind == "boolean" else None)
    return whole if was is None or was > whole else None


@dataclass(frozen=True)
class Fit:
    """A type change whose old values the new type may not hold, or holds in a form of its own: PostgreSQL checks
    the old values (``postgres``, over ``{col}``) before its ALTER TYPE, SQLite copies each value as ``copy`` says
    (``{value}``: the form PostgreSQL's cast gives it) and checks the copied ones (``sqlite``, over ``{col}`` of
    the rebuilt table).  A value that does not fit fails the migration on both engines, rolled back, under the
    constraint ``<table>_<column>_fits_<new kind>``: never converted on one engine and kept on the other."""

    old: frozenset          # literal kinds of the old type
    new: str                # literal kind of the new type
    postgres: str | None    # None: PostgreSQL's cast refuses such a value itself
    sqlite: str | None      # None: nothing to check (the copy gives the form PostgreSQL's cast gives)
    copy: str = "{value}"   # also over the new type's parameters ({length})


_INT_KINDS = frozenset(INT_RANGES)
# What PostgreSQL's boolean input reads as true and as false (after blanks, in any case).
_TRUE = ("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1")
_FALSE = ("f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0")
# The blanks each engine's number and boolean input skips around a value (C's isspace).
_PG_BLANKS = "chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
_SQLITE_BLANKS = "char(32, 9, 10, 11, 12, 13)"


_HEX_GROUPS = (8, 4, 4, 4, 12)
_UUID_REGEX = "^" + "-".join(f"[0-9a-fA-F]{{{{{n}}}}}" for n in _HEX_GROUPS) + "$"   # braces doubled: a template
_UUID_GLOB = "-".join("[0-9a-f]" * n for n in _HEX_GROUPS)
_NUMBER_REGEX = "^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$"


def _sql_list(words) -> str:
    return ", ".join(sql_string(w) for w in words)


def _boolean_whens() -> str:
    return " ".join(f"WHEN {sql_string(w)} THEN {int(w in _TRUE)}" for w in _TRUE + _FALSE)


# One row per conversion (data, not branches): the first row whose kinds match applies.
FITS: tuple[Fit, ...] = (
    # PostgreSQL's cast makes any integer but 0 true; SQLite's BOOLEAN column kept 2 as it was
    Fit(_INT_KINDS, "boolean", "{col} IN (0, 1)", "{col} IN (0, 1)"),
    # PostgreSQL reads its spellings of true and false (any case, blanks around); SQLite kept the text
    Fit(_STRING_KINDS, "boolean", f"lower(btrim({{col}}, {_PG_BLANKS})) IN ({_sql_list(_TRUE + _FALSE)})",
        "{col} IN (0, 1)",
        f"CASE lower(trim({{value}}, {_SQLITE_BLANKS})) {_boolean_whens()} ELSE {{value}} END"),
    # PostgreSQL refused text that is no uuid and wrote the rest in lower case; SQLite kept the text as it was.
    # Its other forms ({...}, no hyphens) are refused on both: SQLite would keep them as written
    Fit(frozenset({"text"}), "uuid", f"{{col}} ~ {sql_string(_UUID_REGEX)}", f"{{col}} GLOB {sql_string(_UUID_GLOB)}",
        "lower({value})"),
    # PostgreSQL refused text that is no number (and reads NaN, which SQLite's copy would keep as text); SQLite
    # kept the text: its own reading of a number (CAST ... AS NUMERIC equal to the text) is PostgreSQL's grammar
    Fit(_STRING_KINDS, "numeric", f"{{col}} ~ {sql_string(_NUMBER_REGEX)}", "CAST({col} AS NUMERIC) = {col}",
        f"trim({{value}}, {_SQLITE_BLANKS})"),
    # likewise to a double or real (NaN and Infinity too, which SQLite's REAL column would keep as text); SQLite's
    # REAL column converted what is a number
    Fit(_STRING_KINDS, "float", f"{{col}} ~ {sql_string(_NUMBER_REGEX)}", "typeof({col}) = 'real'",
        f"trim({{value}}, {_SQLITE_BLANKS})"),
    # PostgreSQL's json input refuses text that is no JSON document (its own error: PostgreSQL 15 has no IS JSON);
    # SQLite kept any text
    Fit(_STRING_KINDS, "json", None, "json_valid({col})"),
    # PostgreSQL pads a value to a character(n)'s n characters and cuts the trailing blanks of one that becomes
    # text; SQLite's copy kept each as it was
    Fit(frozenset({"text", "uuid", *_INT_KINDS, "numeric", "json", "tsvector", "enum"}), "char", None, None,
        "{value} || substr(printf('%{length}s', ''), 1 + length({value}))"),
    Fit(frozenset({"char"}), "text", None, None, "rtrim({value}, ' ')"),
)


def fit_for(old_t, new_t) -> Fit | None:
    if old_t.kind == new_t.kind:
        return None
    return next((f for f in FITS if old_t.kind in f.old and new_t.kind == f.new), None)


def fits_name(table: str, column: str, new_t) -> str:
    return derived_name(table, column, suffix=f"fits_{new_t.kind}")


# PostgreSQL casts that exist only through another type (boolean <-> integer, not smallint or bigint).
_PG_VIA = MappingProxyType({("boolean", "int16"): "::integer", ("boolean", "int64"): "::integer",
                            ("int16", "boolean"): "::integer", ("int64", "boolean"): "::integer"})


def _sqlite_guard(table: str, column: str, suffix: str, source: str, where: str) -> list[str]:
    """Fail the migration under the constraint ``<table>_<column>_<suffix>`` when a row of ``source`` matches
    ``where`` (as a CHECK on a temporary table fails: rolled back, named)."""
    guard = quote(f"{SQLITE_NEW}guard")
    return [f"CREATE TEMP TABLE {guard} (rows_that_do_not_fit INTEGER CONSTRAINT "
            f"{quote(derived_name(table, column, suffix=suffix))} CHECK (rows_that_do_not_fit = 0));",
            f"INSERT INTO {guard} SELECT count(*) FROM {quote(source)} WHERE {quote(column)} IS NOT NULL AND "
            f"({where});",
            f"DROP TABLE {guard};"]


def _fits_length_name(table: str, column: str, length: int) -> str:
    return derived_name(table, column, suffix=f"fits_length_{length}")


def _pg_alter_type(r: Renderer, old: Manifest, new: Manifest, op: Op, q: str) -> list[str]:
    """A column's new type, never a silently changed value: a text kind keeps PostgreSQL's assignment cast
    (a value too long for varchar(n) is an error, where the explicit cast would cut it), and a numeric with
    fewer fractional digits is first checked (a value it would round fails the migration, named).  The old
    default goes first (PostgreSQL casts it to the new type, and refuses where there is no cast) and the new
    one comes after; an enum reaches its new type through text (PostgreSQL has no cast between two enums)."""
    t = new.table(op.table)
    c = t.column(op.name)
    typ = r.column_type(t, c)
    col = quote(op.name)
    old_t, new_t = op.old, op.new
    before = _old_column(old, new, op.table, op.name)
    out = [f"ALTER TABLE {q} ALTER COLUMN {col} DROP DEFAULT;"] if before is not None and before.default else []
    default = r.default_sql(c)
    after = [f"ALTER TABLE {q} ALTER COLUMN {col} SET DEFAULT {default};"] if default is not None else []
    if old_t.kind in _STRING_KINDS and new_t.kind in _STRING_KINDS and (
            old_t.kind == new_t.kind == "text" or length_narrowed(old_t, new_t) is not None):
        return out + [f"ALTER TABLE {q} ALTER COLUMN {col} TYPE {typ};"] + after
    if length_narrowed(old_t, new_t) is not None:   # text first: the assignment to varchar(n) refuses, never cuts
        return out + [f"ALTER TABLE {q} ALTER COLUMN {col} TYPE {typ} USING {col}::text;"] + after
    fit = fit_for(old_t, new_t)
    if fit is not None and fit.postgres is not None:   # first: the checks below read the old values as the new type
        check = quote(fits_name(op.table, op.name, new_t))
        out += [f"ALTER TABLE {q} ADD CONSTRAINT {check} CHECK ({fit.postgres.format(col=col)});",
                f"ALTER TABLE {q} DROP CONSTRAINT {check};"]
    now = scale_narrowed(old_t, new_t)
    if now is not None:
        check = quote(_fits_scale_name(op.table, op.name, now))
        value = col if old_t.kind == "numeric" else f"{col}::numeric"
        out += [f"ALTER TABLE {q} ADD CONSTRAINT {check} CHECK ({value} = round({value}, {now}));",
                f"ALTER TABLE {q} DROP CONSTRAINT {check};"]
    via = "::text" if old_t.enum else _PG_VIA.get((old_t.kind, new_t.kind), "")
    return out + [f"ALTER TABLE {q} ALTER COLUMN {col} TYPE {typ} USING {col}{via}::{typ};"] + after


def _sqlite_add_column_ok(r: Renderer, t: Table, op: Op) -> bool:
    """SQLite's ADD COLUMN: no key, no expression default, NOT NULL only with a default, FKs default NULL."""
    c = op.new
    if t.primary_key and c.name in t.primary_key.columns:
        return False
    if c.generated is not None and r.stored(c):   # ADD COLUMN takes only VIRTUAL generated columns
        return False
    if any(c.name in u.columns for u in t.uniques) or c.type.enum or c.identity:
        return False
    if any(c.name in fk.columns for fk in t.foreign_keys) and c.default is not None:
        return False
    if any(c.name in ck.expr.columns for ck in t.checks):
        return False
    d = r.default_sql(c)
    if d is not None and (d.startswith("(") or d.upper().startswith("CURRENT_")):
        return False
    return c.nullable or d is not None



def _renamed_to(ops: list[Op], old_name: str) -> str | None:
    return next((op.table for op in ops if op.kind == "rename_table" and op.old == old_name), None)


# Operations on the schema as a whole that name a table but never change it (dropped first, created last).
SQLITE_AROUND = {"drop_search", "create_search", "drop_trigger", "create_trigger", "drop_policy", "create_policy"}
SQLITE_NEW = SQLITE_REBUILD_PREFIX   # the runtimes name the table without it in their messages


def _sqlite(ops: list[Op], old: Manifest, new: Manifest) -> list[str]:
    """SQLite statements that are correct with foreign keys ON or OFF, inside a runner's transaction or not
    (docs/runtime-protocol.md, section 2): no DROP TABLE ever fires a cascade into rows that are kept."""
    r_new, r_old = Renderer(new, "sqlite"), Renderer(old, "sqlite")
    if old.time_storage != new.time_storage:
        kept = [f"{t.name}.{c.name}" for t in old.tables for c in t.columns if c.type.name == "timestamptz"
                and any(op.kind == "sqlite_storage" and op.table in (t.name, _renamed_to(ops, t.name)) for op in ops)]
        if kept:   # the rows' values are in the old form: a rebuild would copy them as they are
            raise ValueError(f"sqlite: timestamptz: {old.time_storage} -> {new.time_storage} changes how SQLite stores "
                             f"the values of {', '.join(kept[:3])}{' …' if len(kept) > 3 else ''} (a table rebuild "
                             "copies them unconverted, and old rows would keep the old form beside the new); keep "
                             f"sqlite: {{timestamptz: {old.time_storage}}}, the convention the chain's databases hold")
    by_table: dict[str, list[Op]] = {}
    for op in ops:
        if op.table and op.kind not in SQLITE_AROUND:
            by_table.setdefault(op.table, []).append(op)
    enum_changed = {op.name for op in ops if op.kind in ("add_enum_value", "change_enum_values")}
    created = {op.table for op in ops if op.kind == "create_table"}
    dropped = [op.table for op in ops if op.kind == "drop_table"]
    renamed = {op.table: op.old for op in ops if op.kind == "rename_table"}
    rebuild: set[str] = set()
    for t in new.tables:
        tops = by_table.get(t.name, [])
        if t.name in created or not (tops or any(c.type.enum in enum_changed for c in t.columns)):
            continue
        if any(c.type.enum in enum_changed for c in t.columns) or not all(
                op.kind in SQLITE_IN_PLACE and (op.kind != "add_column" or _sqlite_add_column_ok(r_new, t, op))
                for op in tops):
            rebuild.add(t.name)
    closure = _referencing_closure(rebuild, old, new, renamed, created)

    out = [f"DROP VIEW {quote(op.name)};" for op in ops if op.kind == "drop_view"]
    out += [stmt for op in ops if op.kind == "drop_search" for stmt in r_old.search(op.old, "drop")]
    out += [stmt for op in ops if op.kind == "drop_trigger" for stmt in r_old.trigger(op.old, "drop")]
    for t in new.tables:   # in-place changes first: the closure below reads the tables by their new names
        if t.name in by_table and t.name not in closure and t.name not in created:
            out += _sqlite_in_place(r_new, t, by_table[t.name])
    for t in new.tables:   # new tables before the rebuilds, whose rows may reference them
        if t.name in created:
            out.append(r_new.create_table(t, {x.name for x in new.tables}))
            out += [r_new.create_index(t, ix) for ix in r_new.indexes(t)]
    # Dropped tables go with the old tables of the rebuild, after the rows are copied and children first:
    # by then no kept table references them, so the implicit DELETE of DROP TABLE cascades into nothing
    # that stays.
    out += _sqlite_rebuild(r_new, old, new, closure, by_table, renamed, dropped)
    out += [stmt for op in ops if op.kind == "create_search"
            for stmt in r_new.search(op.new) + r_new.search(op.new, "refill")]
    out += [stmt for op in ops if op.kind == "create_trigger" for stmt in r_new.trigger(op.new)]
    out += [r_new.create_view(op.new) for op in ops if op.kind == "create_view"]
    return out


def _referencing_closure(rebuild: set[str], old: Manifest, new: Manifest, renamed: dict, created: set) -> set[str]:
    """The tables to rebuild: ``rebuild`` and every kept table that references one of them, recursively
    (by the old or the new foreign keys), so that dropping an old table can only cascade into old tables
    whose rows are already copied."""
    old_name = {t.name: renamed.get(t.name, t.name) for t in new.tables if t.name not in created}
    new_name = {v: k for k, v in old_name.items()}
    refs: dict[str, set[str]] = {}     # kept table (new name) -> kept tables (new names) it references
    for t in new.tables:
        if t.name in created:
            continue
        parents = {fk.ref_table for fk in t.foreign_keys}
        was = old.table(old_name[t.name])
        if was is not None:
            parents |= {new_name.get(fk.ref_table, "") for fk in was.foreign_keys}
        refs[t.name] = {p for p in parents if p in old_name}
    closure = set(rebuild)
    grew = True
    while grew:
        grew = False
        for child, parents in refs.items():
            if child not in closure and parents & closure:
                closure.add(child)
                grew = True
    return closure


def _parents_first(names: list[str], parents_of) -> list[str]:
    """``names`` ordered so that a table comes after the tables it references (cycles: given order)."""
    pending, out = list(names), []
    while pending:
        ready = [n for n in pending if not (parents_of(n) & set(pending)) - {n}]
        nxt = ready[0] if ready else pending[0]
        out.append(nxt)
        pending.remove(nxt)
    return out


# Deleting a parent row runs these actions on its children at once; children go first so that they
# find nothing.  CASCADE only deletes rows of tables that are dropped anyway, and NO ACTION is checked at
# commit (defer_foreign_keys), after the children are gone: neither needs an order, which breaks FK cycles.
_ORDERING_ACTIONS = {"restrict", "set null", "set default"}


def _children_first(names: list[str], m: Manifest) -> list[str]:
    def parents(n):
        t = m.table(n)
        return {fk.ref_table for fk in t.foreign_keys if fk.on_delete in _ORDERING_ACTIONS} if t else set()
    return list(reversed(_parents_first(list(names), parents)))


RENDERERS = {"postgres": _postgres, "sqlite": _sqlite}


def _sqlite_in_place(r: Renderer, t: Table, ops: list[Op]) -> list[str]:
    out = []
    order = ["rename_table", "rename_column", "drop_index", "rename_index", "add_column", "add_index"]
    for kind in order:
        for op in (o for o in ops if o.kind == kind):
            if kind == "rename_table":
                out.append(f"ALTER TABLE {quote(op.old)} RENAME TO {quote(t.name)};")
            elif kind == "rename_column":
                out.append(f"ALTER TABLE {quote(t.name)} RENAME COLUMN {quote(op.old)} TO {quote(op.name)};")
            elif kind == "drop_index" and op.old.on("sqlite"):
                out.append(f"DROP INDEX {quote(op.name)};")
            elif kind == "rename_index" and op.new.on("sqlite"):   # SQLite renames no index: made again
                out += [f"DROP INDEX {quote(op.old.name)};", r.create_index(t, op.new)]
            elif kind == "add_column":
                out.append(f"ALTER TABLE {quote(t.name)} ADD COLUMN {r.column_line(t, op.new)};")
            elif kind == "add_index" and op.new.on("sqlite"):
                out.append(r.create_index(t, op.new))
    return out


def _sqlite_rebuild(r: Renderer, old: Manifest, new: Manifest, closure: set[str], by_table: dict,
                    renamed: dict, dropped: list[str]) -> list[str]:
    """Rebuild every table of ``closure`` at once (docs/runtime-protocol.md, section 2): new tables that
    reference each other, rows copied parents first (rowids kept), old tables dropped children first,
    new tables renamed (SQLite rewrites the references between them), indexes recreated."""
    tables = [t for t in new.tables if t.name in closure]
    temp = {t.name: SQLITE_NEW + t.name for t in tables}
    order = _parents_first([t.name for t in tables],
                           lambda n: {fk.ref_table for fk in new.table(n).foreign_keys})
    out = ["PRAGMA defer_foreign_keys = ON;"] if closure else []
    for name in order:
        t = new.table(name)
        create = r.create_table(t, {x.name for x in new.tables}, refs=temp)
        out.append(create.replace(f"CREATE TABLE {quote(t.name)} (", f"CREATE TABLE {quote(temp[name])} (", 1))
    for name in order:
        out += _sqlite_copy(r, old, new.table(name), temp[name], renamed.get(name, name), by_table.get(name, []))
    old_names = [renamed.get(name, name) for name in order] + list(dropped)
    out += [f"DROP TABLE {quote(name)};" for name in _children_first(old_names, old)]
    out += [f"ALTER TABLE {quote(temp[name])} RENAME TO {quote(name)};" for name in order]
    for name in order:
        t = new.table(name)
        out += [r.create_index(t, ix) for ix in r.indexes(t)]
    return out


def _sqlite_fits_scale(table: str, temp: str, column: str, scale: int) -> list[str]:
    """Fail the migration (as PostgreSQL's does, under the same constraint name) when a copied value has more
    fractional digits than the column's new scale: SQLite keeps a numeric's text as it was written (123.456 in
    a numeric(6, 2)), where PostgreSQL's cast would round it.  The text is what the rebuilt table holds (a
    double as SQLite writes it, with 15 digits, as PostgreSQL reads it; a number with an exponent by its value,
    as PostgreSQL reads it too)."""
    guard = quote(f"{SQLITE_NEW}fits_scale")
    text = f"trim({quote(column)})"
    return [f"CREATE TEMP TABLE {guard} (rows_that_do_not_fit INTEGER CONSTRAINT "
            f"{quote(_fits_scale_name(table, column, scale))} CHECK (rows_that_do_not_fit = 0));",
            f"INSERT INTO {guard} SELECT count(*) FROM {quote(temp)} WHERE {quote(column)} IS NOT NULL AND "
            f"CASE WHEN instr(lower({text}), 'e') > 0 "     # 1e5, '1.0e+15' (a large double): its value
            f"THEN round(CAST({text} AS REAL), {scale}) <> CAST({text} AS REAL) "
            f"ELSE instr({text}, '.') > 0 AND length(rtrim({text}, '0')) - instr({text}, '.') > {scale} END;",
            f"DROP TABLE {guard};"]


def _sqlite_fits_length(table: str, source: str, column: str, from_name: str, length: int) -> list[str]:
    """Fail the migration (as PostgreSQL's assignment to varchar(n) or character(n) does) when a value of the old
    table ``source`` has more than ``length`` characters before its trailing blanks: SQLite keeps any text in
    the rebuilt column, where PostgreSQL refuses it."""
    guard = quote(f"{SQLITE_NEW}fits_length")
    return [f"CREATE TEMP TABLE {guard} (rows_that_do_not_fit INTEGER CONSTRAINT "
            f"{quote(_fits_length_name(table, column, length))} CHECK (rows_that_do_not_fit = 0));",
            f"INSERT INTO {guard} SELECT count(*) FROM {quote(source)} WHERE "
            f"length(rtrim({quote(from_name)}, ' ')) > {length};",
            f"DROP TABLE {guard};"]


def _sqlite_copy(r: Renderer, old: Manifest, t: Table, temp: str, source: str, ops: list[Op]) -> list[str]:
    """Copy the rows of the old table ``source`` into ``temp`` (the rowid too, for full-text search and
    AUTOINCREMENT), and carry its AUTOINCREMENT counter over."""
    renames = {op.name: op.old for op in ops if op.kind == "rename_column"}
    added = {op.name for op in ops if op.kind == "add_column"}
    filled = {op.name for op in ops if op.kind == "set_not_null" and op.new.default is not None}
    old_table = old.table(source)
    cut = {op.name: length_narrowed(op.old, op.new) for op in ops if op.kind == "alter_type"}
    fits = {op.name: fit_for(op.old, op.new) for op in ops if op.kind == "alter_type"}
    copy_to, copy_from, guards = [], [], []
    for c in t.data_columns:      # generated columns compute themselves
        if c.name in added:
            continue
        from_name = renames.get(c.name, c.name)
        if old_table.column(from_name) is not None:
            copy_to.append(quote(c.name))
            fill = r.default_sql(c) if c.name in filled else None
            # made NOT NULL: the rows that hold NULL get the default, as a row inserted without it would
            value = f"COALESCE({quote(from_name)}, {fill})" if fill is not None else quote(from_name)
            if fits.get(c.name) is not None:   # the form PostgreSQL's cast gives the value
                value = fits[c.name].copy.format(value=value, **c.type.params)
            if cut.get(c.name) is not None:   # a shorter varchar(n)/character(n): PostgreSQL cuts blanks only
                value = f"substr({value}, 1, {cut[c.name]})"
                guards += _sqlite_fits_length(t.name, source, c.name, from_name, cut[c.name])
            copy_from.append(value)
    alias = any(r.rowid_alias(t, c) and quote(c.name) in copy_to for c in t.columns)
    if not (t.without_rowid or old_table.without_rowid or alias):
        copy_to.insert(0, "rowid")
        copy_from.insert(0, "rowid")
    out = list(guards)
    if copy_to:
        out.append(f"INSERT INTO {quote(temp)} ({', '.join(copy_to)}) SELECT {', '.join(copy_from)} "
                   f"FROM {quote(source)};")
    for op in ops:   # first: the guards below read the copied values as numbers
        fit = fits.get(op.name) if op.kind == "alter_type" and quote(op.name) in copy_to else None
        if fit is not None and fit.sqlite is not None:
            col = quote(op.name)
            out += _sqlite_guard(t.name, op.name, f"fits_{op.new.kind}", temp, f"NOT ({fit.sqlite.format(col=col)})")
    for op in ops:
        scale = scale_narrowed(op.old, op.new) if op.kind == "alter_type" and quote(op.name) in copy_to else None
        if scale is not None:
            out += _sqlite_fits_scale(t.name, temp, op.name, scale)
    for op in ops:   # the values as the rebuilt column holds them (its affinity converted what it could)
        if op.kind != "alter_type" or quote(op.name) not in copy_to:
            continue
        col = quote(op.name)
        bounds = range_narrowed(op.old, op.new)
        if bounds is not None:   # no integer (text, a blob), or one beyond the new type's range
            out += _sqlite_guard(t.name, op.name, f"fits_{op.new.spelled()}", temp,
                                 f"typeof({col}) IN ('text', 'blob') OR {col} < {bounds[0]} OR {col} > {bounds[1]}")
        whole = digits_narrowed(op.old, op.new)
        if whole is not None:    # PostgreSQL rounds to the scale first: 9999.995 is 10000.00 in numeric(6, 2)
            scale = op.new.params.get("scale", 0)
            out += _sqlite_guard(t.name, op.name, f"fits_precision_{op.new.params['precision']}", temp,
                                 f"abs(round(CAST({col} AS REAL), {scale})) >= 1e{whole}")
    if any(c.identity for c in t.columns) and any(c.identity for c in old_table.columns):
        out.append(f"DELETE FROM sqlite_sequence WHERE name = {sql_string(temp)};")
        out.append(f"INSERT INTO sqlite_sequence (name, seq) SELECT {sql_string(temp)}, seq FROM sqlite_sequence "
                   f"WHERE name = {sql_string(source)};")
    return out
