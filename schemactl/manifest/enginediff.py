"""What both engines take from a manifest and then do otherwise, or refuse only when a row arrives.

- A generated column's expression, an index's predicate and an index expression must be immutable on
  PostgreSQL (``generation expression is not immutable``, ``functions in index predicate must be marked
  IMMUTABLE``; SQLite refuses the clock there too, as non-deterministic): a date/time written as text (DateStyle), a ``timestamptz`` read in the session's TimeZone
  (a cast to a date or time, ``EXTRACT``, ``date_trunc``), ``to_char()`` and the clock are not.
- SQLite's own text reading the clock where SQLite must be deterministic: its date and time functions of ``'now'``
  (or of no time value) or ``'localtime'``/``'utc'`` in a CHECK, an index or a generated column (SQLite creates the
  table or index and refuses every row: ``non-deterministic use of date() in a CHECK constraint``), and the clock's
  keywords or ``random()`` in an index or a generated column (a CHECK takes them).
- SQLite has no ``EXTRACT``: sqlglot writes it as it is and SQLite refuses it (``near "FROM": syntax error``);
  the message shows ``strftime()`` for the column's storage.
- A portable text (one string for both engines) that compares a ``numeric`` column (TEXT on SQLite) with a
  number compares text on SQLite (``'50.00' <= 100`` is false there): a warning.
- A portable text with arithmetic on a date/time column (``d + 1``: the next day on PostgreSQL, 2025 from
  ``'2024-02-29'`` on SQLite), or a cast of a boolean (``'true'`` / ``'1'``) or of a ``timestamptz`` held in
  integers to text: refused, with a form for each engine.
- A constant default that the column's own CHECK refuses: every insert that leaves the column out fails.
  SQLite evaluates the CHECKs that read only columns with constant defaults on a row of those defaults.

The types are the manifest's: a column with an engine's own type (``postgres_type:``/``sqlite_type:``) or an
array is not judged.
"""

from __future__ import annotations

import functools
import re
import sqlite3

from ..naming import quote

TIMED = frozenset({"date", "time", "timestamp", "timestamptz"})
_TEXT_TYPES = frozenset({"TEXT", "VARCHAR", "CHAR", "NCHAR", "NVARCHAR", "BPCHAR"})
_TIME_TYPES = {"DATE": "date", "TIME": "time", "TIMESTAMP": "timestamp", "TIMESTAMPTZ": "timestamptz"}
_NUMBER_TYPES = frozenset({"INT", "BIGINT", "SMALLINT", "TINYINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL"})
_FIX = 'give each engine its own form: {postgres: "…", sqlite: "…"}'
# EXTRACT fields whose strftime() on SQLite gives the same whole number as PostgreSQL
_STRFTIME = {"YEAR": "%Y", "MONTH": "%m", "DAY": "%d", "HOUR": "%H", "MINUTE": "%M", "DOW": "%w", "DOY": "%j"}
_CLOCK = frozenset({"now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday", "random",
                    "gen_random_uuid", "age", "to_char", "localtime", "localtimestamp"})
# SQLite's date and time functions: each reads the clock given 'now' or no time value at all, and the machine's time
# zone given the modifier 'localtime' or 'utc' (strftime() takes its format first; timediff() two time values and no
# modifier).  Of a column's value they are deterministic.
_SQLITE_DATES = frozenset({"date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff"})
# A SQLite text that may read the clock (or chance): only such a text is read by sqlglot for it
_SQLITE_CLOCK_TRAP = re.compile(r"(?i)current_|random|\b(?:%s)\s*\(" % "|".join(sorted(_SQLITE_DATES)))


def column_kinds(m, t) -> dict[str, tuple[str, str]]:
    """column -> (the manifest's kind, the affinity of its SQLite declaration), for the columns judged."""
    from ..render.ddl import Renderer
    from ..typekeys import sqlite_affinity
    lite = Renderer(m, "sqlite")
    return {c.name: (c.type.row.value, sqlite_affinity(lite.column_type(t, c))) for c in judged_columns(t)}


