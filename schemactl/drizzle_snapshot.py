"""import --drizzle without a scratch PostgreSQL: the catalog rows PostgreSQL would return after applying
drizzle-kit's DDL of a pg-core schema, read from drizzle-kit's own snapshot of the module.

Applying a thousand tables to PostgreSQL and reading them back is most of an import's time; what the server
adds to what the snapshot already says is its spelling: format_type's type names, pg_get_expr's defaults and
predicates (the casts it makes explicit, its parentheses), the names it chooses (a primary key's), the NOT NULL
a key implies.  ``rows`` reproduces that spelling for the forms this module reads (every one checked row for
row against a real server by tests/drizzle_import/test_snapshot_rows.py) and refuses everything else
(Unsupported): the import then applies the DDL to PostgreSQL as before.  It never guesses: a schema with one
form outside them is read back from the server whole.
"""

from __future__ import annotations

import functools
import re

from .naming import PG_KEYWORDS, PG_MAX_IDENT_BYTES

_BARE = re.compile(r"^[a-z_][a-z0-9_]*$")


class Unsupported(Exception):
    """The snapshot holds something whose catalog rows are not known here: read it back from the server."""


def _no(why: str):
    raise Unsupported(why)


# -- types: drizzle-kit's spelling -> format_type's, and the category the expression rules below use
_PLAIN_TYPES = {
    "smallint": "int", "integer": "int", "bigint": "int", "text": "text", "boolean": "bool", "uuid": "uuid",
    "json": "json", "jsonb": "jsonb", "date": "date", "real": "float", "double precision": "float",
    "inet": "inet", "cidr": "cidr", "macaddr": "macaddr", "interval": "interval", "bytea": "bytea",
    "timestamp with time zone": "timestamptz", "time with time zone": "timetz",
}
_INT_RANGE = {"smallint": 2 ** 15, "integer": 2 ** 31, "bigint": 2 ** 63}
# serial types: the integer type, a sequence of the table and column, and its nextval() default
_SERIALS = {"smallserial": "smallint", "serial": "integer", "bigserial": "bigint"}
_TYPE_FORMS = (
    (re.compile(r"varchar(?:\((\d+)\))?"), lambda m: ("character varying" + (f"({m[1]})" if m[1] else ""), "varchar")),
    (re.compile(r"char(?:\((\d+)\))?"), lambda m: (f"character({m[1] or 1})", "bpchar")),
    (re.compile(r"numeric(?:\((\d+)(?:,\s*(\d+))?\))?"),
     lambda m: ("numeric" + (f"({m[1]},{m[2] or 0})" if m[1] else ""), "numeric")),
    (re.compile(r"timestamp(?:\s*\((\d)\))?"), lambda m: (f"timestamp{f'({m[1]})' if m[1] else ''} without time zone",
                                                        "timestamp")),
    (re.compile(r"timestamp\s*\((\d)\) with time zone"), lambda m: (f"timestamp({m[1]}) with time zone", "timestamptz")),
    (re.compile(r"time(?:\s*\((\d)\))?"), lambda m: (f"time{f'({m[1]})' if m[1] else ''} without time zone", "time")),
)


def _type(col: dict, enums: dict) -> tuple[str, str]:
    """(format_type spelling, category) of a snapshot column's type."""
    spelled = col["type"]
    if col.get("typeSchema") not in (None, "public"):
        _no(f"type of schema {col['typeSchema']}")
    array = spelled.endswith("[]")
    base = spelled[:-2] if array else spelled
    if base.endswith("[]"):
        _no("an array of arrays")
    if base in _SERIALS and not array:
        shown, kind = _SERIALS[base], "int"
    elif base in enums and (col.get("typeSchema") == "public" or base not in _PLAIN_TYPES):
        shown, kind = base, f"enum:{base}"
    elif base in _PLAIN_TYPES:
        shown, kind = base, _PLAIN_TYPES[base]
    else:
        for rx, make in _TYPE_FORMS:
            m = rx.fullmatch(base)
            if m:
                shown, kind = make(m)
                break
        else:
            _no(f"type {spelled}")
    return (shown + "[]", "array") if array else (shown, kind)


# drizzle-kit writes a name between double quotes as it is: one holding a double quote breaks its statement, which
# the server refuses (and the import lists); a NUL no name holds
_UNWRITTEN = re.compile('["\0]')


def _name(name: str, what: str) -> str:
    if not isinstance(name, str) or not name or len(name.encode()) > PG_MAX_IDENT_BYTES or _UNWRITTEN.search(name):
        _no(f"{what} name {name!r}")
    return name


