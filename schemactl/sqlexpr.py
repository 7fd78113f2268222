"""SQL expressions from the manifest: parsed with sqlglot, checked, rendered.

A manifest never gets raw text into generated DDL.  Each expression is parsed
into a syntax tree; anything that is not exactly one scalar expression (a
second statement, a query, DDL or DML) is refused; the DDL carries what sqlglot
generates from the tree, without comments.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from . import sqlfast
from .lazymod import lazy
from .manifest.model import ENGINES, Expr
from .engines import ENGINE_NAMES

# Imported on first use: expressions of the shapes sqlfast knows never need sqlglot (0.1-0.2 s to import).
sqlglot = lazy("sqlglot", globals(), "sqlglot")
exp = lazy("sqlglot.expressions", globals(), "exp")

# sqlglot dialect per engine; None reads the portable (engine-neutral) form.
SQLGLOT_DIALECT = {"postgres": "postgres", "sqlite": "sqlite", None: None}


@functools.cache
def _forbidden() -> tuple:
    return tuple(c for c in (getattr(exp, n, None) for n in (
        "Query", "DDL", "DML", "Command", "Transaction", "Alias", "Star", "Pragma", "Values", "Placeholder",
        "Parameter", "AggFunc", "Window")) if c)


def _parse_errors() -> tuple:
    return (sqlglot.errors.ParseError, sqlglot.errors.TokenError)


class ExprError(ValueError):
    """Message is user-facing."""


_TOO_DEEP = 'expression "{text}" nests too deeply to be read (parentheses or calls inside each other); simplify it'


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "…"


@functools.cache
def _query_forbidden() -> tuple:
    return (exp.DDL, exp.DML, exp.Command, exp.Transaction)


def quiet() -> None:
    """sqlglot's own warnings ("falling back to parsing as a Command") are not the user's business: what it
    could not read is reported as schemactl's problem, with its place."""
    import logging
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def _as_projection(text: str, dialect):
    """The expression ``text`` read as the one column of a SELECT: SQLite's dialect reads a text that starts
    with replace( as its REPLACE statement (a Command), where it is the function; None when that is not
    exactly one plain column (a second statement, a FROM, an alias)."""
    try:
        trees = [t for t in sqlglot.parse(f"SELECT {text}", read=dialect) if t is not None]
    except _parse_errors():
        return None
    if len(trees) != 1 or not isinstance(trees[0], exp.Select):
        return None
    select = trees[0]
    columns = select.expressions
    if {k for k, v in select.args.items() if v} != {"expressions"} or len(columns) != 1 \
            or isinstance(columns[0], exp.Alias):
        return None
    return columns[0].pop()


def read(sql: str, dialect) -> exp.Expression:
    """sqlglot.parse_one of one expression in ``dialect``, where SQLite's reading of replace(…) as its REPLACE
    statement is read as the function (the import's and the catalog's expressions)."""
    tree = sqlglot.parse_one(sql, read=dialect)
    if isinstance(tree, exp.Command):
        return _as_projection(sql, dialect) or tree
    return tree


def parse_one(text: str, engine: str | None, query: bool = False) -> exp.Expression:
    """One scalar expression (or, with ``query``, one SELECT); anything else is an ExprError."""
    dialect = SQLGLOT_DIALECT[engine]
    quiet()
    try:
        trees = [t for t in sqlglot.parse(text, read=dialect) if t is not None]
    except _parse_errors() as exc:
        raise ExprError(f'cannot parse expression "{text}": {_reason(exc)}') from None
    except RecursionError:   # the parser recurses per level of nesting
        raise ExprError(_TOO_DEEP.format(text=_short(text))) from None
    if len(trees) == 1 and not query and isinstance(trees[0], exp.Command):
        trees = [_as_projection(text, dialect) or trees[0]]
    if len(trees) != 1:
        raise ExprError(f'expression "{text}" holds {len(trees)} statements; write exactly one expression')
    tree = _quote_columns(trees[0])
    if query:
        if not isinstance(tree, exp.Query):
            raise ExprError(f'view "{text[:40]}" is not a SELECT')
        for node in tree.walk():
            if isinstance(node, _query_forbidden()):
                raise ExprError(f'view "{text[:40]}" holds {type(node).__name__.upper()}; a view is one SELECT')
        return tree
    forbidden = _forbidden()
    for node in tree.walk():
        if isinstance(node, forbidden):
            kind = type(node).__name__.upper() if not isinstance(node, exp.AggFunc) else \
                (node.sql_name() if hasattr(node, "sql_name") else type(node).__name__.upper())
            raise ExprError(f'expression "{text}" is not a plain expression ({kind} is not allowed here)')
    return tree