def judged_columns(t):
    """The columns whose kinds are judged: neither an array, an enum nor an engine's own type."""
    return (c for c in t.columns if not c.type.array and not c.type.enum and not c.engine_types)


def _tree(sql: str):
    from .enginecheck import _pg_read
    return _pg_read(sql)


def _bare(node):
    from sqlglot import exp
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _kind(node, kinds: dict) -> str | None:
    from sqlglot import exp
    node = _bare(node)
    if isinstance(node, exp.Column) and not node.table:
        hit = kinds.get(node.name)
        return hit[0] if hit else None
    return None


def _type_name(cast) -> str:
    """The name of the type a cast is to (sqlglot's Type name, or the text of a type it does not know: regconfig,
    a domain, an enum)."""
    to = cast.to.this
    return getattr(to, "name", None) or str(to).upper()


def _affinity(node, kinds: dict) -> str | None:
    from sqlglot import exp
    node = _bare(node)
    if isinstance(node, exp.Column) and not node.table:
        hit = kinds.get(node.name)
        return hit[1] if hit else "?"
    if isinstance(node, exp.Cast):
        return "NUMERIC" if _type_name(node) in _NUMBER_TYPES else "TEXT"
    return None


def _strftime(field: str, column: str, kind: str, storage: str) -> str | None:
    fmt = _STRFTIME.get(field.upper())
    if fmt is None:
        return None
    if kind == "timestamptz" and storage == "integer_ms":
        at = f"{column} / 1000, 'unixepoch'"
    elif kind == "timestamptz" and storage == "integer_s":
        at = f"{column}, 'unixepoch'"
    else:
        at = column
    return f"CAST(strftime('{fmt}', {at}) AS INTEGER)"


def _extract_fix(node, kinds: dict, storage: str) -> str | None:
    """{postgres: …, sqlite: …} for EXTRACT(field FROM column) of a date/time column, or None."""
    from sqlglot import exp
    column = _bare(node.expression)
    kind = _kind(column, kinds)
    if kind not in ("date", "timestamp", "timestamptz") or not isinstance(node.this, exp.Var):
        return None
    lite = _strftime(node.this.name, column.sql("sqlite"), kind, storage)
    if lite is None:
        return None
    pg = column.sql("postgres") + (" AT TIME ZONE 'UTC'" if kind == "timestamptz" else "")
    return f'{{postgres: "EXTRACT({node.this.name.upper()} FROM {pg})", sqlite: "{lite}"}}'


# PostgreSQL's words for an expression that must be immutable and is not, per place
_NOT_IMMUTABLE = {"generated": "generation expression is not immutable",
                  "where": "functions in index predicate must be marked IMMUTABLE",
                  "expr": "functions in index expression must be marked IMMUTABLE"}


def pg_generated_refusal(sql: str, kinds: dict, storage: str, place: str = "generated") -> str | None:
    """Why PostgreSQL refuses ``sql`` as a generated column's expression, an index's predicate or an index
    expression (``place``: generated, where, expr), all of which must be immutable there, or None."""
    return _pg_generated_refusal(sql, tuple(kinds.items()), storage, place)


