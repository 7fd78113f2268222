"""Expressions the engines accept: a manifest whose DDL an engine would reject is invalid.

SQLite: every expression is compiled (``EXPLAIN SELECT …``, never run) by the standard library's SQLite on
an in-memory database holding tables with the same columns, so the real engine says whether it knows each
function and column.  PostgreSQL: the functions an expression calls are looked up in the names of
PostgreSQL's built-in functions (``pg_functions.json``, written from ``pg_proc`` by
``scripts/pg_functions.py``), and a default's literal is checked against the column's type where
PostgreSQL has no assignment cast.  Both add milliseconds, so ``schemactl check`` stays fast.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from importlib import resources

from ..engines import ENGINES
from ..naming import quote
from ..typedconst import kinds_of, postgres_refusal
from . import enginediff
from .enginediff import judged_columns

# Words followed by "(" that are SQL syntax or type names, not function calls.
_SYNTAX = frozenset("""
all and any array as between by case cast char character coalesce collate decimal distinct double else exists
extract filter from greatest in interval is least like not nullif numeric on or over overlay partition position
precision row select some substring then time timestamp trim values varchar when where with within zone
join lateral using union intersect except having group order limit offset cross inner left right full outer
natural end null true false default returning
current_time current_timestamp localtime localtimestamp
varying bit float int integer smallint bigint real text bytea uuid json jsonb date boolean
""".split())

_STRINGS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


@functools.lru_cache(maxsize=8192)
def _unquoted(sql: str) -> str:
    """``sql`` with its strings and quoted names emptied (read by several checks of each expression, and a
    manifest repeats its expressions table after table)."""
    return _STRINGS.sub("''", sql)


_CALL = re.compile(r"(?<![\w.$])((?:[A-Za-z_][\w$]*\s*\.\s*)?[A-Za-z_][\w$]*)\s*\(")
_CAST_BEFORE = re.compile(r"(?:\bAS|::)\s*$", re.I)

# A default's plain literal that PostgreSQL cannot assign to a column of these literal kinds.
_LITERAL_FORMS = {
    "boolean": re.compile(r"^\(*\s*(TRUE|FALSE)\s*\)*$", re.I),
    "number": re.compile(r"^\(*\s*[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*\)*$", re.I),
}
PG_DEFAULT_REJECTS = {
    "boolean": frozenset({"int16", "int32", "int64", "float", "numeric", "uuid", "date", "time", "timestamp",
                          "timestamptz", "json", "bytes", "enum"}),
    "number": frozenset({"boolean", "uuid", "date", "time", "timestamp", "timestamptz", "json", "bytes", "enum"}),
}
_FIX = 'give each engine its own form: {postgres: "…", sqlite: "…"}'


@functools.cache
def pg_functions() -> frozenset[str]:
    data = json.loads(resources.files("schemactl.manifest").joinpath("pg_functions.json").read_text("utf-8"))
    return frozenset(n.lower() for n in data["functions"])


def pg_unknown_functions(sql: str, declared: frozenset = frozenset()) -> list[str]:
    """Functions a PostgreSQL expression calls that PostgreSQL does not have built in and the manifest
    does not declare (``declared``: names under `functions:`, created before the tables that use them)."""
    return list(_pg_unknown_functions(sql, declared))


_CTE_COLUMNS = re.compile(r'(?:\bWITH(?:\s+RECURSIVE)?|,)\s*"?(\w+)"?\s*\([^()]*\)\s*AS\s+'
                          r'(?:NOT\s+)?(?:MATERIALIZED\s+)?\(', re.I)


@functools.lru_cache(maxsize=8192)
def _pg_unknown_functions(sql: str, declared: frozenset) -> tuple[str, ...]:
    text = _STRINGS.sub("''", sql)
    # a common table expression with a column list (WITH RECURSIVE nums(n) AS (…)) reads like a call
    known = pg_functions() | declared | {n.lower() for n in _CTE_COLUMNS.findall(text)}
    out = []
    for m in _CALL.finditer(text):
        name = re.sub(r"\s+", "", m.group(1)).lower()
        schema, _, fn = name.rpartition(".")
        if schema not in ("", "pg_catalog") or fn in _SYNTAX or _CAST_BEFORE.search(text[:m.start()]):
            continue
        if fn not in known and fn not in out:
            out.append(fn)
    return tuple(out)


# PostgreSQL's arithmetic on double precision (and real) stops where numeric's goes on: round() and trunc()
# with decimals, % and mod() exist for integers and numeric only, log() with a base for numeric only, and PostgreSQL casts a float to neither by
# itself, so it refuses the CREATE TABLE.  SQLite computes all of them.  The types are read as PostgreSQL
# resolves them: a column by its type, a number with a point by numeric, and what each function returns (the
# same type as its arguments, or double precision always, or numeric where an argument is numeric).
_FLOAT_TRAP = re.compile(r"%|\b(?:round|trunc|mod|log\w*)\s*\(", re.I)
_PG_NUMBER_RANK = {"int": 0, "numeric": 1, "float": 2}
_PG_KIND_OF_TYPE = {"int16": "int", "int32": "int", "int64": "int", "numeric": "numeric", "float": "float"}
_PG_ALWAYS_FLOAT = frozenset({"rand", "pi", "cbrt", "degrees", "radians"})
_PG_FLOAT_UNLESS_NUMERIC = frozenset({"sqrt", "exp", "ln", "pow"})     # numeric in, numeric out; else double
_PG_AS_ITS_ARGUMENTS = frozenset({"abs", "ceil", "floor", "sign", "coalesce", "greatest", "least", "neg", "paren",
                                  "case", "if", "add", "sub", "mul", "div", "round", "trunc"})
_PG_CAST_KIND = {"REAL": "float", "DOUBLE": "float", "FLOAT": "float", "DECIMAL": "numeric", "SMALLINT": "int",
                 "INT": "int", "BIGINT": "int"}


def pg_float_refusal(sql: str, table) -> str | None:
    """Why PostgreSQL refuses ``sql`` (an expression on ``table``'s columns) for a float where it takes only
    integers or numeric, or None (also where the types cannot be told)."""
    if not _FLOAT_TRAP.search(_unquoted(sql)):
        return None
    return _float_refusal(sql, _number_kinds(table))


def numeric_mod_difference(sql: str, table) -> str | None:
    """How % (or mod()) of a numeric value differs between the engines, or None: PostgreSQL keeps the fraction
    (4.5 % 2 is 0.5), SQLite takes both operands as integers first (4.5 % 2 is 0)."""
    if not _FLOAT_TRAP.search(_unquoted(sql)):
        return None
    return _numeric_mod(sql, _number_kinds(table))


def _number_kinds(table) -> tuple:
    kinds = {}
    for c in table.columns:
        if not c.type.array and not dict(c.engine_types).get("postgres"):
            kind = _PG_KIND_OF_TYPE.get(c.type.row.value)
            if kind:
                kinds[c.name] = kind
    return tuple(sorted(kinds.items()))


@functools.lru_cache(maxsize=1024)
def _pg_read(sql: str):
    """sqlglot's reading of a PostgreSQL expression (shared, read only), or None: what sqlglot cannot read,
    PostgreSQL judges at parity."""
    import sqlglot
    try:
        return sqlglot.parse_one(sql, read="postgres")
    except Exception:   # noqa: BLE001
        return None


@functools.lru_cache(maxsize=1024)
def _numeric_mod(sql: str, kinds: tuple) -> str | None:
    from sqlglot import exp
    tree = _pg_read(sql)
    if tree is None:
        return None
    columns = dict(kinds)
    for node in tree.find_all(exp.Mod):
        if any(_pg_number_kind(x, columns, exp) == "numeric" for x in (node.this, node.expression)):
            return (f"% of a numeric value keeps its fraction on PostgreSQL and drops it on SQLite ({node.sql('postgres')}"
                    f": 4.5 % 2 is 0.5 there and 0 here); write {{postgres: …, sqlite: …}} where that matters")
    return None


def _float_divisions(t, problems) -> None:
    """A warning at each expression of ``t`` (generated columns too) that divides two integers portably."""
    generated = ((c.path + ("generated", "expr"), f'table "{t.name}", column "{c.name}": generated', c.generated.expr)
                 for c in t.columns if c.generated is not None and c.generated.expr is not None)
    for path, what, expr, *_ in (*_expressions(t), *generated):
        for division in expr.divisions:
            why = _float_division(division, _number_kinds(t))
            if why:
                problems.add(path, f"{what}: {why}", severity="warning")


@functools.lru_cache(maxsize=1024)
def _float_division(division: str, kinds: tuple) -> str | None:
    """Why a portable a / b of two integers (as written) is worth a word, or None: sqlglot's portable reading
    divides as floats on both engines, where each engine's own SQL divides integers as integers."""
    from sqlglot import exp
    tree = _pg_read(division)
    if not isinstance(tree, exp.Div):
        return None
    columns = dict(kinds)
    if _pg_number_kind(tree.this, columns, exp) != "int" or _pg_number_kind(tree.expression, columns, exp) != "int":
        return None
    return (f"{division} divides as floats in a portable expression (7 / 2 is 3.5 on both engines, where each "
            "engine's own SQL gives 3; an integer column stores 3.5 as 4 on PostgreSQL and as 3.5 on SQLite): write "
            "{postgres: …, sqlite: …} to divide integers as integers, or CAST(… AS DOUBLE PRECISION) to say the "
            "fraction is meant")


@functools.lru_cache(maxsize=1024)
def _float_refusal(sql: str, kinds: tuple) -> str | None:
    from sqlglot import exp
    tree = _pg_read(sql)
    if tree is None:
        return None
    columns = dict(kinds)
    for node in tree.walk():
        if isinstance(node, exp.Mod):
            operands, shown = (node.this, node.expression), "% (mod())"
        elif isinstance(node, (exp.Round, exp.Trunc)) and node.args.get("decimals") is not None:
            operands, shown = (node.this,), f"{node.key}() with decimals"
        elif isinstance(node, exp.Log) and node.expression is not None:
            operands, shown = (node.this, node.expression), "log() with a base"
        else:
            continue
        if any(_pg_number_kind(x, columns, exp) == "float" for x in operands):
            text = node.sql("postgres")
            return (f"PostgreSQL has no {shown} for double precision or real ({text}): cast the value to NUMERIC "
                    f"first, e.g. {_cast_example(node, columns, exp)}, or {_FIX}")
    return None


def _cast_example(node, columns: dict, exp) -> str:
    fixed = node.copy()
    for arg in ("this", "expression"):
        value = fixed.args.get(arg)
        if value is not None and _pg_number_kind(value, columns, exp) == "float":
            fixed.set(arg, exp.Cast(this=value.copy(), to=exp.DataType.build("DECIMAL")))
    return fixed.sql("postgres").replace("AS DECIMAL", "AS NUMERIC")


def _pg_number_kind(node, columns: dict, exp) -> str | None:
    """int, numeric or float: the type PostgreSQL gives ``node``; None where it is no number or not known."""
    if isinstance(node, exp.Column):
        return columns.get(node.name)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return None
        return "int" if node.this.isdigit() else "numeric"
    if isinstance(node, exp.Cast):
        return _PG_CAST_KIND.get(node.to.this.name if node.to.this else "")
    key = node.key
    if key in _PG_ALWAYS_FLOAT:
        return "float"
    inner = [x for x in node.iter_expressions() if not isinstance(x, (exp.DataType, exp.Var))]
    if isinstance(node, exp.Case):   # the branches' values, not the conditions
        inner = [i.args.get("true") for i in node.args.get("ifs", ())] + [node.args.get("default")]
        inner = [x for x in inner if x is not None]
    if key in ("round", "trunc") and node.args.get("decimals") is not None:
        inner = [node.this]
    kinds = [_pg_number_kind(x, columns, exp) for x in inner]
    if key in _PG_FLOAT_UNLESS_NUMERIC:
        return "numeric" if "numeric" in kinds else ("float" if kinds and all(kinds) else None)
    if key not in _PG_AS_ITS_ARGUMENTS or not kinds:
        return None
    if "float" in kinds:
        return "float"
    return max(kinds, key=_PG_NUMBER_RANK.get) if all(kinds) else None


def _what(path: tuple) -> str:
    return {"default": "default", "check": "check", "where": "index predicate", "expr": "expression",
            "sql": "expression"}.get(next((p for p in reversed(path) if isinstance(p, str)), ""), "expression")


def _expressions(t):
    """(manifest path, what, Expr, reads columns?) of one table's expressions."""
    for c in t.columns:
        if c.default is not None and c.default.kind == "sql" and c.default.expr is not None:
            yield c.path + ("default",), f'table "{t.name}", column "{c.name}": default', c.default.expr, False
    for ck in t.checks:
        yield ck.path, f'table "{t.name}": check "{ck.name}"', ck.expr, True
    for c in t.columns:    # computed from the row: PostgreSQL and SQLite compile it at CREATE TABLE
        if c.generated is not None:
            yield c.path + ("generated", "expr"), f'table "{t.name}", column "{c.name}": generated', \
                c.generated.expr, True
    for ix in t.indexes:
        engines = getattr(ix, "engines", ("postgres", "sqlite"))
        if ix.where is not None:
            yield ix.path + ("where",), f'table "{t.name}": index "{ix.name}" where', ix.where, engines
        for i, col in enumerate(ix.columns):
            expr = getattr(col, "expr", None)
            if expr is not None:
                yield ix.path + ("columns", i, "expr"), f'table "{t.name}": index "{ix.name}" expression', expr, \
                    engines


class _Kinds:
    """A table's column kinds for enginediff, worked out on first use."""

    def __init__(self, m, t):
        self.m, self.t, self.kinds, self.storage = m, t, None, m.time_storage
        self.rows: dict | None = None
        self.compared: dict | None = None

    def typed(self, expr) -> tuple:
        """(column, kind) of the columns ``expr`` reads whose constants PostgreSQL reads as values of their
        type, or compares with no number (typedconst.kinds_of; an enum's kind is its members); a column of
        PostgreSQL's own type (postgres_type) is not judged by its portable kind."""
        if self.compared is None:
            cols = [c for c in self.t.columns if not dict(c.engine_types).get("postgres")]
            self.compared = kinds_of(cols, {e.name: e.values for e in self.m.enums})
        used = {c.lower() for c in expr.columns}
        return tuple((c, k) for c, k in self.compared.items() if c.lower() in used)

    def get(self) -> dict:
        if self.kinds is None:
            self.kinds = enginediff.column_kinds(self.m, self.t)
        return self.kinds

    def named(self, expr, wanted) -> bool:
        """Does ``expr`` read a column of one of the ``wanted`` kinds (by the columns the model lists)?
        The kinds alone, as column_kinds gives them first, without the SQLite declarations it renders."""
        if self.rows is None:
            self.rows = {c.name: c.type.row.value for c in enginediff.judged_columns(self.t)}
        return any(self.rows.get(c) in wanted for c in expr.columns)


_EXTRACT = re.compile(r"\bEXTRACT\s*\(", re.I)
# What may be a constant compared with a column (a string or a number: typedconst.postgres_refusal)
_CONSTANT = re.compile(r"'|\d")
_GENERATED_TRAP = re.compile(r"(?i)cast\s*\(|::|extract|date_trunc|to_char|now|current_|random|age\s*\(|local|"
                             r"clock_|statement_|transaction_|timeofday|gen_random")
_CAST_OR_ARITHMETIC = re.compile(r"(?i)cast\s*\(|::|[-+*/]")
_SIGN_ONLY = re.compile(r"^\s*(?:\(*\s*\"?[\w$]+\"?\s*(?:>=|<)\s*0\s*\)*|\(*\s*0\s*(?:<=|>)\s*\"?[\w$]+\"?\s*\)*)\s*$")


def _engine_difference(pg: str, expr, path: tuple, kinds: _Kinds, m, engines) -> str | None:
    """Why an engine refuses what validate otherwise passes: a generated column, index predicate or index expression
    PostgreSQL finds not immutable;
    a portable text wrong on one engine (enginediff.portable_refusal)."""
    text = _unquoted(pg)
    place = _place(path)
    if place in ("generated", "where", "expr") and _GENERATED_TRAP.search(text):
        refused = enginediff.pg_generated_refusal(pg, kinds.get(), kinds.storage, place)
        if refused:
            return refused
    if expr.portable and "sqlite" in engines and (
            (_CAST_OR_ARITHMETIC.search(text) and kinds.named(expr, enginediff.TIMED | {"boolean"}))
            or ("\\" in pg and re.search(r"(?i)\bilike\b", text))):
        return enginediff.portable_refusal(pg, kinds.get(), kinds.storage)
    return None


def _typed_refusal(pg: str, expr, kinds: _Kinds) -> str | None:
    """Why PostgreSQL refuses the postgres: side of a {postgres:, sqlite:} expression for a constant compared with
    a column, as the portable text's rules refuse one for both engines (typedconst.postgres_refusal): price >= 0
    on a text column, which SQLite takes and PostgreSQL has no operator for.  A portable text is judged as it
    loads."""
    if expr.portable or not _CONSTANT.search(pg):
        return None
    typed = kinds.typed(expr)
    refused = postgres_refusal(pg, typed) if typed else None
    return f"postgres: {refused}" if refused else None


def _postgres_side(path: tuple) -> tuple:
    """The place of an expression's postgres: text (a table check's is under its expr:)."""
    return path + (("expr", "postgres") if len(path) == 4 and path[2] == "checks" else ("postgres",))


def _place(path: tuple) -> str | None:
    """Where in a table an expression at ``path`` is: check, generated, or an index's where or expr; None for a
    default (read by position: a column may be named check or generated)."""
    if len(path) > 3 and path[0] == "tables":
        if path[2] == "indexes":
            return path[-1]
        if path[2] == "checks":
            return "check"
        if path[2] == "columns" and len(path) > 4 and path[4] in ("check", "generated"):
            return path[4]
    return None


def _may_compare_numeric(pg: str, expr, kinds: _Kinds) -> bool:
    """Might ``pg`` compare a numeric column held as TEXT on SQLite (not only its sign: price >= 0)?"""
    return kinds.named(expr, {"numeric"}) and not _SIGN_ONLY.match(_unquoted(pg))


class _Recorder:
    """The problems check() reports, as the calls that report them (replay() reports them into others)."""

    def __init__(self):
        self.calls: list[tuple] = []

    def add(self, path, message: str, key: bool = False, severity: str = "error") -> None:
        self.calls.append((tuple(path), message, key, severity))

    def warn(self, path, message: str) -> None:
        self.add(path, message, severity="warning")


def recorded(m) -> tuple:
    """What check() reports of ``m``, recorded (replay() reports it into a manifest's problems, located there)."""
    into = _Recorder()
    check(m, into)
    return tuple(into.calls)


def replay(calls: tuple, problems) -> None:
    for path, message, key, severity in calls:
        problems.add(path, message, key=key, severity=severity)


def check(m, problems) -> None:
    """Report every expression one of the engines would reject, and PostgreSQL defaults that do not fit."""
    lite = None
    created: set[str] = set()
    declared = frozenset(f.name.lower() for f in m.functions)

    def table(t) -> None:
        if t.name not in created:
            cols = ", ".join(quote(c.name) for c in t.columns) or "_"
            lite.execute(f"CREATE TABLE {quote(t.name)} ({cols})")
            created.add(t.name)

    for t in m.tables:
        reading = []      # (path, what, SQLite text) of the expressions that read the table's columns
        kinds = _Kinds(m, t)
        refused_at = set()
        for path, what, expr, scope in _expressions(t):
            engines = scope if isinstance(scope, tuple) else ENGINES
            pg = expr.on("postgres") if "postgres" in engines else None
            missing = pg_unknown_functions(pg, declared) if pg else None
            if pg:
                if missing:
                    problems.add(path, f"{what}: PostgreSQL has no function {missing[0]}(); {_FIX}")
                else:
                    typed = _typed_refusal(pg, expr, kinds)
                    refused = typed or pg_float_refusal(pg, t) or _engine_difference(pg, expr, path, kinds, m, engines)
                    if refused:
                        problems.add(_postgres_side(path) if typed else path, f"{what}: {refused}")
                        refused_at.add(path)
                    elif "sqlite" in engines and expr.on("sqlite"):
                        differs = numeric_mod_difference(pg, t) or (
                            expr.portable and _may_compare_numeric(pg, expr, kinds) and
                            enginediff.numeric_comparisons(pg, kinds.get()))
                        if differs:   # both engines take it, and give other values
                            problems.add(path, f"{what}: {differs}", severity="warning")
                        elif not expr.portable and kinds.named(expr, {"numeric"}):
                            differs = enginediff.sqlite_numeric_comparisons(expr.on("sqlite"), kinds.get())
                            if differs:   # written for SQLite alone, and still comparing the stored text
                                problems.add(path, f"{what}: {differs}", severity="warning")

            sql = expr.on("sqlite") if "sqlite" in engines else None
            place = _place(path) if sql and path not in refused_at and not missing and \
                enginediff.may_read_clock(sql) else None
            refused = enginediff.sqlite_clock_refusal(sql, place) if place else None
            if refused:   # SQLite takes the DDL, then refuses the rows: the clock where it must be deterministic
                problems.add(path, f"{what}: {refused}")
                refused_at.add(path)
            if sql and path not in refused_at:
                if lite is None:
                    lite = sqlite3.connect(":memory:")
                if scope is not False:
                    reading.append((path, what, sql, kinds))
                    continue
                try:
                    lite.execute(f"EXPLAIN SELECT ({sql})")
                except sqlite3.Error as exc:
                    problems.add(path, f"{what}: SQLite rejects it ({exc}); {_FIX}")
        _float_divisions(t, problems)
        if reading:
            _compile_on_table(lite, t, reading, table, problems)
        if not refused_at and any(c.default is not None and c.default.kind == "literal" for c in t.columns):
            for c, ck in enginediff.default_check_refusals(m, t):
                problems.add(c.path + ("default",), f'table "{t.name}", column "{c.name}": default fails CHECK '
                             f'"{ck.name}" ({ck.expr.on("sqlite")}): SQLite refuses a row of the defaults, so every insert '
                             f"that leaves {', '.join(ck.expr.columns)} out fails; change the default or the CHECK")
        for c in t.columns:
            d = c.default
            if d is None or d.kind != "sql" or d.expr is None or not d.expr.on("postgres"):
                continue
            kind = "enum" if c.type.enum else c.type.row.value
            problem = _number_out_of_range(d.expr.on("postgres"), c.type, kind)
            if problem and not dict(c.engine_types).get("postgres"):
                problems.add(c.path + ("default",), f'table "{t.name}", column "{c.name}": default '
                                                    f"{d.expr.on('postgres')} does not fit on PostgreSQL: {problem}")
                continue
            for form, rx in _LITERAL_FORMS.items():
                if rx.match(d.expr.on("postgres")) and kind in PG_DEFAULT_REJECTS[form] and \
                        not dict(c.engine_types).get("postgres"):
                    problems.add(c.path + ("default",), f'table "{t.name}", column "{c.name}": default '
                                 f"{d.expr.on('postgres')} does not fit type {c.type.spelled()} on PostgreSQL; write "
                                 "a literal of the column's type (e.g. 0 for false on an integer)")
        _stored_clocks(m, t, problems)
    from .rules import _ordered_views
    for v in _ordered_views(m):     # a view is created after the views it reads
        for engine in ("postgres", "sqlite"):
            if v.query.on(engine) is None and engine in getattr(v, "engines", ("postgres", "sqlite")):
                problems.add(v.path + ("sql",), f'view "{v.name}" has no SQL for {engine}; write it once, or '
                                                f"{_FIX}")
        pg = v.query.on("postgres")
        missing = pg_unknown_functions(pg, declared) if pg else []
        if missing:
            problems.add(v.path + ("sql",), f'view "{v.name}": PostgreSQL has no function {missing[0]}(); {_FIX}')
        sql = v.query.on("sqlite")
        if sql:
            if lite is None:
                lite = sqlite3.connect(":memory:")
            for t in m.tables:
                table(t)
            try:
                lite.execute(f"EXPLAIN {sql}")
                lite.execute(f"CREATE VIEW {quote(v.name)} AS {sql}")
            except sqlite3.Error as exc:
                problems.add(v.path + ("sql",), _view_problem(m, v, str(exc)))
                continue
        column = _pg_missing_column(m, v, pg) if pg else None
        if column:
            problems.add(v.path + ("sql",), _view_problem(m, v, f"no such column: {column}", " on PostgreSQL"))
    if lite is not None:
        lite.close()
    _sqlite_settings(m, problems)


_HELD = {"integer_ms": "an INTEGER of Unix milliseconds", "integer_s": "an INTEGER of Unix seconds",
         "iso_text": "ISO 8601 TEXT"}
_BARE_CLOCK = frozenset({"CURRENT_TIMESTAMP", "CURRENT_TIME"})


def _stored_clocks(m, t, problems) -> None:
    """A warning at a timestamptz's {sql: …} default whose SQLite side, evaluated by SQLite, is not of the column's
    storage: a text in the INTEGER of Unix time, Unix seconds where milliseconds are held (or milliseconds, or a Julian
    day, where seconds are), a REAL, a number in ISO text.
    PostgreSQL holds the instant; SQLite a value schemactl (and the application) cannot read as one."""
    from ..literals import FUNCTIONS
    from .load import _CLOCK_PRECISION
    storage = m.time_storage
    for c in judged_columns(t):
        d = c.default
        if c.type.row.value != "timestamptz" or d is None or d.kind != "sql" or d.expr is None:
            continue
        sql, pg = d.expr.on("sqlite"), d.expr.on("postgres") or ""
        if not sql or (_CLOCK_PRECISION.search(pg) and sql.strip().upper() in _BARE_CLOCK):
            continue      # the clock with a precision: the loader's warning says it
        lite = enginediff.bounded_sqlite()
        try:
            typ, value = lite.execute(f"SELECT typeof(({sql})), ({sql})").fetchone()
            if typ == "real" and storage.startswith("integer") and value == int(value):
                typ, value = "integer", int(value)    # the INTEGER column keeps an integral REAL as an integer
            scale = _real_scale(lite, value) if typ == "real" or typ == "integer" and storage != "iso_text" else None
            held = {"integer_ms": "Unix milliseconds", "integer_s": "Unix seconds"}.get(storage)
            if typ == "integer" and (scale == held or storage == "integer_ms" and abs(value) < 10 ** 11 and
                                     scale != "a Julian day number"):
                scale = None    # of the storage's unit, or Unix seconds under integer_ms (said below as before)
            own = _real_fix(lite, sql, scale, storage) if scale else None
        except (sqlite3.Error, OverflowError, ValueError):
            continue      # what SQLite refuses (or a value too large or slow to be a clock) is reported elsewhere
        finally:
            lite.close()
        gives = None
        if typ == "real":
            gives = f"a REAL ({scale})" if scale else "a REAL"
        elif typ == "integer" and scale:    # an INTEGER of another scale than the storage's
            gives = f"{scale} as an INTEGER"
        elif storage.startswith("integer") and typ == "text":
            gives = "a text"
        elif storage == "integer_ms" and typ == "integer" and abs(value) < 10 ** 11:
            gives = "Unix seconds, read as milliseconds (January 1970)"
        elif storage == "iso_text" and typ == "integer":
            gives = "a number"
        if gives:
            fix = FUNCTIONS["now"]["timestamptz"]["sqlite"][storage]
            write = (f"write sqlite: {json.dumps(own)}, the same instant as the storage holds it ({{fn: now}} for "
                     f"the clock itself)" if own else f"write {{fn: now}}, or sqlite: {json.dumps(fix)}")
            problems.add(c.path + ("default",), f'table "{t.name}", column "{c.name}": default: the SQLite side '
                         f"gives {gives}, but a timestamptz is held there as {_HELD[storage]} (sqlite: timestamptz: "
                         f"{storage}), so a row inserted with defaults holds no instant there while PostgreSQL holds "
                         f"one; {write}", severity="warning")


# The scales an instant is given in as a number: what SQLite says of now in each (a REAL of one of them is
# told by its order of magnitude: they lie a thousand times apart, and a default is near now).
_SCALES = {"a Julian day number": "julianday('now')", "Unix seconds": "CAST(strftime('%s', 'now') AS INTEGER)",
           "Unix milliseconds": "CAST(strftime('%s', 'now') AS INTEGER) * 1000"}
# (scale, storage) -> the SQLite text holding the instant (a number of that scale) as the storage does: {a} is
# the default's text as an argument, {e} as an operand (in parentheses unless it is a call, column or literal)
_REAL_FIXES = {
    ("a Julian day number", "integer_ms"): "CAST(ROUND(({e} - 2440587.5) * 86400000) AS INTEGER)",
    ("a Julian day number", "integer_s"): "CAST(strftime('%s', {a}) AS INTEGER)",
    ("a Julian day number", "iso_text"): "strftime('%Y-%m-%dT%H:%M:%fZ', {a})",
    ("Unix seconds", "integer_ms"): "CAST(ROUND({e} * 1000) AS INTEGER)",
    ("Unix seconds", "integer_s"): "CAST({a} AS INTEGER)",
    ("Unix seconds", "iso_text"): "strftime('%Y-%m-%dT%H:%M:%fZ', {a}, 'unixepoch')",
    ("Unix milliseconds", "integer_ms"): "CAST(ROUND({a}) AS INTEGER)",
    ("Unix milliseconds", "integer_s"): "CAST({e} / 1000 AS INTEGER)",
    ("Unix milliseconds", "iso_text"): "strftime('%Y-%m-%dT%H:%M:%fZ', {e} / 1000.0, 'unixepoch')",
}


def _real_scale(lite, value: float) -> str | None:
    """The scale of an instant a number (a REAL, or an INTEGER) is in (a Julian day number, Unix seconds or milliseconds), by SQLite's own
    now in each; None where it is in none of them (not within ten times of now's number)."""
    import math
    if not value > 0 or math.isinf(value):
        return None
    nows = lite.execute(f"SELECT {', '.join(_SCALES.values())}").fetchone()
    return next((scale for scale, now in zip(_SCALES, nows) if abs(math.log10(value / now)) < 1), None)


def _real_fix(lite, sql: str, scale: str, storage: str) -> str | None:
    """The SQLite text holding the instant of ``sql`` (a REAL of ``scale``) as the storage does, proven by SQLite
    to give that (an INTEGER, or text); None where it does not."""
    import sqlglot
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except Exception:   # sqlglot's parser raises several types: no fix written from what it cannot read
        return None
    bare = isinstance(tree, (sqlglot.exp.Func, sqlglot.exp.Column, sqlglot.exp.Paren, sqlglot.exp.Literal))
    fix = _REAL_FIXES[(scale, storage)].format(a=sql, e=sql if bare else f"({sql})")
    typ, = lite.execute(f"SELECT typeof(({fix}))").fetchone()
    return fix if typ == ("text" if storage == "iso_text" else "integer") else None


# Words that need the real table: the row id, and a qualified name (schema.table.column).
_NEEDS_TABLE = re.compile(r"\b(?:rowid|oid|_rowid_)\b|\.", re.I)


@functools.lru_cache(maxsize=65536)
def _null_as(column: str) -> str:
    return f"NULL AS {quote(column)}"


# (columns, expressions) SQLite compiled over a one-row subquery of those columns: tables that have the same
# columns and expressions (a schema repeats them) are compiled once
_COMPILED: set[tuple] = set()


def _compile_on_table(lite, t, reading, table, problems) -> None:
    """SQLite compiles each expression of ``reading`` against a row of ``t``'s columns.  One statement
    holds them all, over a one-row subquery with the table's name and columns (creating a table per
    manifest table made this the slowest step of loading); when it fails, or an expression names the
    row id or a qualified column, each is compiled alone on a real table, as before."""
    sqls = [sql for _, _, sql, _ in reading]
    if not any(_NEEDS_TABLE.search(_unquoted(sql)) for sql in sqls):
        row = ", ".join(_null_as(c.name) for c in t.columns) or "NULL AS _"
        compiled = (row, tuple(sqls))   # (the subquery's name plays no part: no expression names it)
        if compiled in _COMPILED:
            return
        try:
            lite.execute(f"EXPLAIN SELECT {', '.join(f'({sql})' for sql in sqls)} FROM (SELECT {row}) AS "
                         f"{quote(t.name)}")
            if len(_COMPILED) > 10000:
                _COMPILED.clear()
            _COMPILED.add(compiled)
            return
        except sqlite3.Error:
            pass
    table(t)
    for path, what, sql, kinds in reading:
        try:
            lite.execute(f"EXPLAIN SELECT ({sql}) FROM {quote(t.name)}")
        except sqlite3.Error as exc:
            why = _EXTRACT.search(sql) and enginediff.sqlite_extract(sql, kinds.get(), kinds.storage)
            problems.add(path, f"{what}: {why}" if why else f"{what}: SQLite rejects it ({exc}); {_FIX}")


def _number_out_of_range(sql: str, ref, kind: str) -> str | None:
    """Why a plain number written as a default expression does not fit a numeric column, or None."""
    if kind not in ("int16", "int32", "int64", "float", "numeric") or ref.array or \
            not _LITERAL_FORMS["number"].match(sql):
        return None
    from .. import literals
    text = sql.strip("() \t\n")
    try:
        value = int(text)
    except ValueError:
        value = text if kind == "numeric" else float(text)
    if value in (float("inf"), float("-inf")):
        return f"{text} is out of range for {ref.spelled()}"
    try:
        literals.check_literal(value, ref)
    except literals.LiteralError as exc:
        return str(exc)
    return None


def _pg_missing_column(m, v, sql: str) -> str | None:
    """A column the PostgreSQL form of a view reads that none of its tables or views has (sqlglot resolves
    every column against the manifest's tables); None when all resolve or when that cannot be told."""
    import sqlglot
    from sqlglot.errors import OptimizeError
    from sqlglot.optimizer.qualify import qualify
    known = {t.name: {c.name: "text" for c in t.columns} for t in m.tables}
    known |= {w.name: dict.fromkeys(w.outputs, "text") for w in m.views if w.outputs}
    if any(name not in known for name in v.tables):
        return None
    from sqlglot.schema import MappingSchema
    try:   # the manifest's names as they are (not folded): a quoted "userId" in the view is that column
        qualify(sqlglot.parse_one(sql, read="postgres"), schema=MappingSchema(known, dialect="postgres", normalize=False),
                dialect="postgres", validate_qualify_columns=True)
    except OptimizeError as exc:
        hit = re.search(r"Column '(.+?)' could not be resolved|Unknown column: (\S+)", str(exc))
        return (hit.group(1) or hit.group(2)) if hit else None
    except Exception:     # SQL sqlglot cannot follow: PostgreSQL itself says at parity
        return None
    return None


def _view_problem(m, v, error: str, where: str = "") -> str:
    """What SQLite (or the PostgreSQL check) said about a view, as the manifest's author fixes it."""
    from ..naming import suggest
    hit = re.match(r"no such column: (.+)$", error)
    if hit:
        column = hit.group(1)
        known = sorted({c.name for t in m.tables if t.name in v.tables for c in t.columns} |
                       {o for w in m.views if w.name in v.tables for o in (w.outputs or ())})
        hint = suggest(column.rpartition(".")[2], known)
        return (f'view "{v.name}" reads missing column "{column}"{where}'
                + (f' (did you mean "{hint}"?)' if hint else "")
                + f"; the tables it reads ({', '.join(v.tables)}) have no such column: correct the view")
    return f'view "{v.name}": SQLite rejects it ({error}); {_FIX}'


def _fill(spelled: str) -> str:
    return re.sub(r"\{[a-z]+\}", "10", spelled)


# The affinities a spelling may have, per the affinity of the type's own SQLite spelling: those under which
# SQLite stores the values schemactl writes as they are.  Text stays text only under TEXT (and BLOB: none);
# a date/time's text never looks like a number, so NUMERIC (DATETIME) keeps it too; a blob is never converted.
_AFFINITY_KEEPS = {"TEXT": {"TEXT", "BLOB"}, "INTEGER": {"INTEGER", "NUMERIC"}, "REAL": {"REAL"},
                   "BLOB": {"BLOB", "TEXT", "INTEGER", "REAL", "NUMERIC"}, "NUMERIC": {"NUMERIC"}}


def _affinity_problem(type_name: str, declared: str, time_storage: str, shown: str | None = None) -> str | None:
    """Why values of ``type_name`` change in a SQLite column ``declared`` so (a spelling whose {placeholders} were
    filled to be read: ``shown`` is it as written, which the message names), or None."""
    from ..typedconst import TIMED
    from ..typekeys import sqlite_affinity
    from ..types import TYPES
    row = TYPES.get(type_name)
    if row is None:
        return None
    own = row.sqlite if isinstance(row.sqlite, str) else row.sqlite.get(time_storage, "")
    want, got = sqlite_affinity(_fill(own)), sqlite_affinity(declared)
    if got in _AFFINITY_KEEPS.get(want, {want}) or type_name in TIMED and got == "NUMERIC":
        return None
    if type_name in TIMED and want == "NUMERIC" and got in ("TEXT", "BLOB"):
        return None   # a date/time held as text (DATETIME's NUMERIC keeps it): TEXT keeps it too, as written
    example = want if want in ("TEXT", "INTEGER", "REAL") else own
    written = shown or declared
    # a type name's (n, m) comes last: "NUMERIC(10,2) TEXT" is a syntax error, "TEXT NUMERIC(10,2)" is TEXT
    both, filled = ((f"{example} {written}", f"{example} {declared}") if "(" in declared else
                    (f"{written} {example}", f"{declared} {example}"))
    choices = f'"{both}" or "{example}"' if sqlite_affinity(filled) == want and "(" not in example else f'"{example}"'
    becomes = "a number such as 123 would become the text '123'" if got == "TEXT" else \
        "a value such as '123' or '1.50' would become a number"
    return (f"SQLite gives {written} {got} affinity, which converts what is stored ({type_name}'s "
            f"{_fill(own)} has {want}: {becomes}); give a name with {want} affinity, e.g. {choices}")


def _sqlite_settings(m, problems) -> None:
    """sqlite.spell values must be type names only, and sqlite.pragmas names SQLite knows."""
    from ..naming import suggest
    lite = sqlite3.connect(":memory:")
    try:
        for engine, type_name, spelled in m.spell:
            if engine != "sqlite":
                continue
            filled = _fill(spelled)
            try:
                lite.execute(f"CREATE TABLE _spell (c {filled})")
                declared = lite.execute("PRAGMA table_info(_spell)").fetchone()[2]
                lite.execute("DROP TABLE _spell")
            except sqlite3.Error as exc:
                problems.add(("sqlite", "spell", type_name), f'sqlite.spell: "{spelled}" for {type_name}: SQLite '
                                                             f"rejects it ({exc}); give a type name such as TEXT")
                continue
            if " ".join(declared.split()).lower() != " ".join(filled.split()).lower():
                problems.add(("sqlite", "spell", type_name),
                             f'sqlite.spell: "{spelled}" for {type_name} is not a type name only (SQLite reads the '
                             f'type as "{declared}" and the rest as constraints, which come from the manifest); '
                             f'give the type name only, e.g. "{declared or "TEXT"}"')
                continue
            problem = _affinity_problem(type_name, declared, m.time_storage, spelled)
            if problem:   # a warning: an existing database may be declared so (its values are the ones at risk)
                problems.add(("sqlite", "spell", type_name), f'sqlite.spell: "{spelled}" for {type_name}: {problem}',
                             severity="warning")
        known = {row[0] for row in lite.execute("PRAGMA pragma_list")}
    finally:
        lite.close()
    if not known:           # a SQLite built without the list: nothing to compare with
        return
    for name, _ in m.pragmas:
        if name not in known:
            hint = suggest(name, sorted(known))
            problems.add(("sqlite", "pragmas", name), f'sqlite.pragmas: SQLite has no pragma "{name}"'
                         + (f' (did you mean "{hint}"?)' if hint else "") + "; correct or remove it", key=True)
