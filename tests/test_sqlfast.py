"""sqlfast (expressions rendered without sqlglot) against the sqlglot path: whatever the fast path
accepts must render, per engine, and name its columns exactly as sqlglot does, in every reading (the
portable text, and PostgreSQL's and SQLite's own).  Every keyword and function name the installed
sqlglot knows is tried as a column name; random expressions of the accepted shapes and near misses."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from schemactl import sqlexpr, sqlfast
from schemactl.manifest.model import ENGINES


def _slow(spec):
    try:
        return sqlexpr._build_parsed(spec)
    except sqlexpr.ExprError:
        return None


def _agree(text: str) -> None:
    """The fast path declines, or gives exactly what sqlglot gives, in all three readings."""
    for read in (None, *ENGINES):
        fast = sqlfast.render(text, read)
        if fast is None:
            assert sqlexpr._fast(text if read is None else {read: text}) is None
            continue
        sql, columns = fast
        spec = text if read is None else {read: text}
        slow = _slow(spec)
        assert slow is not None, f"fast path accepts {text!r}, sqlglot refuses it ({spec!r})"
        engines = ENGINES if isinstance(spec, str) else tuple(spec)
        assert slow.sql == tuple((e, sql) for e in engines), (text, spec)
        assert slow.columns == columns, (text, spec)
        assert sqlexpr._fast(spec) == slow


def _sqlglot_words() -> list[str]:
    """Every word the installed sqlglot's tokenizers and parsers give a meaning (keywords, functions)."""
    from sqlglot.dialects.dialect import Dialect
    from schemactl.naming import RESERVED
    words = set(RESERVED)
    for name in (None, "postgres", "sqlite"):
        dialect = Dialect.get_or_raise(name)
        words |= {k.lower() for k in dialect.tokenizer_class.KEYWORDS}
        for attr in dir(dialect.parser_class):
            table = getattr(dialect.parser_class, attr)
            if isinstance(table, (dict, set, frozenset)):
                words |= {k.lower() for k in table if isinstance(k, str)}
    return sorted(w for w in words if re.fullmatch(r"[a-z_][a-z0-9_]*", w))


WORDS = _sqlglot_words()


@pytest.mark.parametrize("chunk", range(8))
def test_every_sqlglot_word_as_a_column(chunk):
    for word in WORDS[chunk::8]:
        for template in ("{w}", "{w} > 0", "length({w}) > {w}", "{w} IS NULL", "{w} is not null", "1 = {w}",
                         "upper({w})", "{w} <> 'x'", "{w} = {w}", "LOWER({w}) != abs({w})", "{w}=true"):
            _agree(template.format(w=word))
            _agree(template.format(w=word.upper()))


TABLE = [
    ("length(name) > 0", ("LENGTH(name) > 0", ("name",))),
    ("state <> 'closed'", ("state <> 'closed'", ("state",))),
    ("  a!=1 ", ("a <> 1", ("a",))),
    ("a == 1", ("a = 1", ("a",))),
    ("a IS NOT NULL", ("NOT a IS NULL", ("a",))),   # PostgreSQL's reading: a IS NOT NULL
    ("deleted_at is null", ("deleted_at IS NULL", ("deleted_at",))),
    ("a = true", ("a = TRUE", ("a",))),
    ("False", ("FALSE", ())),
    ("user", ('"user"', ("user",))),
    ("key > 1", ('"key" > 1', ("key",))),
    ("length(a) > b", ("LENGTH(a) > b", ("b", "a"))),
    ("a>-1.50", ("a > -1.50", ("a",))),
    ("'it is'", ("'it is'", ())),
    ("007", ("007", ())),
    # declined: left to sqlglot
    ("Name > 1", None), ('"name" > 1', None), ("a > 0 AND b > 0", None), ("char_length(a) > 0", None),
    ("a <> 'it''s'", None), ("a > 'x\\y'", None), ("a > 1e5", None), ("NULL", None), ("a = NULL", None),
    ("current_date", None), ("select", None), ("1 IS NULL", None), ("a -- c", None), ("a /* c */", None),
    ("t.a > 0", None), ("a + 1", None), ("", None), ("1; DROP TABLE t", None),
]


@pytest.mark.parametrize("text,want", TABLE)
def test_table(text, want):
    assert sqlfast.render(text) == want
    _agree(text)


_word = st.one_of(st.sampled_from(WORDS), st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
                  st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True))
_string = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8).map(lambda s: "'" + s + "'")
_number = st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{1,6})?", fullmatch=True)
_operand = st.one_of(_word, _string, _number, st.sampled_from(["TRUE", "false", "NULL"]),
                     st.tuples(st.sampled_from(["length", "LOWER", "Upper", "abs", "char_length", "trim", "x"]),
                               _word).map(lambda f: f"{f[0]}({f[1]})"))