def _quote_columns(tree: exp.Expression) -> exp.Expression:
    """Column names are the manifest's exact names: quote those that need it (camelCase, user, key)."""
    from .naming import needs_quotes
    for col in tree.find_all(exp.Column):
        ident = col.this
        if isinstance(ident, exp.Identifier) and not ident.quoted and needs_quotes(ident.this):
            ident.set("quoted", True)
    return tree


def _reason(exc: Exception) -> str:
    """sqlglot's message without its internals (class paths, highlighted echo)."""
    first = str(exc).splitlines()[0].strip()
    first = re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", r"\1", first)
    m = re.match(r"Required keyword: '(\w+)' missing for (\w+)\.(.*)$", first)
    if m:
        return f"incomplete {m.group(2).upper()} expression ({m.group(1)} missing).{m.group(3)}"
    return first


# sqlglot's spellings an engine does not read, per engine: (node type name, the words the engine reads).
# PostgreSQL's CURRENT_TIME takes no parentheses without a precision (sqlglot writes CURRENT_TIME()).
_ENGINE_WORDS = {"postgres": (("CurrentTime", "CURRENT_TIME"),)}


def _engine_words(tree: exp.Expression, engine: str) -> exp.Expression:
    for node_type, words in _ENGINE_WORDS.get(engine, ()):
        kind = getattr(exp, node_type)
        for node in list(tree.find_all(kind)):
            if not node.this:
                if node is tree:
                    return exp.Var(this=words)
                node.replace(exp.Var(this=words))
    return tree