def _cut(name: str, what: str) -> str:
    """A constraint's or index's name as PostgreSQL keeps it: cut to 63 bytes (at a character's end)."""
    if not isinstance(name, str) or not name or _UNWRITTEN.search(name):
        _no(f"{what} name {name!r}")
    data = name.encode()
    return data[:PG_MAX_IDENT_BYTES].decode("utf-8", "ignore") if len(data) > PG_MAX_IDENT_BYTES else name


def _ident(name: str) -> str:
    """A name as PostgreSQL's deparsing writes it (quote_ident): quoted where it has a character a bare name
    cannot, or is a keyword PostgreSQL does not take as a name (naming's list: the server's own, checked by the
    tests); a word that is such a keyword in some versions of PostgreSQL only is not known here."""
    if name in _VARIES:
        _no(f"{name!r}: a keyword in some versions of PostgreSQL only")
    if _BARE.match(name) and name not in PG_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


# Words PostgreSQL's later versions made keywords it quotes (16: SYSTEM_USER, the SQL/JSON constructors; 17:
# the SQL/JSON query functions, MERGE_ACTION)
_VARIES = frozenset({"system_user", "json_array", "json_arrayagg", "json_object", "json_objectagg", "json_scalar",
                     "json_serialize", "json_exists", "json_query", "json_table", "json_value", "merge_action"})


# -- constants: pg_get_expr's spelling of a literal the DDL gives a column of each category
_STRING = re.compile(r"'((?:[^']|'')*)'")
_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?(\d+)\.(\d+)")
_LABELS = {"text": "text", "varchar": "character varying", "bpchar": "bpchar", "uuid": "uuid"}
_CALLS = {"now()": {"timestamptz", "timestamp"}, "gen_random_uuid()": {"uuid"},
          "CURRENT_TIMESTAMP": {"timestamptz", "timestamp"}, "CURRENT_DATE": {"date"},
          "LOCALTIME": {"time"}, "LOCALTIMESTAMP": {"timestamp"}}
_JSON_CONSTANT = re.compile(r"'((?:[^']|'')*)'::(jsonb?)")
# a date, an instant as the DDL spells it: 2024-02-29, 2024-01-01 10:00:00[.fff], 2020-01-01T00:00:00.000Z
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_INSTANT = re.compile(r"(\d{4}-\d\d-\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]00(?::?00)?)?")