@functools.lru_cache(maxsize=4096)
def _pg_generated_refusal(sql: str, kinds_items: tuple, storage: str, place: str) -> str | None:
    """pg_generated_refusal, once per text and column kinds (a schema repeats its predicates on many tables)."""
    kinds = dict(kinds_items)
    tree = _tree(sql)
    if tree is None:
        return None
    from sqlglot import exp
    for node in tree.walk():
        why, fix = None, None
        if isinstance(node, exp.Cast):
            src, dst = _kind(node.this, kinds), _type_name(node)
            if src in TIMED and dst in _TEXT_TYPES:
                why = f"writes the {src} as the session's DateStyle" + (" and TimeZone say" if src == "timestamptz"
                                                                        else " says")
            elif src == "timestamptz" and dst in ("DATE", "TIME", "TIMESTAMP"):
                why = "reads the instant in the session's TimeZone"
                fix = f"{_bare(node.this).sql('postgres')} AT TIME ZONE 'UTC'" + \
                      ("" if dst == "TIMESTAMP" else f" cast to {dst}")
            elif src in ("date", "timestamp") and dst == "TIMESTAMPTZ":
                why = "places the value in the session's TimeZone"
            elif src in ("text", "char") and dst in _TIME_TYPES:
                why = "reads the text as the session's DateStyle says"
        elif isinstance(node, (exp.Extract, exp.TimestampTrunc, exp.DateTrunc)):
            operand = node.expression if isinstance(node, exp.Extract) else node.this
            if _kind(operand, kinds) == "timestamptz":
                why = "reads the instant in the session's TimeZone"
                if isinstance(node, exp.Extract):
                    fix = _extract_fix(node, kinds, storage)
                    fix = f"e.g. {fix}" if fix else None
                else:
                    fix = f"{_bare(operand).sql('postgres')} AT TIME ZONE 'UTC'"
        elif isinstance(node, exp.TimeToStr) or clock_read(node):
            why = "depends on the session (its locale, TimeZone or clock) or is random"
        if why:
            text = node.sql("postgres")
            if fix:
                how = f"read it as UTC ({fix})" if not fix.startswith("e.g.") else f"{_FIX}, {fix}"
            elif place != "generated":   # no index holds the clock: SQLite refuses it too (non-deterministic)
                how = "an index cannot hold it on either engine: compare with a constant, or keep it in the query"
            else:
                how = f"compute it where it is read (a view or the query), or {_FIX}"
            return f"PostgreSQL refuses it ({_NOT_IMMUTABLE[place]}): {text} {why}; {how}"
    return None


def clock_read(node, engine: str = "postgres") -> str | None:
    """What ``node`` (of sqlglot's tree of ``engine``'s text) reads that no index holds on either engine: "clock" for
    the clock (CURRENT_TIMESTAMP, now(); on PostgreSQL also the session's to_char(), age()) and "random" for chance,
    which a CHECK takes on both; on SQLite, "now" for a date and time function of 'now' or of no time value, and "zone"
    for one with 'localtime' or 'utc', which SQLite refuses in a CHECK too.  None for anything else."""
    from sqlglot import exp
    if isinstance(node, exp.Rand):
        return "random"
    if isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime)) or \
            engine == "postgres" and isinstance(node, exp.Anonymous) and str(node.this).lower() in _CLOCK:
        return "clock"      # (SQLite has none of those functions: it says so when it compiles the text)
    if engine != "sqlite" or not isinstance(node, exp.Func) or _sqlite_name(node) not in _SQLITE_DATES:
        return None
    times, modifiers = _sqlite_date_args(node)
    if any(_string(m) in ("localtime", "utc") for m in modifiers):
        return "zone"
    if not times and _sqlite_name(node) != "timediff" or any(_string(t) == "now" for t in times):
        return "now"
    return None


def _sqlite_name(node) -> str:
    """The name SQLite calls ``node`` (a function of sqlglot's tree) by: sqlglot reads date(x) and strftime(f, x) as
    nodes of its own, which it writes back under SQLite's names."""
    from sqlglot import exp
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return node.sql("sqlite").partition("(")[0].strip().lower()


def _sqlite_date_args(node) -> tuple[list, list]:
    """(time values, modifiers) of a call of one of SQLite's date and time functions, as written."""
    from sqlglot import exp
    if isinstance(node, exp.Anonymous):
        name, args = str(node.this).lower(), list(node.expressions)
        args = args[1:] if name == "strftime" else args      # its format
        return (args, []) if name == "timediff" else (args[:1], args[1:])
    return ([node.this] if node.this is not None else []), list(node.expressions)


def _string(node) -> str | None:
    """The text of a string constant (inside sqlglot's reading of a time value), in lower case; else None."""
    from sqlglot import exp
    while isinstance(node, (exp.Paren, exp.TsOrDsToTimestamp)):
        node = node.this
    return node.this.lower() if isinstance(node, exp.Literal) and node.is_string else None