_space = st.sampled_from(["", " ", "  ", "\n", "\t"])
_op = st.sampled_from(["=", "==", "<>", "!=", "<", "<=", ">", ">=", "+", "IS", "LIKE"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.tuples(_space, _operand, _space),
    st.tuples(_space, _operand, _space, _op, _space, _operand, _space),
    st.tuples(_space, _operand, st.sampled_from([" IS NULL", " is not null", " IS  NOT\tNULL", " IS NOT"]), _space),
))
def test_random_expressions_agree_with_sqlglot(parts):
    _agree("".join(parts))


@pytest.mark.parametrize("spec", [
    {"postgres": "a IS NOT NULL", "sqlite": "length(b) >= 2"},
    {"postgres": "x = 'y'", "sqlite": "x = 'y'"},
    {"postgres": "a > 0 AND b > 0", "sqlite": "a > 0"},     # one engine's form declined: sqlglot for both
])
def test_per_engine_forms(spec):
    fast = sqlexpr._fast(spec)
    assert fast is None or fast == _slow(spec)
    assert sqlexpr.build(spec) == _slow(spec)


# -- structural keys: sqlfast.key against normalize's key of sqlglot's tree

def _slow_key(text: str, engine: str) -> str:
    from schemactl import normalize
    try:
        tree = normalize.sqlglot.parse_one(text, read=sqlexpr.SQLGLOT_DIALECT[engine])
    except normalize._parse_errors():
        return "raw:" + " ".join(text.split())
    return normalize.tree_key(tree, engine)


def _same_key(text: str) -> None:
    """sqlfast.key declines, or gives exactly the key sqlglot's reading gives, in each engine's dialect."""
    for engine in ENGINES:
        fast = sqlfast.key(text, engine)
        if fast is not None:
            assert repr(fast) == _slow_key(text, engine), (text, engine)


KEYS = [
    # as the catalogs give them back: PostgreSQL's words, SQLite's (as written)
    "(length((name)::text) > 0)", "(state <> 'closed'::state)", "LENGTH(name) > 0", "state <> 'closed'",
    "state IN ('new', 'active', 'closed')", "(state = ANY (ARRAY['new'::text, 'active'::text]))",
    "(amount >= (0)::numeric)", "(amount >= 0.50)", "(x IS NOT NULL)", "x IS NULL", "NOT x IS NULL",
    "(abs(x) < -5)", '("Order" > 1)', "(lower((email)::text) = 'a@b'::text)", "a != 1.50", "a IN (-1, 2.0)",
    "x", "5", "'s'", "((a))", "a < b", "Ab = 1",
    # declined (sqlglot decides): a number in quotes cast to a type, casts with arguments, anything more
    "a = '5'::integer", "a = '-5'::integer", "a > -5::integer", "(a)::character varying(5) = 'x'",
    "a::text[] IS NULL", "(a) > (b)", "a > 0 AND b > 0", "a = 1e5", "t.a > 0", "a + 1", "a = TRUE",
    "a = ANY (ARRAY[b])", "now() > a", "a IN (b)", "a = 'it''s'", "a = E'x'", "",
    # keyed by value (typedconst), or a string's cast in parentheses: the random test found ('0')::integer IN ('')
    "('0')::integer IN ('')", "t <> '12:00'::time", "b = 't'::boolean",
    "u = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", "s IN ('one')",
]


@pytest.mark.parametrize("text", KEYS)
def test_keys_table(text):
    _same_key(text)


def test_keys_the_fast_path_reads():
    read = {text: [sqlfast.key(text, e) is not None for e in ENGINES] for text in KEYS}
    assert read["(length((name)::text) > 0)"] == [True, False]      # a cast is PostgreSQL's alone
    assert read["state IN ('new', 'active', 'closed')"] == [True, True]
    assert read["(state = ANY (ARRAY['new'::text, 'active'::text]))"] == [True, False]
    assert read["a = '5'::integer"] == [False, False]


@pytest.mark.parametrize("chunk", range(4))
def test_keys_of_every_sqlglot_word_as_a_column(chunk):
    for word in WORDS[chunk::4]:
        for template in ("{w}", "({w})", "({w} > 0)", "(length(({w})::text) > 0)", "{w} IS NOT NULL", "'x' = {w}",
                         "({w} = ANY (ARRAY['a'::text]))", "{w} IN ('a', 'b')", "({w})::text <> '1'"):
            _same_key(template.format(w=word))
            _same_key(template.format(w=word.upper()))