def _default(value, shown: str, kind: str, enums: dict) -> str:
    """pg_get_expr of the default drizzle-kit writes as DEFAULT {value} for a column of this type."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int):
        value = str(value)
    elif isinstance(value, float) and value == value and abs(value) < 1e21:   # as JavaScript writes the number
        value = str(int(value)) if value.is_integer() else repr(value)
        if "e" in value:
            _no(f"default {value}")
    elif not isinstance(value, str):
        _no(f"default {value!r}")
    text = value.strip()
    if text in _CALLS and kind in _CALLS[text]:
        return text
    if kind == "bool" and text in ("true", "false"):
        return text
    if kind == "int" and _INTEGER.fullmatch(text):
        n = int(text)
        if not -_INT_RANGE[shown] <= n < _INT_RANGE[shown] or text != str(n):
            _no(f"default {text} for {shown}")
        if -2 ** 31 <= n < 2 ** 31:   # an integer constant: a negative one spelled as its type's
            return text if n >= 0 else f"'{n}'::integer"
        if n > 0:   # a bigint constant
            return f"'{n}'::bigint"
        _no(f"default {text} for {shown}")
    m = _JSON_CONSTANT.fullmatch(text)
    if m and kind == m[2]:
        body = m[1].replace("''", "'")
        shown_json = body if kind == "json" else _jsonb(body)
        return "'" + shown_json.replace("'", "''") + f"'::{kind}"
    m = _STRING.fullmatch(text)
    if m and kind in ("date", "timestamp", "timestamptz"):
        return _instant(m[1], shown, kind)
    if m and (kind in _LABELS or kind.startswith("enum:")):
        if kind.startswith("enum:") and m[1].replace("''", "'") not in enums[kind[5:]]:
            _no(f"default {text} is no label of {kind[5:]}")
        if kind == "uuid" and not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", m[1]):
            _no(f"default {text} for uuid")
        return f"{text}::{_LABELS.get(kind, kind[5:])}"
    if kind == "numeric":   # a numeric constant: written as it is where it starts with a digit, else quoted
        inner = m[1] if m else text
        d = _DECIMAL.fullmatch(inner)
        if d and _scale_kept(shown, d[2]) and inner == f"{'-' if inner[0] == '-' else ''}{int(d[1])}.{d[2]}":
            return inner if inner[0] != "-" else f"'{inner}'::numeric"
    if kind == "float" and not m:   # an integer or numeric constant, cast to the column's type unseen
        if _INTEGER.fullmatch(text) and text == str(int(text)) and -2 ** 31 <= int(text) < 2 ** 31:
            return text if int(text) >= 0 else f"'{text}'::integer"
        d = _DECIMAL.fullmatch(text)
        if d and text == f"{'-' if text[0] == '-' else ''}{int(d[1])}.{d[2]}":
            return text if text[0] != "-" else f"'{text}'::numeric"
    if kind == "time" and m:
        t = re.fullmatch(r"(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?", m[1])
        if t and int(t[1]) < 24 and int(t[2]) < 60 and int(t[3]) < 60 and not re.search(r"\(\d\)", shown):
            fraction = (t[4] or "").rstrip("0")
            return f"'{t[1]}:{t[2]}:{t[3]}{'.' + fraction if fraction else ''}'::time without time zone"
    _no(f"default {text} for {shown}")


def _jsonb(text: str) -> str:
    """jsonb's own spelling of a JSON text (keys by length, then bytes; ", " and ": "), for the values it keeps
    as written: strings without escapes, integers and decimals without an exponent, true, false, null."""
    import json

    def number(raw: str):
        if not re.fullmatch(r"-?(?:0|[1-9]\d*)(?:\.\d+)?", raw) or raw.startswith("-0") and not re.search("[1-9]", raw):
            _no(f"JSON number {raw}")
        return _Raw(raw)
    try:
        value = json.loads(text, parse_float=number, parse_int=number,
                           parse_constant=lambda c: _no(f"JSON {c}"))
    except ValueError:
        _no("JSON text")

    def out(v) -> str:
        if isinstance(v, _Raw):
            return v.text
        if v is None or isinstance(v, bool):
            return json.dumps(v)
        if isinstance(v, str):
            if not re.fullmatch(r"[^\x00-\x1f\"\\]*", v):
                _no("a JSON string with escapes")
            return f'"{v}"'
        if isinstance(v, list):
            return "[" + ", ".join(out(x) for x in v) + "]"
        return "{" + ", ".join(f"{out(k)}: {out(v[k])}" for k in sorted(v, key=lambda k: (len(k.encode()), k.encode()))) + "}"
    return out(value)


class _Raw:
    def __init__(self, text: str):
        self.text = text


def _instant(text: str, shown: str, kind: str) -> str:
    """pg_get_expr of a date or timestamp constant (read in UTC, ISO): the value, its fraction without
    trailing zeros, +00 for an instant."""
    if kind == "date":
        if not _DATE.fullmatch(text):
            _no(f"date {text!r}")
        _valid_date(text)
        return f"'{text}'::date"
    m = _INSTANT.fullmatch(text)
    if not m or (kind == "timestamp" and m[6]) or (kind == "timestamptz" and not m[6]):
        _no(f"{shown} {text!r}")
    _valid_date(m[1])
    if not (int(m[2]) < 24 and int(m[3]) < 60 and int(m[4]) < 60):
        _no(f"{shown} {text!r}")
    fraction = (m[5] or "").rstrip("0")
    precision = re.search(r"\((\d)\)", shown)
    if precision and len(fraction) > int(precision[1]):
        _no(f"{shown} {text!r}: rounded by the column")
    value = f"{m[1]} {m[2]}:{m[3]}:{m[4]}" + (f".{fraction}" if fraction else "")
    return f"'{value}+00'::timestamp with time zone" if kind == "timestamptz" else f"'{value}'::timestamp without time zone"


def _valid_date(text: str) -> None:
    import datetime
    try:
        if datetime.date.fromisoformat(text).year < 1:
            raise ValueError
    except ValueError:
        _no(f"date {text!r}")


def _scale_kept(shown: str, fraction: str) -> bool:
    """A numeric constant reads back as written where the column's scale does not change it."""
    m = re.fullmatch(r"numeric\((\d+),(\d+)\)", shown)
    return m is None or len(fraction) == int(m[2])


# -- expressions (CHECK, an index's WHERE): a small grammar, typed as PostgreSQL resolves it, written as
# pg_get_expr writes it back
_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:[^'\\]|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<qid>"(?:[^"]|"")+")|"""
                    r"""(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<op><>|!=|<=|>=|=|<|>|~|\(|\)|\.|,))""")
