"""Normal forms for comparing what a manifest implies with what an engine reports.

Engines give back SQL in their own words: PostgreSQL's ``(status = ANY
(ARRAY['a'::text]))`` for ``status IN ('a')``, ``'-5'::integer`` for ``-5``,
``((x >= 1) AND (x <= 5))`` for ``BETWEEN``; SQLite gives back exactly what was
written.  Expressions are parsed with sqlglot in the engine's dialect and
reduced to a structural key: casts and parentheses dropped, ``= ANY(ARRAY)``
read as ``IN``, ``BETWEEN`` as two comparisons, identifiers and function names
case-folded.  Literal defaults are compared as typed values, using the
literal kind from the type registry.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from decimal import Context, Decimal, InvalidOperation

from . import sqlfast
from .sqlfast import in_key
from .knownkeys import KEYS as KNOWN_KEYS
from .lazymod import lazy


def read_expression(sql: str, dialect):
    """sqlexpr.read (imported when first needed: it imports the manifest model)."""
    from .sqlexpr import read
    return read(sql, dialect)
from .typedconst import boolean_of
from .typekeys import pg_type, sqlite_affinity, sqlite_type
from .types import element_kind
from .sqlexpr import SQLGLOT_DIALECT

# Imported on first use: generate and check load this module but compare no expressions.
sqlglot = lazy("sqlglot", globals(), "sqlglot")
exp = lazy("sqlglot.expressions", globals(), "exp")


@functools.cache
def _wrappers() -> tuple:
    return (exp.Cast, exp.TryCast, exp.Paren)


def _parse_errors() -> tuple:
    return (sqlglot.errors.ParseError, sqlglot.errors.TokenError)


def _unwrap(node, casts: bool = True):
    """The node inside parentheses and (``casts``) casts."""
    wrappers = _wrappers() if casts else (exp.Paren,)
    while isinstance(node, wrappers):
        node = node.this
    return node


def _numeric_cast(node):
    """PostgreSQL writes negative numbers back as '-5'::integer: a cast string that is a number."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast) and isinstance(_unwrap(node.this), exp.Literal) and _unwrap(node.this).is_string:
        to = node.args.get("to")
        if isinstance(to, exp.DataType) and to.is_type(*exp.DataType.NUMERIC_TYPES):
            try:
                Decimal(_unwrap(node.this).this)
            except InvalidOperation:
                return None
            return ("num", _decimal(_unwrap(node.this).this))
    return None


# Arguments a catalog writes out that mean what leaving them out means (PostgreSQL stores trim(x) as
# TRIM(BOTH FROM x)): per expression kind, the argument and its implied value's key.
# CASE … END = … ELSE NULL END.
_IMPLIED = {"trim": {"position": "both"}, "case": {"default": ("null", ())}}
# Arguments that are the parser's notes on the dialect, not the text's: `safe` (sqlglot marks || and, since
# 30.31, % as NULL-safe per dialect: the same on both sides of a comparison, and it varies by version), and
# `only_json_types` (set on ->> over a bare string, not over the cast string PostgreSQL shows back).
_PARSER_NOTES = frozenset({"safe", "only_json_types"})


def _interval(node):
    """An interval constant as its value: PostgreSQL shows interval '2 hours' as '02:00:00'::interval, sqlglot
    writes INTERVAL '2 HOURS'; None for anything else."""
    from .clockshift import interval_of
    parts = interval_of(node)
    return None if parts is None else ("interval", *parts)


def _typed_constant(node):
    """A constant cast to a date/time type, uuid or boolean, as its value: PostgreSQL shows
    '2020-01-01T00:00:00Z' compared with a timestamptz column as '2020-01-01 00:00:00+00'::timestamp with time
    zone, 'A0EE…' compared with a uuid as 'a0ee…'::uuid, 't' compared with a boolean as true; None for anything
    else."""
    while isinstance(node, exp.Paren):
        node = node.this
    if not isinstance(node, exp.Cast) or not isinstance(_unwrap(node.this), exp.Literal) or \
            not _unwrap(node.this).is_string:
        return None
    from .typedconst import boolean_of, kind_of_cast, pg_shown
    kind = kind_of_cast(node)
    if kind is None:
        return None
    text = _unwrap(node.this).this
    try:
        return _key(exp.Boolean(this=boolean_of(text))) if kind == "boolean" else ("str", pg_shown(text, kind))
    except ValueError:   # infinity, a BC date: its text
        return None