def _glob_pattern(pattern: str, escape: str | None) -> str:
    """A LIKE pattern (PostgreSQL's: % any text, _ one character, the escape character taking the next one
    as it is) as a GLOB pattern (* ? and [ are GLOB's own there: each taken as it is, in brackets)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            ch, i = pattern[i + 1], i + 2
            out.append(f"[{ch}]" if ch in "*?[" else ch)
            continue
        out.append({"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"}.get(ch, ch))
        i += 1
    return "".join(out)


def case_sensitive_like(node):
    """LIKE with a constant pattern, for SQLite, whose LIKE ignores the case of ASCII letters where
    PostgreSQL's compares them: GLOB with the same pattern (case-sensitive, as PostgreSQL's LIKE)."""
    like, escape = (node.this, node.expression) if isinstance(node, exp.Escape) else (node, None)
    if not isinstance(like, exp.Like) or isinstance(node, exp.Like) and isinstance(node.parent, exp.Escape):
        return node
    pattern = like.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string) or \
            escape is not None and not (isinstance(escape, exp.Literal) and escape.is_string):
        return node
    glob = exp.Glob(this=like.this, expression=exp.Literal.string(
        _glob_pattern(pattern.this, "\\" if escape is None else escape.this)))
    return exp.Not(this=glob) if like.args.get("negate") else glob


def _json_operators(node):
    """-> and ->> as the operators, which json and jsonb both have (sqlglot wrote json_extract_path_text(), json's
    alone: PostgreSQL refused it on a jsonb column)."""
    node.set("only_json_types", True)
    return node


def _date_part(node):
    """date_part('year'::text, d), as PostgreSQL's catalog shows it, is read by sqlglot as EXTRACT with a cast for its
    field, which it writes back as EXTRACT(CAST('year' AS TEXT) FROM d): PostgreSQL refuses that.  It stays
    date_part() (which gives double precision, where EXTRACT gives numeric)."""
    if isinstance(node.this, exp.Cast) and isinstance(node.this.this, exp.Literal) and node.this.this.is_string:
        return exp.Anonymous(this="date_part", expressions=[node.this.this.copy(), node.expression.copy()])
    return node


def _clock_precision(node):
    """CURRENT_TIMESTAMP(0), a clock rounded to a precision: sqlglot writes it back as CURRENT_TIMESTAMP (its
    precision dropped, another default on PostgreSQL); kept as written."""
    if node.this is not None:
        return exp.Anonymous(this="CURRENT_TIMESTAMP", expressions=[node.this.copy()])
    return node


# What sqlglot writes otherwise than the engine reads it, per engine: (the node kinds, the rewrite of one such node).
# PORTABLE_REWRITES apply to the manifest's one text for both engines only (an engine's own text is its own).
_ENGINE_REWRITES = {"postgres": ((("JSONExtract", "JSONExtractScalar"), _json_operators), (("Extract",), _date_part),
                                (("CurrentTimestamp",), _clock_precision))}
_PORTABLE_REWRITES = {"sqlite": ((("Escape", "Like"), case_sensitive_like),)}


def _rewritten(tree: exp.Expression, engine: str, copy: bool, portable: bool) -> tuple[exp.Expression, bool]:
    """(the tree with the engine's rewrites, whether it is still to be copied)."""
    rules = (*(_PORTABLE_REWRITES.get(engine, ()) if portable else ()), *_ENGINE_REWRITES.get(engine, ()))
    for names, rewrite in rules:
        kinds = tuple(getattr(exp, n) for n in names)
        if tree.find(*kinds):
            tree = tree.copy() if copy else tree
            copy = False
            tree = tree.transform(lambda node, r=rewrite, k=kinds: r(node) if isinstance(node, k) else node,
                                  copy=False)
    return tree, copy


def render(tree: exp.Expression, engine: str, copy: bool = True, portable: bool = False) -> str:
    """SQL for ``engine``; ``copy=False`` lets sqlglot transform the tree in place (last use only).
    ``portable``: the manifest's one text for both engines, whose LIKE with a constant pattern compares
    case-sensitively on SQLite too (case_sensitive_like)."""
    tree, copy = _rewritten(tree, engine, copy, portable)
    if engine in _ENGINE_WORDS:
        tree = _engine_words(tree.copy() if copy else tree, engine)
        copy = False
    if not portable:
        return tree.sql(dialect=SQLGLOT_DIALECT[engine], comments=False, copy=copy)
    # one text for both engines: a part the engine has no form for is refused, never dropped (sqlglot would
    # warn and write trunc(x, 1) as SQLite's trunc(x), another value)
    from sqlglot.errors import ErrorLevel, UnsupportedError
    try:
        return tree.sql(dialect=SQLGLOT_DIALECT[engine], comments=False, copy=copy,
                        unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        why = " ".join(str(exc).split()).rstrip(".")
        raise ExprError(f"{ENGINE_NAMES[engine]} has no form of it as written ({why}); give each engine its own "
                        'form: {postgres: "…", sqlite: "…"}') from None


def columns_of(tree: exp.Expression) -> tuple[str, ...]:
    """Columns an expression reads; a qualified one keeps its qualifier ("a.id")."""
    seen: dict[str, None] = {}
    for col in tree.find_all(exp.Column):
        seen.setdefault(f"{col.table}.{col.name}" if col.table else col.name, None)
    return tuple(seen)


# Casts a portable expression's engines carry out otherwise: (sqlglot's type names, only with a length or
# scale, what differs).  Data, read in one place (cast_differences).
_CASTS_OTHERWISE = (
    (("FLOAT",), False, "REAL is 4 bytes on PostgreSQL and 8 on SQLite: write DOUBLE PRECISION"),
    (("DECIMAL",), True, "NUMERIC(p, s) rounds to its scale on PostgreSQL; SQLite casts to REAL, which does not"),
    (("VARCHAR", "CHAR", "NCHAR", "NVARCHAR"), True,
     "a length cuts the text on PostgreSQL; SQLite's TEXT keeps every character"),
    (("BOOLEAN",), False, "PostgreSQL reads 't' and 'yes' as true; SQLite casts to INTEGER ('t' is 0)"),
    (("INT", "BIGINT", "SMALLINT", "TINYINT"), False,
     "a fraction is rounded on PostgreSQL and cut on SQLite (1.9 is 2 there, 1 here; '1.9' is refused there)"),
)


@functools.lru_cache(maxsize=1024)
def untyped_divisions(text: str) -> tuple[str, ...]:
    """Each a / b of a portable text, as written ("n / 2"): sqlglot reads a portable / as float division and
    writes a cast of ``a`` to a float for both engines, where each engine's own SQL divides integers as
    integers (enginecheck warns where both sides are integers)."""
    if "/" not in text:
        return ()
    try:
        tree = parse_one(text, None)
    except ExprError:
        return ()
    return tuple(exp.Div(this=d.this.copy(), expression=d.expression.copy(), typed=True).sql("postgres")
                 for d in tree.find_all(exp.Div))


@functools.lru_cache(maxsize=1024)
def cast_differences(text: str) -> tuple[str, ...]:
    """What the casts of a portable expression do otherwise on the two engines (nothing for a text without
    a cast, or one that does not parse: build() says why)."""
    if not re.search(r"(?i)\bcast\s*\(|::", text):
        return ()
    try:
        tree = parse_one(text, None)
    except ExprError:
        return ()
    out = []
    for cast in tree.find_all(exp.Cast):
        name, sized = cast.to.this.name, bool(cast.to.expressions)
        for names, needs_size, why in _CASTS_OTHERWISE:
            if name in names and (sized or not needs_size):
                out.append(f"{cast.sql(dialect='postgres')}: {why}")
    return tuple(out)


def build(spec: str | dict) -> Expr:
    """An Expr from the manifest's portable text or ``{postgres:, sqlite:}`` map."""
    key = spec if isinstance(spec, str) else tuple(sorted(spec.items()))
    return _build_cached(key)


@functools.lru_cache(maxsize=4096)
def _build_cached(key) -> Expr:
    """Pure in its input, so repeated expressions (common in large manifests) parse once."""
    spec = key if isinstance(key, str) else dict(key)
    built = _fast(spec)
    if built is None:
        built = _build_parsed(spec)
    return replace(built, portable=True) if isinstance(spec, str) else built


def _fast(spec: str | dict) -> Expr | None:
    """The Expr of an expression sqlfast renders exactly as sqlglot would (None: parse it)."""
    texts = {engine: spec for engine in ENGINES} if isinstance(spec, str) else spec
    if not all(engine in ENGINES and isinstance(text, str) for engine, text in texts.items()):
        return None
    rendered, cols = [], {}
    for engine in ENGINES:
        if engine in texts:
            done = sqlfast.render(texts[engine], None if isinstance(spec, str) else engine)
            if done is None:
                return None
            rendered.append((engine, done[0]))
            cols.update(dict.fromkeys(done[1]))
    return Expr(tuple(rendered), tuple(cols))


def _build_parsed(spec: str | dict) -> Expr:
    """The Expr of an expression parsed (and checked) by sqlglot."""
    rendered, cols = [], {}
    if isinstance(spec, str):
        tree = parse_one(spec, None)
        cols = dict.fromkeys(columns_of(tree))
        rendered = [(engine, render(tree, engine, copy=engine != ENGINES[-1], portable=True)) for engine in ENGINES]
    else:
        for engine in ENGINES:
            if engine in spec:
                try:
                    tree = parse_one(spec[engine], engine)
                except ExprError as exc:
                    raise ExprError(f"{engine}: {exc}") from None
                cols.update(dict.fromkeys(columns_of(tree)))
                rendered.append((engine, render(tree, engine, copy=False)))
    return Expr(tuple(rendered), tuple(cols))


def build_query(spec: str | dict) -> tuple[Expr, tuple[str, ...], tuple[str, ...] | None]:
    """A view body: (rendered per engine, tables it reads, output column names or None with ``*``)."""
    rendered, tables, outputs = [], {}, None
    items = [(engine, spec, None) for engine in ENGINES] if isinstance(spec, str) else \
        [(engine, spec[engine], engine) for engine in ENGINES if engine in spec]
    for engine, text, read in items:
        tree = parse_one(text, read, query=True)
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        for t in tree.find_all(exp.Table):
            if t.name not in ctes:
                tables.setdefault(t.name, None)
        names = tuple(tree.named_selects)
        if outputs is None and "*" not in names and not any(isinstance(e, exp.Star) for e in tree.selects):
            outputs = names
        rendered.append((engine, render(tree, engine, portable=read is None)))
    return Expr(tuple(rendered), ()), tuple(tables), outputs


@functools.cache
def _statement_forbidden() -> tuple:
    return tuple(c for c in (getattr(exp, n, None) for n in
                             ("Create", "Drop", "Alter", "Command", "Transaction", "Pragma")) if c)


@functools.cache
def _trigger_statements(read: str | None) -> tuple:
    """Statements a trigger body may hold: DML on both engines; SQLite-only bodies may also SELECT (RAISE(...))."""
    return (exp.Insert, exp.Update, exp.Delete) + ((exp.Select,) if read == "sqlite" else ())


_TRIGGER_WORDS = {None: "an INSERT, UPDATE or DELETE", "postgres": "an INSERT, UPDATE or DELETE",
                  "sqlite": "an INSERT, UPDATE, DELETE or SELECT"}


def _raise_actions(tree: exp.Expression) -> exp.Expression:
    """SQLite's RAISE(ABORT, …): the action is a keyword, not a column (never quoted)."""
    for fn in tree.find_all(exp.Anonymous):
        args = fn.expressions
        if str(fn.this).upper() == "RAISE" and args and isinstance(args[0], exp.Column) and not args[0].table:
            args[0].replace(exp.Var(this=args[0].name.upper()))
    return tree


def build_statements(spec) -> Expr:
    """Trigger body: statements, each parsed alone, rendered per engine: DML written once for both engines,
    or per engine (an engine left out has no body); a SQLite list may also hold SELECT (``RAISE(ABORT, …)``).

    ``Expr.sql`` holds, per engine, the statements joined by ';\n'."""
    per_engine = {e: spec for e in ENGINES} if isinstance(spec, list) else spec
    rendered = []
    for engine in (e for e in ENGINES if e in per_engine):
        read = None if isinstance(spec, list) else engine
        out = []
        for text in per_engine[engine]:
            try:
                trees = [t for t in sqlglot.parse(text, read=SQLGLOT_DIALECT[read]) if t is not None]
            except _parse_errors() as exc:
                raise ExprError(f'cannot parse statement "{text}": {_reason(exc)}') from None
            if len(trees) != 1:
                raise ExprError(f'"{text}" holds {len(trees)} statements; write one per list item')
            tree = _raise_actions(_quote_columns(trees[0]))
            if not isinstance(tree, _trigger_statements(read)) or any(
                    isinstance(n, _statement_forbidden()) for n in tree.walk()):
                raise ExprError(f'"{text}" is not {_TRIGGER_WORDS[read]}')
            out.append(render(tree, engine))
        rendered.append((engine, ";\n".join(out)))
    return Expr(tuple(rendered), ())


@functools.cache
def _policy_forbidden() -> tuple:
    return (exp.DDL, exp.DML, exp.Command, exp.Transaction, exp.Placeholder, exp.Parameter) + \
        tuple(c for c in (getattr(exp, n, None) for n in ("Pragma", "Create", "Drop", "Alter")) if c)


def build_pg_condition(text: str) -> Expr:
    """A PostgreSQL-only condition (policy USING / WITH CHECK): one expression; subqueries are allowed,
    DML and DDL never.  Rendered by sqlglot (never pasted)."""
    try:
        trees = [t for t in sqlglot.parse(text, read="postgres") if t is not None]
    except _parse_errors() as exc:
        raise ExprError(f'cannot parse expression "{text}": {_reason(exc)}') from None
    if len(trees) != 1:
        raise ExprError(f'expression "{text}" holds {len(trees)} statements; write exactly one expression')
    tree = _quote_columns(trees[0])
    if isinstance(tree, exp.Query):
        raise ExprError(f'expression "{text}" is a query; write a condition (a subquery goes inside one)')
    for node in tree.walk():
        if isinstance(node, _policy_forbidden()):
            raise ExprError(f'expression "{text}" is not a condition ({type(node).__name__.upper()} is not '
                            "allowed here)")
    return Expr((("postgres", render(tree, "postgres", copy=False)),), columns_of(tree))
