"""The typed columns of a view in the Drizzle files (pgView / sqliteView).

A view's output gets a column type only when that type is certain on both engines: a plain column of a
manifest table or of a typed view it reads (its outputs' types, resolved first), or one of the expression
shapes of ``VIEW_SHAPES`` / ``CAST_TYPES`` over such columns and literals (a string literal is text, an
integer literal integer, ``CAST(NULL AS t)`` a NULL of t; CASE branches and COALESCE arguments of one
``BRANCH_TYPES`` type; an aggregate with FILTER or OVER as the aggregate; the ranking window functions
as count).  Anything else (a function or operator not in the tables, an input whose type is not
inferred, a view read that is not typed, a subquery, an outer join, ...) leaves the whole view untyped:
the Drizzle files leave it out (drizzle-kit cannot create it) and the manifest's DDL still creates it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from ..manifest.model import Column, Table
from ..types import TypeRef


@dataclass(frozen=True)
class ViewShape:
    """How both engines type one expression shape of a view output (a row of ``VIEW_SHAPES``)."""

    result: str | Mapping[str, str]   # portable type; "input": the type of its one input column; or a
    #                                   mapping input type -> result type (other input types: not certain)
    inputs: tuple[str, ...]           # sqlglot arguments read as inputs (absent ones skipped)
    accepts: frozenset | None = None  # portable types the first input (every_input: each input) may have
    every_input: bool = False
    column_only: bool = False         # the input must be a plain column (aggregates)
    null: str = "inputs"              # "inputs": NULL when an input may be; "never"; "always"


_TEXT = frozenset({"text", "varchar", "character", "enum", "uuid"})     # PostgreSQL: text-like, no bytea
_CONCAT = _TEXT | {"smallint", "integer", "bigint"}                       # a || b is text (not array/json/bytea)
_TEXT_FN = ViewShape("text", ("this", "expression", "start", "length", "replacement"), _TEXT)

# sqlglot node class name -> shape.  PostgreSQL's result type / SQLite's storage class of each:
# concatenation and text functions: text / TEXT; length: integer / INTEGER; count: bigint (int8, Drizzle
# mode "number") / INTEGER, never NULL; min/max: the column's own type; sum of small integers: bigint /
# INTEGER; sum and avg of floats: real|double / REAL.  sum(bigint|numeric) and avg(integer) are numeric
# on PostgreSQL (a string in Drizzle) but numbers on SQLite: not certain, left out.
VIEW_SHAPES: Mapping[str, ViewShape] = {
    "DPipe": ViewShape("text", ("this", "expression"), _CONCAT, every_input=True),
    "Lower": _TEXT_FN, "Upper": _TEXT_FN, "Trim": _TEXT_FN, "Substring": _TEXT_FN, "Replace": _TEXT_FN,
    "Length": ViewShape("integer", ("this",)),
    "Count": ViewShape("bigint", (), null="never"),
    "Min": ViewShape("input", ("this",), column_only=True, null="always"),
    "Max": ViewShape("input", ("this",), column_only=True, null="always"),
    "Sum": ViewShape({"smallint": "bigint", "integer": "bigint", "real": "real", "double": "double"}, ("this",),
                     column_only=True, null="always"),
    "Avg": ViewShape({"real": "double", "double": "double"}, ("this",), column_only=True, null="always"),
    # window functions (inside OVER): the ranks are bigint on PostgreSQL, INTEGER on SQLite (as count);
    # percent_rank and cume_dist double precision / REAL
    "RowNumber": ViewShape("bigint", (), null="never"), "Rank": ViewShape("bigint", (), null="never"),
    "DenseRank": ViewShape("bigint", (), null="never"),
    "PercentRank": ViewShape("double", (), null="never"), "CumeDist": ViewShape("double", (), null="never"),
}
WINDOW_ONLY = frozenset({"RowNumber", "Rank", "DenseRank", "PercentRank", "CumeDist"})

# CASE branches and COALESCE arguments: the portable types that make one result type on both engines
# (PostgreSQL resolves varchar and text to text; the other types must all be the same).  Other types
# (numeric, booleans, dates, enums, mixed integer widths) are not certain, left out.
BRANCH_TYPES: Mapping[str, str] = {"text": "text", "varchar": "text", "smallint": "smallint", "integer": "integer",
                                   "bigint": "bigint", "real": "real", "double": "double"}

# CAST(x AS t) / x::t: sqlglot type -> portable type, where both engines give one JS type (SQLite: the
# affinity of the spelling, checked on the text by ``sqlite_casts_agree``).  NUMERIC, BOOLEAN, dates:
# not certain (SQLite's NUMERIC affinity keeps numbers or text), left out.
CAST_TYPES: Mapping[str, str] = {
    "TEXT": "text", "VARCHAR": "text", "CHAR": "text", "NVARCHAR": "text", "NCHAR": "text",
    "SMALLINT": "smallint", "INT": "integer", "BIGINT": "bigint", "FLOAT": "real", "DOUBLE": "double",
}
_AFFINITY = {"text": "TEXT", "smallint": "INTEGER", "integer": "INTEGER", "bigint": "INTEGER", "real": "REAL",
             "double": "REAL"}


def sqlite_affinity(spelling: str) -> str:
    """SQLite's type affinity of a declared type name (https://sqlite.org/datatype3.html, 3.1)."""
    s = spelling.upper()
    if "INT" in s:
        return "INTEGER"
    if "CHAR" in s or "CLOB" in s or "TEXT" in s:
        return "TEXT"
    if "BLOB" in s or not s:
        return "BLOB"
    if "REAL" in s or "FLOA" in s or "DOUB" in s:
        return "REAL"
    return "NUMERIC"