_cast = st.sampled_from(["", "::text", "::integer", "::numeric", "::state", '::"Mood"', "::character varying"])
_key_operand = st.one_of(
    st.tuples(_operand, _cast).map("".join),
    st.tuples(_operand, _cast).map(lambda p: f"({p[0]}){p[1]}"),
    st.tuples(st.sampled_from(["length", "lower", "abs"]), _word, _cast).map(lambda f: f"{f[0]}(({f[1]}){f[2]})"),
    st.from_regex(r'"[A-Za-z_ ]{1,6}"', fullmatch=True))


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.tuples(_space, _key_operand, _space),
    st.tuples(st.sampled_from(["", "(", "(("]), _key_operand, _space, _op, _space, _key_operand,
              st.sampled_from(["", ")", "))"])),
    st.tuples(_key_operand, st.sampled_from([" IN (", " = ANY (ARRAY["]),
              st.lists(st.one_of(_string, _number), min_size=1, max_size=3).map(", ".join),
              st.sampled_from([")", "])", "]"])),
))
def test_random_keys_agree_with_sqlglot(parts):
    _same_key("".join(parts))


def test_known_keys_are_what_the_installed_sqlglot_reads():
    """schemactl/knownkeys.py is current: regenerate with python3 tests/gen_knownkeys.py when this fails."""
    import importlib.util
    from pathlib import Path
    from schemactl import knownkeys
    spec = importlib.util.spec_from_file_location("gen_knownkeys", Path(__file__).with_name("gen_knownkeys.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert Path(knownkeys.__file__).read_text() == gen.text
    for (text, engine), want in knownkeys.KEYS.items():
        assert want == _slow_key(text, engine)


def _slow_default(text: str, engine: str, kind):
    from schemactl import normalize
    saved = normalize.KNOWN_KEYS, normalize._PG_CAST_STRING
    normalize.default_key.cache_clear()
    try:
        normalize.KNOWN_KEYS = {}
        normalize._PG_CAST_STRING = re.compile(r"(?!)")
        return normalize.default_key(text, engine, kind)
    finally:
        normalize.KNOWN_KEYS, normalize._PG_CAST_STRING = saved
        normalize.default_key.cache_clear()


@pytest.mark.parametrize("text,kind", [
    ("'new'::state", "enum"), ("'a b'::character varying", "text"), ("'{}'::text[]", "text"),
    ("'x'::character varying(20)", "text"), ("'it''s'::text", "text"), ("'1'::\"Mood\"", "enum"),
    ("'2020-01-01 00:00:00+00'::timestamp with time zone", "timestamptz"), ("'5'::integer", "int32"),
    ("'-5'::bigint", "int64"), ("'1.50'::numeric(12,2)", "numeric"), ("'t'::boolean", "boolean"),
    ("'00:00:00'::time without time zone", "time"), ("'{\"a\": 1}'::jsonb", "json"), ("'ab'::bpchar", "char"),
    ("'1.5'::double precision", "float"), ("''::text", "text"), ("'a'::text", None),
    ("now()", "timestamptz"), ("gen_random_uuid()", "uuid"), ("CURRENT_DATE", "date"), ("LOCALTIME", "time"),
])
def test_defaults_read_without_sqlglot_as_with_it(text, kind):
    from schemactl import normalize
    normalize.default_key.cache_clear()
    assert normalize.default_key(text, "postgres", kind) == _slow_default(text, "postgres", kind)


@pytest.mark.parametrize("text", sorted({t for t, _ in __import__("schemactl.knownkeys").knownkeys.KEYS}))
def test_portable_function_defaults_read_without_sqlglot_as_with_it(text):
    from schemactl import normalize
    for engine in ENGINES:
        for kind in ("timestamptz", "uuid", "date", "time", "timestamp", "int64"):
            normalize.default_key.cache_clear()
            assert normalize.default_key(text, engine, kind) == _slow_default(text, engine, kind)


@pytest.mark.parametrize("spec", ["CURRENT_TIME", {"postgres": "(CURRENT_TIME + '01:30:00'::interval)"},
                                  "coalesce(NULL, CURRENT_TIME)"])
def test_current_time_is_written_as_postgresql_reads_it(spec, pg):
    """sqlglot writes CURRENT_TIME() for PostgreSQL, which PostgreSQL refuses (a syntax error at "(")."""
    sql = sqlexpr.build(spec).on("postgres")
    assert "CURRENT_TIME(" not in sql
    assert pg.execute(f"SELECT {sql}").fetchone()[0] is not None


@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
def test_a_number_past_decimal_limits_is_its_own_key_not_an_internal_error(engine):
    """1e999999999 overflows Python's decimal context: the key of a check or default holding it was an Overflow
    (exit 3); it is the number's own text, so the same text on both sides still compares equal."""
    from schemactl.normalize import default_key, expr_key
    assert expr_key("x < 1e999999999", engine) == expr_key("x  <  1e999999999", engine) != expr_key("x < 1e99", engine)
    assert default_key("1e999999999", engine, "numeric") == default_key("1e999999999", engine, "numeric")
    assert default_key("1e999999999", engine, "numeric") != default_key("1e999999998", engine, "numeric")