def _key(node):
    num = _numeric_cast(node)
    if num is not None:
        return num
    interval = _interval(node)
    if interval is not None:
        return interval
    typed = _typed_constant(node)
    if typed is not None:
        return typed
    node = _unwrap(node, casts=not _KEEPING_CASTS)
    if node is None:
        return None
    if isinstance(node, list):
        return tuple(_key(n) for n in node)
    if not isinstance(node, exp.Expression):
        return node.lower() if isinstance(node, str) else node
    if isinstance(node, exp.Literal):
        if node.is_string:
            return ("str", node.this)
        return ("num", _decimal(node.this))
    if isinstance(node, exp.Neg) and isinstance(_unwrap(node.this), exp.Literal) and not _unwrap(node.this).is_string:
        return ("num", _decimal("-" + str(_unwrap(node.this).this)))
    if isinstance(node, exp.Identifier):
        return ("id", node.this if node.quoted else node.this.lower())
    if isinstance(node, exp.Column):
        return ("col", _key(node.this))
    if isinstance(node, exp.Not) and isinstance(_unwrap(node.this), exp.Is):  # NOT x IS NULL = x IS NOT NULL
        inner = _unwrap(node.this)
        return ("isnot", _key(inner.this), _key(inner.expression))
    if isinstance(node, exp.Is) and node.args.get("negate"):
        return ("isnot", _key(node.this), _key(node.expression))
    if isinstance(node, exp.Between):  # PostgreSQL stores BETWEEN as two comparisons (SYMMETRIC: either way)
        x, low, high = node.this, node.args["low"], node.args["high"]

        def between(a, b):
            return exp.And(this=exp.GTE(this=x.copy(), expression=a.copy()),
                           expression=exp.LTE(this=x.copy(), expression=b.copy()))
        return _key(exp.Or(this=between(low, high), expression=between(high, low)) if node.args.get("symmetric")
                    else between(low, high))
    if isinstance(node, exp.Not) and isinstance(_unwrap(node.this), (exp.NullSafeEQ, exp.NullSafeNEQ)):
        inner = _unwrap(node.this)   # PostgreSQL stores IS NOT DISTINCT FROM as NOT (… IS DISTINCT FROM …)
        other = exp.NullSafeNEQ if isinstance(inner, exp.NullSafeEQ) else exp.NullSafeEQ
        return _key(other(this=inner.this.copy(), expression=inner.expression.copy()))
    if isinstance(node, exp.Not) and isinstance(_unwrap(node.this), (exp.Like, exp.Escape)):
        inner = _unwrap(node.this).copy()   # NOT x LIKE p is x NOT LIKE p (PostgreSQL's !~~)
        like = inner.this if isinstance(inner, exp.Escape) else inner
        if isinstance(like, exp.Like):
            like.set("negate", not like.args.get("negate"))
            return _key(inner)
    if isinstance(node, exp.Escape) and isinstance(_unwrap(node.this), exp.Like):
        like = _unwrap(node.this)    # and LIKE p ESCAPE e as ~~ like_escape(p, e)
        return _key(exp.Like(this=like.this.copy(), expression=exp.Anonymous(
            this="like_escape", expressions=[like.expression.copy(), node.expression.copy()]),
            negate=like.args.get("negate")))
    if isinstance(node, exp.Variadic) and isinstance(_unwrap(node.this), exp.Array):
        # and json_extract_path_text(x, 'a') as json_extract_path_text(x, VARIADIC ARRAY['a'::text])
        keys = tuple(_key(e) for e in _unwrap(node.this).expressions)
        return keys[0] if len(keys) == 1 else ("path", keys)
    if isinstance(node, exp.JSONPath) and node.expressions and isinstance(node.expressions[0], exp.JSONPathRoot) \
            and all(isinstance(k, exp.JSONPathKey) for k in node.expressions[1:]) and len(node.expressions) > 1:
        keys = tuple(("str", k.this) for k in node.expressions[1:])   # sqlglot's reading of that path
        return keys[0] if len(keys) == 1 else ("path", keys)
    if isinstance(node, exp.EQ) and isinstance(_unwrap(node.expression), exp.Any):
        arr = _unwrap(_unwrap(node.expression).this)
        if isinstance(arr, exp.Array):
            return in_key(_key(node.this), tuple(_key(e) for e in arr.expressions))
    if isinstance(node, exp.In) and node.expressions:
        return in_key(_key(node.this), tuple(_key(e) for e in node.expressions))
    if isinstance(node, exp.Anonymous):
        return ("fn", str(node.this).lower(), tuple(_key(e) for e in node.expressions))
    if isinstance(node, exp.Select) and _in_expression(node) and any(isinstance(p, exp.Alias)
                                                                      for p in node.expressions):
        # a scalar, EXISTS or IN subquery: its outputs' names mean nothing (PostgreSQL stores count(*) there
        # as count(*) AS count); the copy has no parent, so it is keyed as a SELECT of its own
        bare = node.copy()
        bare.set("expressions", [p.this if isinstance(p, exp.Alias) else p for p in bare.expressions])
        return _key(bare)
    name = type(node).__name__.lower()
    implied = _IMPLIED.get(name)
    args = tuple((k, _key(v)) for k, v in sorted(node.args.items())
                 if not k.startswith("_") and k not in _PARSER_NOTES and v not in (None, [], False))
    if implied:   # each argument's key once: computing it twice per level is exponential in the depth
        args = tuple((k, v) for k, v in args if implied.get(k) != v)
    return (name, args)