_COMPARE = {"=", "<>", "!=", "<", "<=", ">", ">=", "~"}
# columns compared with a column of the same type as they are written
_SAME_TYPE = {"int", "numeric", "date", "timestamp", "timestamptz", "bool", "uuid"}
_TEXT_FUNCS = {"length": "int", "char_length": "int", "lower": "text", "upper": "text"}


def _tokens(sql: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if not m or m.end() == pos:
            if sql[pos:].strip():
                _no(f"expression {sql!r}")
            break
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m[kind]))
    return out


class _Expr:
    def __init__(self, sql: str, table: str, columns: dict[str, tuple[str, str]], enums: dict):
        self.toks, self.i, self.table, self.columns, self.used = _tokens(sql), 0, table, columns, {}
        self.enums, self.pretty = enums, False

    def peek(self, *words) -> bool:
        if self.i >= len(self.toks):
            return False
        kind, text = self.toks[self.i]
        return text.lower() in words if kind == "id" else text in words

    def take(self):
        if self.i >= len(self.toks):
            _no("expression ends early")
        self.i += 1
        return self.toks[self.i - 1]

    def parse(self) -> str:
        sql, kind = self.disjunction()[:2]
        if self.i != len(self.toks) or kind != "bool":
            _no("expression")
        return sql

    def _chain(self, word: str, part) -> tuple[str, str]:
        first = part()
        items = [first]
        while self.peek(word):
            self.take()
            items.append(part())
        if len(items) == 1:
            return first
        if any(item[1] != "bool" for item in items):
            _no(f"{word} of a non-boolean")
        return "(" + f" {word.upper()} ".join(item[0] for item in items) + ")", "bool"

    def disjunction(self):
        return self._chain("or", self.conjunction)

    def conjunction(self):
        return self._chain("and", self.negation)

    def negation(self):
        if self.peek("not"):
            self.take()
            sql, kind = self.negation()[:2]
            if kind != "bool":
                _no("NOT of a non-boolean")
            return f"(NOT {sql})", "bool"
        return self.comparison()

    def comparison(self):
        left = self.operand()
        if self.peek("is"):
            self.take()
            negated = self.peek("not") and self.take()
            if not self.peek("null"):
                _no("IS without NULL")
            self.take()
            if left[1] == "literal":
                _no("IS NULL of a constant")
            return f"({left[0]} IS {'NOT ' if negated else ''}NULL)", "bool"
        after = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else ("", "")
        negated = self.peek("not") and after[0] == "id" and after[1].lower() in ("in", "between")
        if negated:
            self.take()
        if self.peek("in"):
            self.take()
            return self.member(left, negated), "bool"
        if self.peek("between"):   # as PostgreSQL keeps it: two comparisons
            self.take()
            low = self.operand()
            if not self.peek("and"):
                _no("BETWEEN without AND")
            self.take()
            high = self.operand()
            if negated:
                return f"({_compare(left, '<', low, self.enums)} OR {_compare(left, '>', high, self.enums)})", "bool"
            return f"({_compare(left, '>=', low, self.enums)} AND {_compare(left, '<=', high, self.enums)})", "bool"
        if self.i < len(self.toks) and self.toks[self.i][0] == "op" and self.toks[self.i][1] in _COMPARE:
            op = self.take()[1]
            right = self.operand()
            return _compare(left, "<>" if op == "!=" else op, right, self.enums), "bool"
        return left   # (a condition where a boolean is asked for: parse, _chain and negation check)

    def member(self, left, negated: bool) -> str:
        """x [NOT] IN (constants): PostgreSQL's = ANY (ARRAY[…]) (<> ALL), or = (<>) for one constant."""
        if self.take()[1] != "(":
            _no("IN without a list")
        items = [self.operand()]
        while self.peek(","):
            self.take()
            items.append(self.operand())
        if self.take()[1] != ")" or any(i[1] != "literal" for i in items):
            _no("IN of other than constants")
        op = "<>" if negated else "="
        if len(items) == 1:
            return _compare(left, op, items[0], self.enums)
        lsql, lcat = left[0], left[1]
        texts = [_compare(left, op, i, self.enums) for i in items]   # (each one checked as a comparison)
        if lcat == "varchar":
            array = ", ".join(f"{i[0]}::character varying" for i in items)
            return f"(({lsql})::text {op} {'ALL' if negated else 'ANY'} ((ARRAY[{array}])::text[]))"
        # the constant as the comparison spells it, after the operator
        array = ", ".join(t[len(f"({lsql} {op} "):-1] for t in texts)
        return f"({lsql} {op} {'ALL' if negated else 'ANY'} (ARRAY[{array}]))"

    def operand(self):
        kind, text = self.take()
        if text == "(":
            inner = self.disjunction()
            if self.take()[1] != ")":
                _no("unbalanced parentheses")
            return (*inner, "boolean") if len(inner) == 2 else inner
        if kind == "str":
            return text, "literal", "str"
        if kind == "num":
            return text, "literal", "num"
        if kind == "id" and text.lower() in ("true", "false"):
            return text.lower(), "bool", "boolean"
        name = text[1:-1].replace('""', '"') if kind == "qid" else text if kind == "id" else None
        if name is None:
            _no(f"{text!r} in an expression")
        if kind == "id" and self.peek("("):
            return self.call(text.lower())
        if kind == "id":
            name = name.lower()
        if self.peek("."):   # the table's own name before the column's (drizzle's ${t.column})
            if name != self.table:
                _no(f"{name!r}: a name of another table")
            self.take()
            kind, text = self.take()
            if kind not in ("id", "qid"):
                _no(f"{text!r} after a table's name")
            name = text[1:-1].replace('""', '"') if kind == "qid" else text.lower()
        if name not in self.columns:
            _no(f"{name!r}: no column of the table")
        self.used.setdefault(name)   # in the order they appear, as the server's conkey lists them
        shown, cat = self.columns[name]
        return _ident(name), cat, shown

    def call(self, fn: str):
        if fn not in _TEXT_FUNCS:
            _no(f"function {fn}()")
        self.take()
        arg = self.operand()
        if self.take()[1] != ")":
            _no(f"{fn}() with more than one argument")
        if arg[1] == "text":
            inner = arg[0]
        elif arg[1] == "varchar":   # (pg_get_indexdef's pretty form writes the cast's operand bare)
            inner = f"{arg[0]}::text" if self.pretty else f"({arg[0]})::text"
        else:
            _no(f"{fn}() of a {arg[1]}")
        cat = _TEXT_FUNCS[fn]
        return f"{fn}({inner})", cat, {"int": "integer", "text": "text"}[cat]