def sqlite_casts_agree(text: str) -> bool:
    """Does every type word after AS in the SQLite text have the affinity its sqlglot type maps to?  sqlglot
    reads CAST(x AS STRING) as TEXT, but SQLite gives STRING the NUMERIC affinity."""
    from sqlglot.dialects.sqlite import SQLite
    tokens = SQLite().tokenize(text)
    for before, tok in zip(tokens, tokens[1:]):
        portable = CAST_TYPES.get(tok.token_type.name)
        if before.text.upper() == "AS" and portable and sqlite_affinity(tok.text) != _AFFINITY[portable]:
            return False
    return True


@dataclass(frozen=True)
class Typed:
    """An inferred value: its portable type name, whether it may be NULL, and the table column it is
    (plain columns only: their builder is the column's own)."""

    type: str
    nullable: bool
    column: Column | None = None
    table: Table | None = None


def type_key(c: Column, engine: str) -> str | None:
    """The portable type name an input column has on ``engine`` (None: an array, or an engine type of its own)."""
    if c.type.array or engine in dict(c.engine_types):
        return None
    return "enum" if c.type.enum else c.type.name


class ViewTyper:
    """Types the outputs of one view's SELECT on one engine (``sources``: alias -> manifest table)."""

    def __init__(self, engine: str, sources: dict):
        self.engine, self.sources = engine, sources

    def column(self, col) -> Typed | None:
        import sqlglot.expressions as exp
        if not isinstance(col.this, exp.Identifier):
            return None
        if col.table:
            candidates = [self.sources[col.table]] if col.table in self.sources else []
        else:
            candidates = [t for t in self.sources.values() if t.column(col.name)]
        if len(candidates) != 1 or candidates[0].column(col.name) is None:
            return None
        table = candidates[0]
        source = table.column(col.name)
        single_pk = table.primary_key and table.primary_key.columns == (source.name,)
        source = replace(source, nullable=source.nullable and not single_pk)
        return Typed(type_key(source, self.engine) or "", source.nullable, source, table)

    def infer(self, node) -> Typed | None:
        """The type of ``node`` when it is certain on both engines, else None."""
        import sqlglot.expressions as exp
        while isinstance(node, exp.Paren):
            node = node.this
        kind = type(node).__name__
        if kind == "Column":
            return self.column(node)
        if kind == "Literal":
            if node.is_string:
                return Typed("text", False)
            return Typed("integer", False) if node.is_int and abs(int(node.this)) < 2 ** 31 else None
        if kind == "Cast":
            target = CAST_TYPES.get(node.to.this.name)   # a length only on text: VARCHAR(20), TEXT(20)
            target = target if not node.to.expressions or target == "text" else None
            if target and isinstance(node.this, exp.Null):   # CAST(NULL AS t): always NULL, of type t
                return Typed(target, True)
            inner = self.infer(node.this) if target else None
            return Typed(target, inner.nullable) if inner else None
        if kind == "Case":   # CASE [x] WHEN ... THEN a ... [ELSE b] END: no ELSE is ELSE NULL
            values = [i.args.get("true") for i in node.args.get("ifs") or ()]
            default = node.args.get("default")
            return self.same_type(values + [default] if default is not None else values, default is None)
        if kind == "Coalesce":   # NULL only when every argument is
            return self.same_type([node.this, *node.expressions], False, every=True)
        if kind == "Filter":     # aggregate FILTER (WHERE ...): typed as the aggregate
            return self.infer(node.this) if type(node.this).__name__ in VIEW_SHAPES else None
        if kind == "Window":     # f(...) OVER (...): a window function, or an aggregate typed as itself
            inner = node.this
            return self.infer(inner) if type(inner).__name__ in VIEW_SHAPES or isinstance(inner, exp.Filter) \
                else None
        if kind in WINDOW_ONLY:  # reached only inside OVER (...)
            return Typed(VIEW_SHAPES[kind].result, False) if isinstance(node.parent, exp.Window) else None
        shape = VIEW_SHAPES.get(kind)
        if shape is None:
            return None
        inputs = []
        for arg in shape.inputs:
            value = node.args.get(arg)
            if value is None:
                continue
            typed = self.infer(value)
            if typed is None or (shape.column_only and typed.column is None):
                return None
            inputs.append(typed)
        checked = inputs if shape.every_input else inputs[:1]
        if shape.accepts is not None and any(i.type not in shape.accepts for i in checked):
            return None
        if shape.result == "input":
            c = inputs[0]
            return Typed(c.type, True, replace(c.column, nullable=True), c.table)
        result = shape.result if isinstance(shape.result, str) else shape.result.get(inputs[0].type)
        if not result:
            return None
        nullable = shape.null == "always" or (shape.null == "inputs" and any(i.nullable for i in inputs))
        return Typed(result, nullable)

    def same_type(self, values: list, nullable: bool, every: bool = False) -> Typed | None:
        """The one type of CASE branches / COALESCE arguments (``values``; NULL literals add only NULL), when
        each is certain and they all have one type of ``BRANCH_TYPES``.  NULL when ``nullable``, or when any
        value may be (``every``: when every value may be)."""
        import sqlglot.expressions as exp
        types, nulls = set(), []
        for value in values:
            while isinstance(value, exp.Paren):
                value = value.this
            if isinstance(value, exp.Null):
                nulls.append(True)
                continue
            typed = self.infer(value)
            if typed is None or typed.type not in BRANCH_TYPES:
                return None
            types.add(BRANCH_TYPES[typed.type])
            nulls.append(typed.nullable)
        if len(types) != 1:
            return None
        return Typed(types.pop(), nullable or (all(nulls) if every else any(nulls)))

    def output(self, e) -> tuple[str, Column, Table | None] | None:
        """(output name, the column it is typed as, the table of a plain column or None) of one output."""
        import sqlglot.expressions as exp
        expr = e.this if isinstance(e, exp.Alias) else e
        typed = self.infer(expr)
        if typed is None:
            return None
        name = e.alias_or_name
        if typed.column is not None:
            return name, typed.column, typed.table
        if not isinstance(e, exp.Alias):   # an unnamed expression: each engine names it its own way
            return None
        return name, Column(name, TypeRef(typed.type), nullable=typed.nullable), None