# While cast_key runs: casts keyed as the nodes they are (("cast", ((this, …), (to, type)))), not dropped.
_KEEPING_CASTS = False


def _cast_key(sql: str):
    """_key of a PostgreSQL expression with its casts (None if sqlglot cannot read it)."""
    global _KEEPING_CASTS
    try:
        tree = sqlglot.parse_one(sql, read=SQLGLOT_DIALECT["postgres"])
    except _parse_errors():
        return None
    _KEEPING_CASTS = True
    try:
        return _key(tree.transform(_extract_field) if tree.find(exp.Extract) else tree)
    finally:
        _KEEPING_CASTS = False


def _cast_of(key):
    """(type, operand) of a cast's key, else None."""
    if isinstance(key, tuple) and len(key) == 2 and key[0] in ("cast", "trycast") and isinstance(key[1], tuple):
        args = dict(key[1])
        return args.get("to"), args.get("this")
    return None


def _casts_match(want, have) -> bool:
    mine, theirs = _cast_of(want), _cast_of(have)
    if mine and theirs:
        if mine[0] == theirs[0]:
            return _casts_match(mine[1], theirs[1])
        # another type: only where PostgreSQL put a cast of its own around the one written ((x)::integer)::numeric
        return _cast_of(theirs[1]) is not None and _casts_match(want, theirs[1])
    if mine:     # a cast to the type the value has already: PostgreSQL keeps none
        return _casts_match(mine[1], have)
    if theirs:   # a cast PostgreSQL adds of its own ((name)::text, 'a'::text)
        return _casts_match(want, theirs[1])
    if isinstance(want, tuple) and isinstance(have, tuple):
        return len(want) == len(have) and all(_casts_match(w, h) for w, h in zip(want, have))
    return want == have


_WRITES_A_CAST = re.compile(r"::|\bCAST\s*\(", re.I)


def casts_kept(expected: str | None, actual: str | None) -> bool:
    """Whether each cast a PostgreSQL expression of the manifest writes is in the catalog's at its place, to the
    same type.  expr_key drops casts (the catalog adds its own: (name)::text, 'a'::text), so CAST(x AS INT) and
    CAST(x AS BIGINT) have one key; the catalog's own casts are those the manifest does not write."""
    if expected is None or actual is None or not _WRITES_A_CAST.search(expected):
        return True
    want, have = _cast_key(expected), _cast_key(actual)
    return want is None or have is None or _casts_match(want, have)


def _in_expression(select) -> bool:
    """A SELECT used as a value (a scalar, EXISTS or IN subquery), not a table (FROM, JOIN, a CTE, a set
    operation's side, the statement itself): the first ancestor past subquery parentheses says."""
    up = select.parent
    while isinstance(up, (exp.Subquery, exp.Paren)):
        up = up.parent
    return up is not None and not isinstance(up, (exp.From, exp.Join, exp.CTE, exp.SetOperation, exp.Create,
                                                  exp.Insert, exp.Lateral))