def _compare(left, op: str, right, enums: dict) -> str:
    if left[1] == "literal" and right[1] != "literal":
        _no("a constant on the left of a comparison")
    lsql, lcat = left[0], left[1]
    if op == "~" and not (lcat in ("text", "varchar") and right[1:] == ("literal", "str")):
        _no(f"{lcat} ~ {right[0]}")
    if right[1] == "literal":
        rsql, form = right[0], right[2]
        if lcat == "int" and form == "num" and "." not in rsql and int(rsql) < 2 ** 31:
            return f"({lsql} {op} {rsql})"
        if lcat == "numeric" and form == "num":
            return f"({lsql} {op} {rsql})" if "." in rsql else f"({lsql} {op} ({rsql})::numeric)"
        if lcat == "text" and form == "str":
            return f"({lsql} {op} {rsql}::text)"
        if lcat == "varchar" and form == "str":
            return f"(({lsql})::text {op} {rsql}::text)"
        if lcat.startswith("enum:") and form == "str":
            label = rsql[1:-1].replace("''", "'")
            if label not in enums[lcat[5:]]:
                _no(f"{rsql} is no label of {lcat[5:]}")
            return f"({lsql} {op} {rsql}::{lcat[5:]})"
        _no(f"{lcat} {op} {rsql}")
    rcat = right[1]
    if lcat == rcat and lcat in _SAME_TYPE and left[2] == right[2]:
        return f"({lsql} {op} {right[0]})"
    if {lcat, rcat} <= {"text", "varchar"}:   # compared as text: a varchar is cast
        as_text = lambda sql, cat: f"({sql})::text" if cat == "varchar" else sql   # noqa: E731
        return f"({as_text(lsql, lcat)} {op} {as_text(right[0], rcat)})"
    _no(f"{lcat} {op} {rcat}")


def _expression(sql: str, table: str, columns: dict, enums: dict) -> tuple[str, list]:
    # (read once per text and column types: a schema repeats its checks and predicates on many tables; the table's
    # name counts only where the text may name it, t.column)
    shown, used = _expression_of(sql, table if "." in sql else None, tuple(columns.items()),
                                 tuple((k, tuple(v)) for k, v in enums.items()))
    return shown, list(used)


