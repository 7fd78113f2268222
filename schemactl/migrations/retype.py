"""Type changes in migrations: which ones are planned at all, and how each engine converts a column's values.

A column's type changes by ALTER COLUMN ... TYPE on PostgreSQL and by a table rebuild on SQLite (the rows copied
into the new table).  Only the changes both engines make alike are planned (``CONVERTS``); the rest are refused
when the migration is planned, naming the column and the way.  For those planned, a value the new type cannot
hold, or holds in a form of its own, never ends differently on the two engines: PostgreSQL checks the old values
before its ALTER TYPE, SQLite converts each as PostgreSQL's cast does while copying it and checks the copied
values (``FITS`` and the narrowing checks: length, range, scale, whole digits), and both fail under one
constraint name, rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from ..manifest.model import Manifest
from ..naming import derived_name, quote, sql_string
from ..render.ddl import Renderer
from ..runtime import SQLITE_REBUILD_PREFIX
from ..types import INT_RANGES
from .plan import Op, widens

SQLITE_NEW = SQLITE_REBUILD_PREFIX   # the runtimes name the table without it in their messages


def refuse(ops: list[Op], old: Manifest, new: Manifest) -> None:
    """Raise ValueError (one line, the way included) for a type change no migration makes."""
    _refuse_retype_under_generated(ops, old, new)
    _refuse_unconverted(ops)


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
# Types (by registry name) whose values PostgreSQL's cast to text writes in a form of its own, which SQLite's copy
# of the text the column holds cannot give: jsonb's text is the document as jsonb keeps it (keys sorted, duplicate
# keys gone, ', ' and ': ' between), so '{"b":1,"a":2}' becomes '{"a": 2, "b": 1}' on PostgreSQL and stays as it was
# on SQLite.  A change of such a type to a text kind is refused, as boolean -> text is.
OWN_TEXT: Mapping[str, str] = MappingProxyType({
    "jsonb": "PostgreSQL writes jsonb's own text of each document (keys sorted, spaced), SQLite's rebuild keeps "
             "the JSON text as it was written",
})
_THE_WAY = "add a column of the new type, fill it from the old one, then drop the old one"


def converted(old_t, new_t) -> str | None:
    """None when a migration changes a column from ``old_t`` to ``new_t`` alike on both engines; else why not."""
    if old_t.array or new_t.array:
        return None if old_t.array and new_t.array and widens(old_t, new_t) else \
            "is no change both engines make alike (PostgreSQL reads an array's elements, SQLite keeps its JSON text)"
    own = next((t.name for t in (old_t, new_t) if not t.enum and t.name in OWN_TEXT), None)
    if own is not None and old_t.name != new_t.name and (old_t.kind == new_t.kind or new_t.kind in _STRINGS
                                                         or new_t.name == own):
        # json <-> jsonb, jsonb -> text, text -> jsonb: PostgreSQL's cast writes the document in its own words
        return f"is no change both engines make alike ({OWN_TEXT[own]})"
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
    # REAL column converted what is a number, also one past the type's range ('1e400' became Inf, '1e39' a
    # double where PostgreSQL's real refuses it: "out of range")
    Fit(_STRING_KINDS, "float", f"{{col}} ~ {sql_string(_NUMBER_REGEX)}",
        "typeof({col}) = 'real' AND abs({col}) <= {largest}", f"trim({{value}}, {_SQLITE_BLANKS})"),
    # PostgreSQL's json input refuses text that is no JSON document (its own error: PostgreSQL 15 has no IS JSON);
    # SQLite kept any text
    Fit(_STRING_KINDS, "json", None, "json_valid({col})"),
    # PostgreSQL pads a value to a character(n)'s n characters and cuts the trailing blanks of one that becomes
    # text; SQLite's copy kept each as it was
    Fit(frozenset({"text", "char", "uuid", *_INT_KINDS, "numeric", "json", "tsvector", "enum"}), "char", None, None,
        "{value} || substr(printf('%{length}s', ''), 1 + length({value}))"),
    Fit(frozenset({"char"}), "text", None, None, "rtrim({value}, ' ')"),
    # a number becoming real (double -> real, numeric -> double, ...): PostgreSQL refuses one past the type's
    # range ("value out of range: overflow"), SQLite's REAL column kept it as a double (or Inf)
    Fit(frozenset({"float", "numeric", *_INT_KINDS}), "float", None, "abs({col}) <= {largest}"),
)


# Kinds whose values change form (or range) within the kind: character(3) -> character(5) pads to 5, double ->
# real holds less.
_REFORMED_WITHIN_KIND = frozenset({"char", "float"})


# The largest finite value of PostgreSQL's floating types (SQLite's REAL is a double either way).
FLOAT_LARGEST: Mapping[str, str] = MappingProxyType({"real": "3.4028234663852886e38",
                                                     "double": "1.7976931348623157e308"})


def fit_for(old_t, new_t) -> Fit | None:
    if old_t.kind == new_t.kind and old_t.kind not in _REFORMED_WITHIN_KIND:
        return None
    return next((f for f in FITS if old_t.kind in f.old and new_t.kind == f.new), None)


def fits_name(table: str, column: str, new_t) -> str:
    return derived_name(table, column, suffix=f"fits_{new_t.kind}")


# PostgreSQL casts that exist only through another type (boolean <-> integer, not smallint or bigint).
_PG_VIA = MappingProxyType({("boolean", "int16"): "::integer", ("boolean", "int64"): "::integer",
                            ("int16", "boolean"): "::integer", ("int64", "boolean"): "::integer"})


def _sqlite_guard(table: str, column: str, suffix: str, source: str, where: str, read: str | None = None) -> list[str]:
    """Fail the migration under the constraint ``<table>_<column>_<suffix>`` when a row of ``source`` whose
    column ``read`` (``column`` unless given: an old table's name for it) is not NULL matches ``where`` (as a
    CHECK on a temporary table fails: rolled back, named)."""
    guard = quote(f"{SQLITE_NEW}guard")
    return [f"CREATE TEMP TABLE {guard} (rows_that_do_not_fit INTEGER CONSTRAINT "
            f"{quote(derived_name(table, column, suffix=suffix))} CHECK (rows_that_do_not_fit = 0));",
            f"INSERT INTO {guard} SELECT count(*) FROM {quote(source)} WHERE {quote(read or column)} IS NOT NULL AND "
            f"({where});",
            f"DROP TABLE {guard};"]


def _pg_guard(q: str, name: str, condition: str) -> list[str]:
    """Fail the migration under the constraint ``name`` when a row of the (quoted) table ``q`` breaks
    ``condition`` (PostgreSQL checks the rows when the constraint is added), then take it away again."""
    check = quote(name)
    return [f"ALTER TABLE {q} ADD CONSTRAINT {check} CHECK ({condition});",
            f"ALTER TABLE {q} DROP CONSTRAINT {check};"]


def pg_alter_type(r: Renderer, old: Manifest, new: Manifest, op: Op, q: str) -> list[str]:
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
        out += _pg_guard(q, fits_name(op.table, op.name, new_t), fit.postgres.format(col=col))
    now = scale_narrowed(old_t, new_t)
    if now is not None:
        value = col if old_t.kind == "numeric" else f"{col}::numeric"
        out += _pg_guard(q, _fits_scale_name(op.table, op.name, now), f"{value} = round({value}, {now})")
    via = "::text" if old_t.enum else _PG_VIA.get((old_t.kind, new_t.kind), "")
    return out + [f"ALTER TABLE {q} ALTER COLUMN {col} TYPE {typ} USING {col}{via}::{typ};"] + after


def _sqlite_fits_scale(table: str, temp: str, column: str, scale: int) -> list[str]:
    """Fail the migration (as PostgreSQL's does, under the same constraint name) when a copied value has more
    fractional digits than the column's new scale: SQLite keeps a numeric's text as it was written (123.456 in
    a numeric(6, 2)), where PostgreSQL's cast would round it.  The text is what the rebuilt table holds (a
    double as SQLite writes it, with 15 digits, as PostgreSQL reads it; a number with an exponent by its value,
    as PostgreSQL reads it too)."""
    text = f"trim({quote(column)})"
    return _sqlite_guard(table, column, f"fits_scale_{scale}", temp, (
        f"CASE WHEN instr(lower({text}), 'e') > 0 "     # 1e5, '1.0e+15' (a large double): its value
        f"THEN round(CAST({text} AS REAL), {scale}) <> CAST({text} AS REAL) "
        f"ELSE instr({text}, '.') > 0 AND length(rtrim({text}, '0')) - instr({text}, '.') > {scale} END"))


def _sqlite_fits_length(table: str, source: str, column: str, from_name: str, length: int) -> list[str]:
    """Fail the migration (as PostgreSQL's assignment to varchar(n) or character(n) does) when a value of the old
    table ``source`` has more than ``length`` characters before its trailing blanks: SQLite keeps any text in
    the rebuilt column, where PostgreSQL refuses it."""
    return _sqlite_guard(table, column, f"fits_length_{length}", source,
                         f"length(rtrim({quote(from_name)}, ' ')) > {length}", read=from_name)


def sqlite_copied(op: Op, table: str, source: str, from_name: str, value: str) -> tuple[str, list[str]]:
    """The value SQLite's rebuild copies into the retyped column ``op.name`` (``value``: the old table's, as
    PostgreSQL's cast gives it), and the checks that run before the copy (of the old table ``source``)."""
    fit, cut, guards = fit_for(op.old, op.new), length_narrowed(op.old, op.new), []
    if fit is not None:   # the form PostgreSQL's cast gives the value
        value = fit.copy.format(value=value, **op.new.params)
    if cut is not None:   # a shorter varchar(n)/character(n): PostgreSQL cuts blanks only
        value = f"substr({value}, 1, {cut})"
        guards += _sqlite_fits_length(table, source, op.name, from_name, cut)
    return value, guards


def sqlite_checks(table: str, temp: str, ops: list[Op]) -> list[str]:
    """The checks of the values copied into the rebuilt table ``temp`` for the type changes ``ops``."""
    out = []
    for op in ops:   # first: the guards below read the copied values as numbers
        fit = fit_for(op.old, op.new)
        if fit is not None and fit.sqlite is not None:
            col = quote(op.name)
            check = fit.sqlite.format(col=col, largest=FLOAT_LARGEST.get(op.new.name, ""))
            out += _sqlite_guard(table, op.name, f"fits_{op.new.kind}", temp, f"NOT ({check})")
    for op in ops:
        scale = scale_narrowed(op.old, op.new)
        if scale is not None:
            out += _sqlite_fits_scale(table, temp, op.name, scale)
    for op in ops:   # the values as the rebuilt column holds them (its affinity converted what it could)
        col = quote(op.name)
        bounds = range_narrowed(op.old, op.new)
        if bounds is not None:   # no integer (text, a blob), or one beyond the new type's range
            out += _sqlite_guard(table, op.name, f"fits_{op.new.spelled()}", temp,
                                 f"typeof({col}) IN ('text', 'blob') OR {col} < {bounds[0]} OR {col} > {bounds[1]}")
        whole = digits_narrowed(op.old, op.new)
        if whole is not None:    # PostgreSQL rounds to the scale first: 9999.995 is 10000.00 in numeric(6, 2)
            scale = op.new.params.get("scale", 0)
            out += _sqlite_guard(table, op.name, f"fits_precision_{op.new.params['precision']}", temp,
                                 f"abs(round(CAST({col} AS REAL), {scale})) >= 1e{whole}")
    return out