def _decimal(text) -> str:
    try:
        d = Decimal(str(text))
    except InvalidOperation:
        return str(text)
    if d == 0:
        return "0"
    # normalized in a context as wide as the number (the default one rounds to 28 digits: two numeric defaults
    # differing in the 29th digit had one key); a number past the context's exponent limit (1e999999999) is
    # its own text (the key of the same text on both sides), not an Overflow
    try:
        return format(d.normalize(Context(prec=max(len(d.as_tuple().digits), 28))), "f")
    except ArithmeticError:
        return str(text)


@functools.lru_cache(maxsize=8192)
def expr_key(sql: str, engine: str) -> str:
    """A structural key for an expression (raw text if sqlglot cannot read it).  The plain shapes are
    read without sqlglot (sqlfast.key: the same key), so a catalog of them never imports it."""
    known = KNOWN_KEYS.get((sql, engine))
    if known is not None:
        return known
    fast = sqlfast.key(sql, engine)
    if fast is not None:
        return repr(fast)
    try:
        tree = read_expression(sql, SQLGLOT_DIALECT[engine])
    except _parse_errors():
        return "raw:" + " ".join(sql.split())
    return tree_key(tree, engine)


def tree_key(tree, engine: str = "postgres") -> str:
    """expr_key of an expression sqlglot has read.  PostgreSQL's catalog adds casts of its own ((name)::text,
    'a'::character varying), so its casts are not keyed; SQLite keeps the text as written, where a cast is the
    user's and changes the value (CAST(code AS INTEGER) > 0 is not code > 0): keyed by the affinity it casts to.
    A cast around the whole expression is not keyed on either engine (a default's column applies its affinity
    to the value anyway: DEFAULT (strftime('%s', 'now')) is the integer in an INTEGER column)."""
    if engine == "sqlite":
        top = _unwrap(tree)
        tree = top.transform(_sqlite_cast) if top is not None else tree
        if any(isinstance(n, exp.Identifier) and n.quoted for n in tree.walk()):
            tree = tree.transform(_sqlite_identifier)
    else:
        if tree.find(exp.Extract):
            tree = tree.transform(_extract_field)
        if any(_cast_format(n) is not None for n in tree.walk()):
            tree = tree.transform(_format_uncast)
    return repr(_key(tree))


def _cast_format(node):
    """The string of a format the catalog casts (to_char(x, 'YYYY-MM-DD'::text)), or None."""
    f = node.args.get("format") if isinstance(node, exp.Expression) else None
    if isinstance(f, exp.Cast) and isinstance(f.this, exp.Literal) and f.this.is_string:
        return f.this
    return None


def _format_uncast(node):
    """to_char(x, 'YYYY-MM-DD'::text), as the catalog shows it, is TO_CHAR(x, 'YYYY-MM-DD'): sqlglot reads the
    format of the one without a cast in its own words (%Y-%m-%d) and keeps the cast one as written, so a
    manifest's to_char() default or check never matched the database's."""
    literal = _cast_format(node)
    if literal is not None:
        from sqlglot.dialects.dialect import Dialect
        node = node.copy()
        node.set("format", Dialect.get_or_raise(SQLGLOT_DIALECT["postgres"]).format_time(literal))
    return node


def _extract_field(node):
    """date_part('year'::text, d) (the catalog's) and DATE_PART('year', d) / EXTRACT(YEAR FROM d) are one field."""
    if isinstance(node, exp.Extract):
        field = node.this.this if isinstance(node.this, exp.Cast) else node.this
        if isinstance(field, exp.Literal) and field.is_string:
            return exp.Extract(this=exp.Var(this=field.this.upper()), expression=node.expression.copy())
    return node


def _sqlite_identifier(node):
    """SQLite matches names in any ASCII case, quoted or not: "Id" is the column id (the rendered trigger's
    WHERE "Id" = NEW."Id" was told apart from the database's WHERE Id = NEW.Id)."""
    if isinstance(node, exp.Identifier) and node.quoted:
        return exp.Identifier(this="".join(c.lower() if c.isascii() else c for c in node.this), quoted=False)
    return node