@functools.lru_cache(maxsize=4096)
def _expression_of(sql: str, table: str | None, columns: tuple, enums: tuple) -> tuple[str, tuple]:
    e = _Expr(sql, table, dict(columns), dict(enums))
    return e.parse(), tuple(e.used)


# -- the snapshot

_TABLE_KEYS = {"name", "schema", "columns", "indexes", "foreignKeys", "compositePrimaryKeys", "uniqueConstraints",
               "policies", "checkConstraints", "isRLSEnabled"}
_COLUMN_KEYS = {"name", "type", "typeSchema", "primaryKey", "notNull", "default", "identity", "generated"}
_FK_ACTIONS = {"no action": "a", "restrict": "r", "cascade": "c", "set null": "n", "set default": "d"}
_QUERIES = ("tables", "comments", "columns", "constraints", "indexes", "row_security", "enums", "views", "searches",
            "triggers", "functions", "sequences", "policies", "shadowed", "beyond")
_EXTRAS = ("domains", "column_domains", "extensions", "extension_types", "schemas", "functions", "relations",
           "extension_opclasses", "extension_default_opclasses", "own_types", "foreign_types", "transition_tables",
           "policies", "row_security", "partitioned", "identities", "beyond", "partitions")


def rows(snapshot: dict) -> tuple[dict, dict]:
    """(rows of introspect.postgres's catalog queries, rows of importer.pg_extras' queries) PostgreSQL would
    return for schema public after drizzle-kit's DDL of ``snapshot``; Unsupported where that is not known here."""
    if not isinstance(snapshot, dict) or snapshot.get("dialect") != "postgresql" or snapshot.get("version") != "7":
        _no("a snapshot of another version")
    for key in ("schemas", "sequences", "roles", "policies", "views"):
        if snapshot.get(key):
            _no(key)
    enums = {}
    for e in snapshot.get("enums", {}).values():
        if e.get("schema") != "public":
            _no("an enum of another schema")
        labels = e["values"]
        if not labels or len(set(labels)) != len(labels) or any(   # (a backslash: as drizzle-kit writes it, not known)
                not isinstance(x, str) or not x or len(x.encode()) > PG_MAX_IDENT_BYTES or re.search("[\\\\\0]", x)
                for x in labels):
            _no(f"enum {e['name']}'s labels")
        enums[_name(e["name"], "enum")] = tuple(labels)
    q = {k: [] for k in _QUERIES}
    x = {k: [] for k in _EXTRAS}
    x["schemas"] = [("public",)]
    tables = {}
    for t in snapshot["tables"].values():
        if set(t) - _TABLE_KEYS or t.get("schema") not in ("", "public", None) or t.get("isRLSEnabled") \
                or t.get("policies"):
            _no(f"table {t.get('name')}: what only the server reads")
        tables[_name(t["name"], "table")] = t
    relations: list[str] = list(tables) + list(enums)   # one namespace: tables, indexes, sequences, types
    q["enums"] = [(n, list(enums[n])) for n in sorted(enums)]
    shapes = {}   # table -> {column: (format_type, category)}
    keys = {}     # table -> [column sets a foreign key may reference]
    for name, t in tables.items():
        cols = {}
        for c in t["columns"].values():
            if set(c) - _COLUMN_KEYS:
                _no(f"column {name}.{c.get('name')}: {sorted(set(c) - _COLUMN_KEYS)}")
            cols[_name(c["name"], "column")] = _type(c, enums)
        if len(cols) != len(t["columns"]):
            _no(f"table {name}: a column name twice")
        shapes[name] = cols
        inline = [c["name"] for c in t["columns"].values() if c.get("primaryKey")]
        composite = list(t.get("compositePrimaryKeys", {}).values())
        if len(inline) + len(composite) > 1:
            _no(f"table {name}: more than one primary key")
        keys[name] = [frozenset(inline)] if inline else [frozenset(p["columns"]) for p in composite]
        keys[name] += [frozenset(u["columns"]) for u in t.get("uniqueConstraints", {}).values()]
    for name in sorted(tables):
        t, cols = tables[name], shapes[name]
        q["tables"].append((name,))
        constraints = []
        pk_cols = set()
        inline = [c["name"] for c in t["columns"].values() if c.get("primaryKey")]
        if inline:
            constraints.append((name, _name(f"{name}_pkey", "primary key"), "p", inline, None, [], " ", " ", None,
                                False, False))
            relations.append(f"{name}_pkey")
            pk_cols.update(inline)
        for p in t.get("compositePrimaryKeys", {}).values():
            _known(p, {"name", "columns"}, name)
            constraints.append((name, _cut(p["name"], "primary key"), "p", _columns(p["columns"], cols), None, [],
                                " ", " ", None, False, False))
            relations.append(_cut(p["name"], "primary key"))
            pk_cols.update(p["columns"])
        for u in t.get("uniqueConstraints", {}).values():
            _known(u, {"name", "columns", "nullsNotDistinct"}, name)
            if u.get("nullsNotDistinct"):
                _no("NULLS NOT DISTINCT")
            constraints.append((name, _cut(u["name"], "unique"), "u", _columns(u["columns"], cols), None, [], " ",
                                " ", None, False, False))
            relations.append(_cut(u["name"], "unique"))
        for f in t.get("foreignKeys", {}).values():
            _known(f, {"name", "tableFrom", "tableTo", "columnsFrom", "columnsTo", "onDelete", "onUpdate",
                       "schemaTo"}, name)
            to = f["tableTo"]
            if f.get("schemaTo") not in (None, "", "public") or to not in tables:
                _no(f"foreign key {f['name']} to a table of another schema")
            src, dst = _columns(f["columnsFrom"], cols), _columns(f["columnsTo"], shapes[to])
            if len(src) != len(dst) or frozenset(dst) not in keys[to] or len(set(dst)) != len(dst):
                _no(f"foreign key {f['name']}: PostgreSQL decides whether it takes it")
            for a, b in zip(src, dst):
                ta, tb = cols[a][0], shapes[to][b][0]
                if ta != tb and not (cols[a][1] == shapes[to][b][1] == "int") \
                        and not {cols[a][1], shapes[to][b][1]} <= {"text", "varchar"}:
                    _no(f"foreign key {f['name']}: {ta} to {tb}")
            actions = [_FK_ACTIONS.get((f.get(k) or "no action").lower()) for k in ("onDelete", "onUpdate")]
            if None in actions:
                _no(f"foreign key {f['name']}'s action")
            constraints.append((name, _cut(f["name"], "foreign key"), "f", src, to, dst, *actions, None, False,
                                False))
        for ck in t.get("checkConstraints", {}).values():
            _known(ck, {"name", "value"}, name)
            shown, used = _expression(ck["value"], name, cols, enums)
            constraints.append((name, _cut(ck["name"], "check"), "c", used, None, [], " ",
                                " ", shown, False, False))
        names = [c[1] for c in constraints]
        if len(set(names)) != len(names):
            _no(f"table {name}: two constraints of one name")
        q["constraints"] += sorted(constraints, key=lambda r: r[1])
        for c in t["columns"].values():
            shown, kind = cols[c["name"]]
            identity, generated = c.get("identity"), c.get("generated")
            default = None
            if generated is not None:   # GENERATED ALWAYS AS (…) STORED: its expression where the default goes
                if identity is not None or "default" in c or c["type"] in _SERIALS:
                    _no(f"generated {name}.{c['name']} with a default")
                default = _generation(generated, name, c["name"], cols, enums)
            elif c["type"] in _SERIALS:
                if identity is not None or "default" in c:
                    _no(f"serial {name}.{c['name']} with a default")
                default = _serial(q, x, name, c["name"], shown)
                relations.append(default[0])
                default = default[1]
            elif identity is not None:
                if "default" in c or kind != "int":
                    _no(f"identity {name}.{c['name']}")
                relations.append(_identity(x, name, c["name"], shown, identity))
            elif "default" in c:
                if kind == "array":
                    _no("an array's default")
                default = _default(c["default"], shown, kind, enums)
            nullable = not (c.get("notNull") or c["name"] in pk_cols or identity is not None)
            q["columns"].append((name, c["name"], shown, nullable, default, identity is not None,
                                 generated is not None))
        for ix in sorted(t.get("indexes", {}).values(), key=lambda i: i["name"]):
            q["indexes"].append(_index(ix, name, cols, enums))
            relations.append(_cut(ix["name"], "index"))
    if len(set(relations)) != len(relations):
        _no("two relations of one name")
    x["identities"].sort(key=lambda r: (r[0], r[1]))
    q["sequences"].sort(key=lambda r: r[0])
    x["relations"].sort(key=lambda r: r[0])
    return q, x