@functools.lru_cache(maxsize=1024)
def _lite_tree(sql: str):
    """sqlglot's reading of a SQLite text (shared, read only), or None where it cannot read it."""
    import sqlglot
    try:
        return sqlglot.parse_one(sql, read="sqlite")
    except Exception:   # noqa: BLE001  (sqlglot's parser raises several types; SQLite itself judges the text)
        return None


# SQLite's words where an expression must be deterministic, per place: the clock's keywords and random() are refused
# as the DDL runs (a CHECK takes them); its date and time functions of 'now' when a row is checked or indexed
_NON_DETERMINISTIC = {"where": "non-deterministic functions prohibited in partial index WHERE clauses",
                      "expr": "non-deterministic functions prohibited in index expressions",
                      "generated": "non-deterministic functions prohibited in generated columns"}
_NOT_PURE_IN = {"check": "a CHECK constraint", "where": "an index", "expr": "an index",
                "generated": "a generated column"}
_READS = {"clock": "reads the clock", "random": "is random", "now": "reads the clock",
          "zone": "reads the machine's time zone"}


def may_read_clock(sql: str) -> bool:
    """Whether a SQLite text may read the clock or chance (only such a text is read for sqlite_clock_refusal)."""
    return _SQLITE_CLOCK_TRAP.search(sql) is not None


def sqlite_clock_refusal(sql: str, place: str) -> str | None:
    """Why SQLite refuses ``sql`` (SQLite's own text) as a CHECK, an index's predicate or expression, or a generated
    column (``place``: check, where, expr, generated) for reading the clock, the machine's time zone or chance (as
    clock_read finds them), or None."""
    tree = _lite_tree(sql) if may_read_clock(sql) else None
    if tree is None:
        return None
    for node in tree.walk():
        kind = clock_read(node, "sqlite")
        if kind is None or place == "check" and kind in ("clock", "random"):
            continue
        said = _NON_DETERMINISTIC[place] if kind in ("clock", "random") else \
            f"non-deterministic use of {_sqlite_name(node)}() in {_NOT_PURE_IN[place]}"
        text = f"{node.sql('sqlite')} {_READS[kind]}"
        if place == "check":
            fix = _clock_as_current_timestamp(node) if kind == "now" else None
            how = (f"write {fix} (SQLite takes the clock as CURRENT_TIMESTAMP in a CHECK, in whole seconds), "
                   if fix else "") + "move the check to a trigger, or compare with a column's value"
            return f"SQLite refuses it at every insert ({said}): {text}; {how}"
        how = ("compute it where it is read (a view or the query)" if place == "generated" else
               "an index cannot hold it on SQLite: compare with a constant, or keep it in the query")
        return f"SQLite refuses it ({said}): {text}; {how}"
    return None


def _clock_as_current_timestamp(node) -> str:
    """A date and time function of 'now' (or of no time value) written with CURRENT_TIMESTAMP as its time value."""
    from sqlglot import exp
    fixed = node.copy()
    times, _ = _sqlite_date_args(fixed)
    for t in times:
        if _string(t) == "now":
            t.replace(exp.CurrentTimestamp())
    if not times:
        if isinstance(fixed, exp.Anonymous):
            args = list(fixed.expressions)
            args.insert(1 if _sqlite_name(fixed) == "strftime" else 0, exp.CurrentTimestamp())
            fixed.set("expressions", args)
        else:
            fixed.set("this", exp.CurrentTimestamp())
    return fixed.sql("sqlite")


def sqlite_extract(sql: str, kinds: dict, storage: str) -> str | None:
    """Why SQLite refuses an expression holding EXTRACT, with the strftime() form for the column, or None."""
    tree = _tree(sql)
    if tree is None:
        return None
    from sqlglot import exp
    for node in tree.find_all(exp.Extract):
        fix = _extract_fix(node, kinds, storage)
        return (f"SQLite has no EXTRACT ({node.sql('postgres')}); {_FIX}"
                + (f", e.g. {fix}" if fix else " (strftime() on SQLite)"))
    return None