def _sqlite_cast(node):
    if isinstance(node, exp.Cast):
        return exp.Anonymous(this=f"cast as {sqlite_affinity(node.to.sql(dialect='sqlite')).lower()}",
                             expressions=[node.this])
    return node


# -- literal defaults compared as typed values (kind: see types.PortableType.value)

def _ts(text: str, aware: bool):
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if aware:
        t = t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)
        return t.astimezone(dt.timezone.utc).isoformat()
    return t.isoformat()


_BOOL_INT = {"true": "1", "false": "0"}


def _boolean_key(v) -> str:
    """A boolean's text as PostgreSQL reads it ('t', 'yes', '1': true), else as it is."""
    try:
        return "true" if boolean_of(str(v)) else "false"
    except ValueError:
        return str(v)

_TYPED = {
    "int16": lambda v: _decimal(_BOOL_INT.get(str(v).lower(), v)),   # SQLite's TRUE/FALSE are 1/0
    "int32": lambda v: _decimal(_BOOL_INT.get(str(v).lower(), v)),
    "int64": lambda v: _decimal(_BOOL_INT.get(str(v).lower(), v)),
    "float": _decimal, "numeric": _decimal,
    "boolean": lambda v: _boolean_key(v),
    "json": lambda v: json.dumps(json.loads(v), sort_keys=True, separators=(",", ":")),
    "uuid": lambda v: str(v).lower(),
    "char": lambda v: str(v).rstrip(" "),   # character(n): trailing blanks are padding ('ab' is 'ab  ')
    # bytea as PostgreSQL shows it ('\x00ff') or as written ('' for empty, escape format)
    "bytes": lambda v: str(v)[2:].lower() if str(v).startswith("\\x") else str(v).encode("latin-1").hex(),
    "timestamptz": lambda v: _decimal(v) if re.fullmatch(r"-?\d+", str(v)) else _ts(str(v), True),
    "timestamp": lambda v: _ts(str(v), False),
    "date": lambda v: dt.date.fromisoformat(str(v)).isoformat(),
    "time": lambda v: dt.time.fromisoformat(str(v)).isoformat(),
}


# The kinds SQLite stores in a column of INTEGER or REAL affinity, and the text such a column turns into a
# number (what does not look like one is stored as the text)
_SQLITE_NUMBER_KINDS = frozenset({"boolean", "int16", "int32", "int64", "float"})
_SQLITE_NUMERIC_TEXT = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")
_PLAIN_NUMBER = re.compile(r"^\(?(-?\d+(?:\.\d+)?)\)?$")
_PLAIN_STRING = re.compile(r"^'((?:[^']|'')*)'$")
# PostgreSQL's literal defaults: 'new'::mood, 'a b'::character varying, '{}'::text[] (sqlglot reads a cast
# string, whose value is the string's, whatever the type); no backslash (an escape in some readings).
_PG_CAST_STRING = re.compile(r"""^'((?:[^'\\]|'')*)'::(?:"[^"\\]+"|[a-z_][a-z0-9_]*(?: (?:varying|precision|with|without|time|zone))*)"""
                             r"(?:\(\d+(?:,\d+)?\))?(?:\[\])?$")


def _rounded_clock(tree) -> str | None:
    """The key of a clock cast to a precision ((now())::timestamp(0) without time zone): the cast rounds the value,
    so it is kept in the key (a cast without one is unwrapped, as every cast of a default is)."""
    from .clockshift import reads_clock, time_types
    node = tree
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast) and node.to.expressions and node.to.this in time_types() and reads_clock(node):
        to = node.to
        return f"rounded:{to.this.name}({to.expressions[0].sql()}):{tree_key(_unwrap(node.this), 'postgres')}"
    return None