def _serial(q: dict, x: dict, table: str, column: str, shown: str) -> tuple[str, str]:
    """(sequence, default) of a serial column: the sequence PostgreSQL names {table}_{column}_seq (where that
    fits in 63 bytes), owned by the column, counting from 1 by 1 up to its type's largest value."""
    seq = _name(f"{table}_{column}_seq", "sequence")
    q["sequences"].append((seq, shown, 1, 1, 1, _INT_RANGE[shown] - 1, False, f"{table}.{column}"))
    x["relations"].append((seq, "S"))
    return seq, f"nextval('{_ident(seq)}'::regclass)"


def _generation(generated: dict, table: str, column: str, cols: dict, enums: dict) -> str:
    """pg_get_expr of a stored generated column's expression: one of _TEXT_FUNCS on another column, of the
    column's own type (no cast to it)."""
    if set(generated) != {"as", "type"} or generated["type"] != "stored":
        _no(f"generated {table}.{column}")
    e = _Expr(generated["as"], table, cols, enums)
    got = e.operand()
    if e.i != len(e.toks) or not re.match(r"\w+\(", got[0]) or column in e.used \
            or got[2] != cols[column][0]:
        _no(f"generated {table}.{column}: {generated['as']!r}")
    return got[0]


def _known(obj: dict, allowed: set, table: str) -> None:
    if set(obj) - allowed:
        _no(f"table {table}: {sorted(set(obj) - allowed)}")