# -- portable texts that both engines take and read otherwise

def numeric_comparisons(sql: str, kinds: dict) -> str | None:
    """A comparison of a numeric column held as TEXT on SQLite with what has no numeric affinity there (a
    number, an expression, another such column): SQLite compares text ('9.50' > 10), PostgreSQL numbers."""
    found = _text_compared(sql, kinds)
    if found is None:
        return None
    node, fixed = found
    return (f"{node.sql('postgres')} compares numbers on PostgreSQL and text on SQLite, where numeric is "
            f"stored as TEXT ('50.00' <= 100 and '9.50' > 10 there); write {fixed.sql('postgres')} (numbers "
            "on both), or {postgres: …, sqlite: …}")


def sqlite_numeric_comparisons(sql: str, kinds: dict) -> str | None:
    """The same comparison written for SQLite alone (the sqlite: side of {postgres: …, sqlite: …})."""
    found = _text_compared(sql, kinds)
    if found is None:
        return None
    node, fixed = found
    return (f"sqlite: {node.sql('sqlite')} compares text on SQLite, where numeric is stored as TEXT ('50.00' <= "
            f"100 and '9.50' > 10 there), not numbers as the postgres: side does; write {fixed.sql('sqlite')}")


def _text_compared(sql: str, kinds: dict):
    """(the comparison, it with the column cast to a floating-point number) of numeric_comparisons, or None."""
    tree = _tree(sql)
    if tree is None:
        return None
    from sqlglot import exp
    for node in tree.walk():
        if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
            pairs = [(node.this, [node.expression]), (node.expression, [node.this])]
        elif isinstance(node, exp.Between):
            pairs = [(node.this, [node.args.get("low"), node.args.get("high")])]
        elif isinstance(node, exp.In) and node.expressions:
            pairs = [(node.this, list(node.expressions))]
        else:
            continue
        for column, others in pairs:
            hit = kinds.get(_bare(column).name) if isinstance(_bare(column), exp.Column) else None
            if not hit or hit != ("numeric", "TEXT"):
                continue
            if all(_affinity(o, kinds) in ("INTEGER", "REAL", "NUMERIC") or isinstance(_bare(o), exp.Null)
                   for o in others if o is not None):
                continue
            if _sign_test(node, column):
                continue
            fixed = node.copy()
            for col in fixed.find_all(exp.Column):
                if col.name == _bare(column).name and not col.table:
                    col.replace(exp.Cast(this=col.copy(), to=exp.DataType.build("DOUBLE")))
            return node, fixed
    return None


def _sign_test(node, column) -> bool:
    """column >= 0 and column < 0 (or 0 <= column, 0 > column): decimal text tells the sign as the number does."""
    from sqlglot import exp
    other = node.expression if node.this is column else node.this
    other = _bare(other)
    if not (isinstance(other, exp.Literal) and not other.is_string and other.this == "0"):
        return False
    if node.this is column:
        return isinstance(node, (exp.GTE, exp.LT))
    return isinstance(node, (exp.LTE, exp.GT))