@functools.lru_cache(maxsize=8192)
def default_key(sql: str | None, engine: str, kind: str | None) -> str | None:
    """Key for a column default; literals become typed values when ``kind`` is known."""
    if sql is None:
        return None
    plain = _PLAIN_NUMBER.match(sql) or _PLAIN_STRING.match(sql) \
        or (engine == "postgres" and _PG_CAST_STRING.match(sql))
    if plain:  # the common case, without a parse
        value = plain.group(1) if plain.re is _PLAIN_NUMBER else plain.group(1).replace("''", "'")
        if engine == "sqlite" and plain.re is _PLAIN_STRING and kind in _SQLITE_NUMBER_KINDS and \
                not _SQLITE_NUMERIC_TEXT.fullmatch(value):
            return "text:" + value   # SQLite stores that text as it is: DEFAULT 'true' is not DEFAULT 1
        return _typed(value, kind)
    known = KNOWN_KEYS.get((sql, engine))      # the portable functions' SQL: never a literal
    if known is not None:
        return known
    try:
        tree = _unwrap(read_expression(sql, SQLGLOT_DIALECT[engine]))
    except _parse_errors():
        return "raw:" + " ".join(sql.split())
    rounded = _rounded_clock(read_expression(sql, SQLGLOT_DIALECT[engine])) if engine == "postgres" else None
    if rounded is not None:
        return rounded
    value = None
    if isinstance(tree, exp.Literal):
        value = tree.this
    elif isinstance(tree, exp.Boolean):
        value = "true" if tree.this else "false"
    elif isinstance(tree, exp.Neg) and isinstance(_unwrap(tree.this), exp.Literal) and \
            not _unwrap(tree.this).is_string:   # -'a' is an expression (SQLite computes 0), not the text "-a"
        value = "-" + str(_unwrap(tree.this).this)
    if value is None and isinstance(tree, exp.Array) and kind and element_kind(kind):   # ARRAY[1, NULL]
        items = [_unwrap(x) for x in tree.expressions]
        if all(isinstance(x, (exp.Literal, exp.Null, exp.Boolean)) for x in items):
            value = json.dumps([None if isinstance(x, exp.Null) else ("true" if x.this else "false")
                                if isinstance(x, exp.Boolean) else x.this for x in items])
    if value is not None:
        return _typed(value, kind)
    return tree_key(tree, engine)


def pg_array_elements(text: str) -> list:
    """The elements of a one-dimensional PostgreSQL array literal ('{a,"b c",NULL}'): strings or None."""
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise ValueError(f"not an array literal: {text}")
    out, i, body = [], 0, body[1:-1]
    while i < len(body):
        if body[i] == '"':
            i, chars = i + 1, []
            while body[i] != '"':
                if body[i] == "\\":
                    i += 1
                chars.append(body[i])
                i += 1
            out.append("".join(chars))
            i += 1
        else:
            j = body.find(",", i)
            j = len(body) if j < 0 else j
            word = body[i:j].strip()
            if word.startswith("{"):
                raise ValueError("a nested array")
            out.append(None if word.upper() == "NULL" else word)
            i = j
        while i < len(body) and body[i] in " ,":
            i += 1
    return out


def _array_typed(value, elem: str) -> str:
    """An array default as canonical JSON: from PostgreSQL's '{…}' literal or SQLite's JSON text."""
    text = str(value)
    items = json.loads(text) if text.lstrip().startswith("[") else pg_array_elements(text)
    if elem == "json":
        items = [x if x is None or not isinstance(x, str) or text.lstrip().startswith("[") else json.loads(x)
                 for x in items]
        return json.dumps(items, sort_keys=True, separators=(",", ":"))
    typed = _TYPED.get(elem, str)
    return json.dumps([None if x is None else typed(str(x)) for x in items], separators=(",", ":"))


def _typed(value, kind: str | None) -> str:
    elem = element_kind(kind) if kind else None
    if elem is not None:
        try:
            return "lit:" + _array_typed(value, elem)
        except (ValueError, TypeError, IndexError):
            return "lit:" + str(value)
    if kind in _TYPED:
        try:
            return "lit:" + _TYPED[kind](value)
        except (ValueError, TypeError):
            pass
    return "lit:" + str(value)


TYPE_KEY = {"postgres": pg_type, "sqlite": sqlite_type}


def statements_key(sql: str, engine: str) -> str:
    """Key for a trigger body: each statement's structural key, in order."""
    parts = [p.strip() for p in re.split(r";\s*(?:\n|$)", sql.strip()) if p.strip()]
    return " ; ".join(expr_key(p.rstrip(";"), engine) for p in parts)