def _columns(names, cols: dict) -> list[str]:
    names = list(names)
    if not names or any(n not in cols for n in names) or len(set(names)) != len(names):
        _no("a key's columns")
    return names


def _identity(x: dict, table: str, column: str, shown: str, identity: dict) -> str:
    if set(identity) - {"type", "name", "schema", "increment", "startWith", "minValue", "maxValue", "cache", "cycle"}:
        _no("identity options")
    try:
        inc, start, low, high, cache = (int(identity[k]) for k in ("increment", "startWith", "minValue", "maxValue",
                                                                     "cache"))
    except (KeyError, TypeError, ValueError):
        _no("identity options")
    # BY DEFAULT, counting from 1 by 1, as the manifest's identity does: any other the import lists (from
    # BEYOND_MODEL_SQL's reading of the server)
    if (inc, start, low, high, cache, bool(identity.get("cycle"))) != (1, 1, 1, _INT_RANGE[shown] - 1, 1, False) \
            or identity.get("schema") not in (None, "public") or identity.get("type") != "byDefault":
        _no("identity options")
    seq = _name(identity.get("name") or "", "sequence")
    x["identities"].append((table, column, "d", start, inc, low, high,
                            bool(identity.get("cycle")), cache, shown, seq, shown))
    return seq


def _index(ix: dict, table: str, cols: dict, enums: dict) -> tuple:
    _known(ix, {"name", "columns", "isUnique", "where", "concurrently", "method", "with"}, table)
    if ix.get("concurrently") or ix.get("with") or (ix.get("method") or "btree") != "btree":
        _no(f"index {ix['name']}: options")
    keys, desc, nulls_first, is_expr = [], [], [], []
    for k in ix["columns"]:
        if set(k) - {"expression", "isExpression", "asc", "nulls"}:
            _no(f"index {ix['name']}: an operator class")
        if k.get("isExpression"):   # a call of one of _TEXT_FUNCS on a column: lower(email)
            keys.append(_call_key(k["expression"], table, cols, enums))
        else:
            name = k["expression"]
            if name not in cols or cols[name][1] in ("json", "array"):
                _no(f"index {ix['name']}: key {name!r}")
            keys.append(_ident(name))
        asc = k.get("asc", True)
        nulls = k.get("nulls") or ("last" if asc else "first")
        if nulls not in ("first", "last"):
            _no(f"index {ix['name']}: NULLS {nulls}")
        desc.append(not asc)
        nulls_first.append(nulls == "first")
        is_expr.append(bool(k.get("isExpression")))
    if not keys:
        _no(f"index {ix['name']} without keys")
    where = _expression(ix["where"], table, cols, enums)[0] if ix.get("where") else None
    n = len(keys)
    return (table, _cut(ix["name"], "index"), bool(ix.get("isUnique")), keys, desc, where, "btree", is_expr,
            nulls_first, [None] * n)


def _call_key(sql: str, table: str, cols: dict, enums: dict) -> str:
    """pg_get_indexdef's spelling of an index key that calls one of _TEXT_FUNCS on a column."""
    e = _Expr(sql, table, cols, enums)
    e.pretty = True
    key = e.operand()
    if e.i != len(e.toks) or not re.match(r"\w+\(", key[0]):
        _no(f"index key {sql!r}")
    return key[0]