def portable_refusal(sql: str, kinds: dict, storage: str) -> str | None:
    """Why a portable text is wrong on one engine: arithmetic on a date/time column, a boolean (or a timestamptz
    held in integers) cast to text."""
    tree = _tree(sql)
    if tree is None:
        return None
    from sqlglot import exp
    for node in tree.walk():
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
            for side, other in ((node.this, node.expression), (node.expression, node.this)):
                kind = _kind(side, kinds)
                if kind not in TIMED:
                    continue
                text = node.sql("postgres")
                eg = ""
                other = _bare(other)
                if kind == "date" and isinstance(node, (exp.Add, exp.Sub)) and side is node.this and \
                        isinstance(other, exp.Literal) and not other.is_string and other.this.isdigit():
                    sign = "+" if isinstance(node, exp.Add) else "-"
                    eg = (f', e.g. {{postgres: "{text}", sqlite: "date({_bare(side).sql("sqlite")}, '
                          f"'{sign}{other.this} day')\"}}")
                return (f"{text} is arithmetic on a {kind}: PostgreSQL computes a {kind} (or refuses it), SQLite "
                        f"a number from what it stores ('2024-02-29' + 1 is 2025); {_FIX}{eg}")
        elif isinstance(node, exp.ILike) and not isinstance(node.parent, exp.Escape) and \
                isinstance(node.expression, exp.Literal) and node.expression.is_string and "\\" in node.expression.this:
            # (written otherwise for SQLite it would change the schema hash of every released manifest holding it)
            return (f"{node.sql('postgres')}: PostgreSQL's ILIKE takes a backslash as the escape of the next character, "
                    f"SQLite's LIKE as a character to match ('a_b' is taken there, refused here); {_FIX}, e.g. sqlite: "
                    f"\"LOWER({_bare(node.this).sql('sqlite')}) LIKE LOWER({node.expression.sql('sqlite')}) ESCAPE '\\'\"")
        elif isinstance(node, exp.Cast) and _type_name(node) in _TEXT_TYPES:
            column = _bare(node.this)
            kind = _kind(column, kinds)
            name = column.sql("postgres") if kind else ""
            if kind == "boolean":
                return (f"{node.sql('postgres')} is 'true'/'false' on PostgreSQL and '1'/'0' on SQLite; write "
                        f"CASE WHEN {name} THEN 'true' WHEN NOT {name} THEN 'false' END (the same on both), or "
                        "{postgres: …, sqlite: …}")
            if kind == "timestamptz" and kinds[column.name][1] == "INTEGER":
                return (f"{node.sql('postgres')} is the instant's text on PostgreSQL and the stored Unix time's "
                        f"digits on SQLite; {_FIX}")
    return None


# -- a default that the column's own CHECK refuses

def bounded_sqlite() -> sqlite3.Connection:
    """An in-memory SQLite in which validate evaluates a manifest's expressions (a default, a CHECK on a row of
    defaults), with bounds: a value of at most 1 MB and a million steps.  A manifest is input: randomblob(900000000)
    in a CHECK took 0.9 GB and seconds of validate, in a default 1.8 GB.  What goes past a bound is an error,
    which the callers take as "not judged here"."""
    lite = sqlite3.connect(":memory:")
    lite.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000)
    lite.set_progress_handler(lambda: 1, 1_000_000)   # called after a million steps: aborts the statement
    return lite


def default_check_refusals(m, t):
    """(column, check) pairs: a CHECK reading only columns with a constant default, which SQLite finds false on
    a row of those defaults (the table's columns as generated, without their constraints)."""
    defaulted = {c.name: c for c in t.columns if c.default is not None and c.default.kind == "literal"
                 and c.generated is None}
    checks = [ck for ck in t.checks if ck.expr.on("sqlite") and ck.expr.columns
              and all(name in defaulted for name in ck.expr.columns)]
    if not checks:
        return []
    from ..render.ddl import Renderer
    lite_r = Renderer(m, "sqlite")
    out = []
    lite = bounded_sqlite()
    try:
        for ck in checks:
            used = [defaulted[n] for n in ck.expr.columns]
            columns = ", ".join(f"{quote(c.name)} {lite_r.column_type(t, c)} DEFAULT {lite_r.default_sql(c)}"
                                for c in used)
            try:
                lite.execute(f"CREATE TABLE {quote(t.name)} ({columns}, CHECK ({ck.expr.on('sqlite')}))")
            except sqlite3.Error:
                continue      # what SQLite cannot compile is reported elsewhere
            try:
                lite.execute(f"INSERT INTO {quote(t.name)} DEFAULT VALUES")
            except sqlite3.IntegrityError:
                out.append((used[0], ck))
            except sqlite3.Error:
                pass
            lite.execute(f"DROP TABLE {quote(t.name)}")
    finally:
        lite.close()
    return out
