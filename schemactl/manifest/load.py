"""Manifest file -> validated, frozen model, or every problem at once.

Two phases: the JSON Schema checks the shape; if the shape is right the
builder resolves types, defaults, expressions and names and then applies the
cross-object rules in ``rules.py``.  Every problem is a Diagnostic with the
manifest's file:line:col.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import re
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path

from dataclasses import replace

from .. import literals, sqlexpr, typedconst
from ..errors import Diagnostic, ManifestInvalid
from ..naming import ROLE_KEYWORDS, derived_name, suggest
from ..types import TIME_STORAGES, TypeError_, parse_type
from . import fastcheck, yamlpos
from .model import (ENGINES, Check, Column, Default, DrizzleColumn, DrizzleFile, DrizzleImport, DrizzleRelation,
                    DrizzleTable, Enum, ForeignKey, Function, Generated, Index, IndexColumn, Manifest, Policy,
                    PrimaryKey, Search, Sequence, Table, Trigger, Unique, View)


@functools.cache
def json_schema() -> dict:
    return json.loads(resources.files("schemactl.manifest").joinpath("schema.json").read_text("utf-8"))


class Problems:
    """Collects diagnostics for one file."""

    def __init__(self, file: str, located: yamlpos.Located | None):
        self.file, self.located, self.items = file, located, []
        self.unbuilt: set[tuple[str, str]] = set()   # (table, column) kept out of the model by its own problem
        self.released = False   # a chain's snapshot: the engines' verdicts (enginecheck) are not given again

    def add(self, path, message: str, key: bool = False, severity: str = "error") -> None:
        line, col = self.located.at(path, key) if self.located else (1, 1)
        self.items.append(Diagnostic(self.file, line, col, message, severity, tuple(path)))

    def warn(self, path, message: str) -> None:
        """A rule stricter than both engines: reported, never refusing the manifest."""
        self.add(path, message, severity="warning")

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]


def display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_file(path: str | Path, features: frozenset = frozenset(), defer_checks: bool = False) -> Manifest:
    """The manifest in ``path`` (see load_text)."""
    path = Path(path)
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestInvalid([Diagnostic(shown, 1, 1, "file not found")]) from None
    except OSError as exc:
        raise ManifestInvalid([Diagnostic(shown, 1, 1, f"cannot read file: {exc}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:   # where the first byte that is no UTF-8 is (a file saved as Latin-1, say)
        from ..errors import not_utf8
        raise ManifestInvalid([Diagnostic(shown, *not_utf8(data, exc))]) from None
    return load_text(text, shown, features, defer_checks=defer_checks)


@contextlib.contextmanager
def _gc_paused():
    """Loading allocates many small objects that all stay alive; Python's cycle collector
    would rescan them over and over (seen: 3x slower on a 1,000-table manifest)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_text(text: "str | Callable[[], str]", filename: str = "<manifest>", features: frozenset = frozenset(),
              released: bool = False, defer_checks: bool = False, data=None, engines=None) -> Manifest:
    """Load a manifest for a feature set (default: no optional features).  ``released``: a migration chain's
    snapshot, which the engines took when it was released: what the engines would refuse is not judged again
    (a later schemactl that refuses more must still read the chain it continues).

    ``data``: what ``text`` reads as, where the caller has it (import: the doc it dumped the text from); the
    text is then read only to locate a problem, and may be given as a function that returns it (called then).

    ``engines``: what the engine checks said of this doc without its drizzle: blocks (checked_ahead's first
    item), which they do not read, or a function returning it (None: checked here): not checked again.

    ``defer_checks``: a model that was read and built without a problem comes back before the checks over
    the whole model (names, keys, references, what the engines would refuse) have run; its ``pending``
    (a PendingChecks) runs them: it returns the checked model (with its warnings, ``pending`` None) or
    raises ManifestInvalid.  Nothing may be written from a model before that.  (generate renders while
    they run.)  A model with a problem already found is checked at once, so every problem is reported."""
    with _gc_paused(), _too_deep(filename):
        return _load_text(text, filename, frozenset(features), released, defer_checks, data, engines)


@contextlib.contextmanager
def _too_deep(filename: str):
    try:
        yield
    except RecursionError:   # a value nested deeper than a step of validation can follow
        raise ManifestInvalid([Diagnostic(filename, 1, 1, "the manifest nests a value too deeply to be read "
                                                          "(an expression or a JSON value inside itself "
                                                          "many times over); simplify it")]) from None


class PendingChecks:
    """The checks a model loaded with ``defer_checks`` still owes.  Called: runs them (once; later calls
    give the same answer) and returns the checked model, or raises ManifestInvalid."""

    def __init__(self, run: Callable[[], Manifest], filename: str, shape_ahead: bool = False):
        self._run, self._filename = run, filename
        self.shape_ahead = shape_ahead   # a forked copy checks the shape meanwhile: less for them to do
        self._result: Manifest | None = None
        self._error: ManifestInvalid | None = None

    def __call__(self) -> Manifest:
        if self._result is None and self._error is None:
            try:
                with _gc_paused(), _too_deep(self._filename):
                    self._result = self._run()
            except ManifestInvalid as exc:
                self._error = exc
        if self._error is not None:
            raise self._error
        return self._result


def checked(m: Manifest) -> Manifest:
    """``m`` with the checks it may still owe run (ManifestInvalid when they find an error)."""
    return m if m.pending is None else m.pending()


def _load_text(text, filename: str, features: frozenset, released: bool = False,
               defer_checks: bool = False, data=None, engines=None) -> Manifest:
    given = data is not None
    if given:   # what the text reads as, known: the text (or the function that gives it) only locates a problem
        located = yamlpos.Located(data=_plain(data), text=text)
    else:
        try:
            located = yamlpos.load(text)
        except yamlpos.YamlSyntaxError as exc:
            raise ManifestInvalid([Diagnostic(filename, exc.line, exc.col, exc.message)]) from None
    problems = Problems(filename, located)
    problems.released = released
    for line, col, msg in located.problems:
        problems.items.append(Diagnostic(filename, line, col, msg))
    if problems.items:  # what follows would only repeat them in other words
        raise ManifestInvalid(problems.items)
    data = located.data
    if not isinstance(data, dict):
        problems.add((), "a manifest is a mapping with format, name, version and tables")
        raise ManifestInvalid(problems.items)
    # YAML holds a NUL only as an escape ("\0", "\x00", ...): none without a backslash; given data, none where
    # its JSON text (C's speed) has none
    if given and _may_hold_nul(data) or not given and "\\" in text:
        _nul_problems(data, (), problems)

    def shape(into: Problems) -> None:
        """The manifest's shape (the JSON Schema): what it refuses is all that is reported."""
        _schema_problems(data, into)
        if into.items:
            raise ManifestInvalid(into.items)
    # Deferred, the shape is checked with the rest (a model is built from any data: what an unchecked shape
    # makes the building raise, or find, is not reported when the shape is refused).
    if not defer_checks or problems.items:
        shape(problems)
    # Deferred, a large manifest's shape is checked by a forked copy while this process builds the model (the
    # other core is idle meanwhile); where the copy found it sound the check is not run again, anything else
    # (a refusal, a copy that failed) has it run here, where its problems are located.
    ahead = _shape_ahead(data, text) if defer_checks and not problems.items else None
    builder = _Builder(data, problems, filename, features)
    try:
        manifest = builder.build()
        from .rules import ordered
        rendered = ordered(manifest)   # the tables in foreign-key order, as the renderers take them
    except BaseException as exc:   # (Ctrl-C too: the copy is ended, not left to finish on its own)
        if ahead is not None:
            ahead.stop()
        if defer_checks and isinstance(exc, Exception):
            shape(Problems(filename, located))
        raise

    def finish() -> Manifest:
        if defer_checks and (ahead is None or ahead.result() != _SOUND):
            shape(Problems(filename, located))
        builder.check(manifest, engines)
        if problems.errors:
            raise ManifestInvalid(problems.items)
        return replace(rendered, warnings=tuple(sorted(set(problems.items)))) if problems.items else rendered
    if defer_checks and not problems.errors:
        return replace(rendered, pending=PendingChecks(finish, filename, shape_ahead=ahead is not None))
    return finish()


_SOUND = b"sound"


def _shape_ahead(data, text):
    """A forked copy of this process running the manifest's shape check (the JSON Schema's fast check) on
    ``data``, for a large manifest where a fork is usable; its result() is _SOUND when the shape is.  None: the
    check is this process's alone."""
    from ..cores import Forked, fork_usable
    if not isinstance(text, str) or len(text) < yamlpos.SPLIT_FROM or not fork_usable():
        return None
    try:
        return Forked(lambda: _SOUND if _fast_check()(data) else b"refused")
    except OSError:
        return None


def checked_ahead(data, features: frozenset = frozenset()) -> tuple[tuple, str] | None:
    """(what the engine checks say of the model ``data`` builds, recorded; its schema hash), or None where the
    doc does not build without a problem: for load_text's ``engines`` where the doc loaded later is ``data``
    with drizzle: blocks added (import --drizzle: worked out while Node still reads the module), which neither
    the engine checks nor the hash read."""
    from . import enginecheck
    from .hashing import schema_hash
    from .rules import ordered
    # (a doc whose shape or text load_text refuses never comes to the engine checks: it is not judged here)
    with _gc_paused():
        plain = _plain(data)
        if not isinstance(plain, dict):
            return None
        problems = Problems("<ahead>", None)
        try:
            manifest = _Builder(plain, problems, "<ahead>", frozenset(features)).build()
        except Exception:  # noqa: BLE001 -- a shape load_text refuses first
            return None
        if problems.items:
            return None
        return enginecheck.recorded(manifest), schema_hash(ordered(manifest))


def _plain(value):
    """A copy of ``value`` as YAML reads it back (mappings, lists, scalars): load_text's ``data``, which the
    building must not share with the caller."""
    t = type(value)
    if t is str or t is int or t is bool or value is None:   # (most of a doc: nothing to copy)
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------- JSON Schema

def _may_hold_nul(data) -> bool:
    """False where ``data`` surely holds no NUL character: JSON writes one as \\u0000 (a text that holds those
    six characters, or a value JSON does not write, is walked as well)."""
    try:   # (a value inside itself, which the copy before this could not have made: RecursionError)
        return "\\u0000" in json.dumps(data, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return True


def _nul_problems(value, path: tuple, problems: "Problems") -> None:
    """A NUL character in any key or string: PostgreSQL can hold it neither in DDL nor in text."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and _NUL in k:
                problems.add(path + (k,), _nul_message(k), key=True)
            _nul_problems(v, path + (k,), problems)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _nul_problems(v, path + (i,), problems)
    elif isinstance(value, str) and _NUL in value:
        problems.add(path, _nul_message(value))


_NUL = chr(0)


def _nul_message(text: str) -> str:
    shown = text.replace(_NUL, "\\0")[:60]
    return f'"{shown}" contains a NUL character (\\0), which PostgreSQL cannot hold; remove it'


def _describe(value) -> str:
    # the user's text as written (…, é), not as \u escapes
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (str, int, float, bool, type(None))) \
        else type(value).__name__


re_type_tail = re.compile(r"^\s*\d+\s*\)$")

_JSON_TYPES = {"string": "a string", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "a mapping", "array": "a list", "null": "null"}


@functools.cache
def _fast_check():
    from ..usercache import cache
    return fastcheck.compile_schema(json_schema(), cache("fastcheck"))


def _schema_problems(data: dict, problems: Problems) -> None:
    if _fast_check()(data):
        return
    import jsonschema   # only for the located messages of a manifest the fast check refused (0.05-0.1 s)
    validator = jsonschema.Draft202012Validator(json_schema())
    for err in validator.iter_errors(data):
        for leaf in _leaves(err):
            _report_schema_error(leaf, problems)


def _leaves(err):
    """For oneOf failures, report the branch that got furthest."""
    if err.validator in ("oneOf", "anyOf") and err.context:
        best = max(err.context, key=lambda e: (len(e.absolute_path), e.validator not in ("type", "required")))
        # If every branch failed on type alone at the top, report the union.
        if all(e.validator == "type" and len(e.absolute_path) == len(err.absolute_path) for e in err.context):
            return [err]
        return list(_leaves(best))
    return [err]


def _report_schema_error(err, problems: Problems) -> None:
    path = tuple(err.absolute_path)
    v = err.validator
    where = _where(path)
    surprise = problems.located.surprise(path) if problems.located else None
    if surprise and v in ("type", "enum", "const", "anyOf", "oneOf"):
        problems.add(path, f"{where}{surprise}")
        return
    if path[:1] == ("tables",) and len(path) == 4 and path[2] == "columns" and err.instance is None:
        problems.add(path, f'{where}give the column a type, e.g. {path[3]}: text', key=True)
        return
    owner = _where(path[:-1])
    if path[-1:] == ("default",) and err.instance is None:
        problems.add(path, f"{owner}default: null is not a default; leave default out (the column then "
                           "defaults to NULL)")
        return
    if path[-1:] == ("default",) and isinstance(err.instance, dict):
        problems.add(path, f"{owner}default: write a JSON object default as {{value: {{...}}}} (a mapping default "
                           "is {fn: ...}, {sql: ...} or {value: ...})")
        return
    if path[-2:] == ("default", "sql") and v in ("type", "required"):
        problems.add(path, f"{owner}sql: " + _default_sql_form(err.instance, v))
        return
    if path[-1:] == ("references",) and isinstance(err.instance, str):
        problems.add(path, f'{owner}references "{err.instance}" must be "table.column", e.g. "{err.instance}.id"')
        return
    if path == ("format",) and not isinstance(err.instance, int):
        problems.add(path, f"format: expected a whole number, got {_describe(err.instance)}")
        return
    if path[:1] == ("enums",) and len(path) == 3 and v == "minLength":
        problems.add(path, f'enum "{path[1]}": values must not be empty strings')
        return
    if v == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        extras = [k for k in err.instance if k not in allowed] if isinstance(err.instance, dict) else []
        for extra in extras:
            if re_type_tail.match(extra):
                head = err.instance.get("type", "numeric(10") if isinstance(err.instance, dict) else "numeric(10"
                problems.add(path + (extra,), f"{where}a type with a comma inside {{...}} must be quoted, "
                                              f'e.g. type: "{head},{extra.strip()}"', key=True)
                continue
            hint = suggest(extra, allowed)
            msg = f'{where}unknown key "{extra}"' + (f' (did you mean "{hint}"?)' if hint else
                                                     f" (allowed: {', '.join(allowed)})")
            problems.add(path + (extra,), msg, key=True)
        return
    if v == "required":
        missing = err.message.split("'")[1]
        problems.add(path, f'{where}missing required key "{missing}"')
        return
    if v == "type":
        want = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        words = " or ".join(_JSON_TYPES.get(w, w) for w in want)
        problems.add(path, f"{where}expected {words}, got {_describe(err.instance)}")
        return
    if v in ("oneOf", "anyOf"):
        problems.add(path, f"{where}{_describe(err.instance)} is not a valid value here")
        return
    if v == "const" and path == ("format",):
        problems.add(path, f"format {_describe(err.instance)} is not supported: this schemactl reads format "
                           f"{err.validator_value}")
        return
    if v in ("enum", "const"):
        options = err.validator_value if v == "enum" else [err.validator_value]
        hint = suggest(str(err.instance), [str(o) for o in options]) if isinstance(err.instance, str) else None
        msg = f"{where}{_describe(err.instance)} is not one of {', '.join(_describe(o) for o in options)}"
        problems.add(path, msg + (f' (did you mean "{hint}"?)' if hint else ""))
        return
    if v == "pattern":
        if path and path[-1] == "name" and len(path) == 1:
            problems.add(path, f"name {_describe(err.instance)} must be lower case letters, digits, _ or -, "
                               "starting with a letter")
        elif path and path[-1] == "hash":
            problems.add(path, f'hash {_describe(err.instance)} is not "sha256:" + 64 hex digits; '
                               "run `schemactl hash --write`")
        else:
            problems.add(path, f"{where}{_describe(err.instance)} has the wrong form")
        return
    if v in ("minProperties", "minItems", "minLength"):
        problems.add(path, f"{where}must not be empty")
        return
    if v == "minimum":
        problems.add(path, f"{where}must be at least {err.validator_value}")
        return
    problems.add(path, f"{where}{err.message}")


# The clock with a precision: PostgreSQL rounds to it; SQLite has no such form (sqlglot writes the bare keyword).
_CLOCK_PRECISION = re.compile(r"(?i)\b(current_timestamp|current_time)\s*\(\s*(\d+)\s*\)")
# A cast to a time type with a precision (timestamp(0), timestamptz(3), time(2)): maybe of the clock
_TIME_PRECISION = re.compile(r"(?i)\btime(?:stamp)?(?:tz)?\s*\(\s*\d")


def _clock_rounded_on_postgres(raw, expr) -> tuple[str, str] | None:
    """(the PostgreSQL text, what the default's or check's warning says first) where _rounded_clock finds the clock
    rounded on PostgreSQL and not on SQLite; ``raw``: one text or {postgres:, sqlite:}."""
    pg = raw.get("postgres") if isinstance(raw, dict) else raw
    found = _rounded_clock(pg, raw.get("sqlite") if isinstance(raw, dict) else raw, expr)
    if found is None:
        return None
    clock, digits, lite, loss = found
    rounded = "whole seconds" if digits == 0 else f"{digits} fractional digit{'s' * (digits > 1)}"
    return pg, (f"{clock} is the clock rounded to {rounded} on PostgreSQL, but SQLite has no precision there: the "
                f"generated SQLite DDL writes {lite}, {loss}")


def _rounded_clock(pg, written, expr) -> tuple[str, int, str, str] | None:
    """(the clock with a precision as PostgreSQL reads it, its digits, what the generated SQLite text writes instead,
    what that is on SQLite)
    where the PostgreSQL text rounds the clock (CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP::timestamp(0)) and the text
    written for SQLite (the same portable text, or a sqlite: side alike) does too, while the SQLite text generated
    from it has no precision: SQLite has none, sqlglot writes the bare clock (or DATETIME() of it).  ``expr``: the
    built expression (its SQLite text is made only where the PostgreSQL text has a precision at all)."""
    if not isinstance(pg, str) or not isinstance(written, str):
        return None
    hit = _CLOCK_PRECISION.search(pg)
    if (hit is None and not _TIME_PRECISION.search(pg)) or _CLOCK_PRECISION.search(expr.on("sqlite") or ""):
        return None
    if hit is not None:
        if not _CLOCK_PRECISION.search(written):
            return None
        return f"{hit.group(1).upper()}({int(hit.group(2))})", int(hit.group(2)), hit.group(1).upper(), _CUT
    if not _TIME_PRECISION.search(pg) or not _TIME_PRECISION.search(written):
        return None
    from ..clockshift import rounded_clock
    try:
        found, mine = (rounded_clock(sqlexpr.parse_one(text, "postgres")) for text in (pg, written))
    except sqlexpr.ExprError:
        return None
    if found is None or mine is None:
        return None
    node, digits = found
    lite_clock = node.sql("sqlite")
    # sqlglot writes a cast to timestamp or time as DATETIME()/TIME(); one to timestamptz stays a CAST to a type
    # name SQLite gives NUMERIC affinity, which keeps the text's leading number: the year
    return node.sql("postgres"), digits, lite_clock, _YEAR if lite_clock.upper().startswith("CAST(") else _CUT


_CUT = "whole seconds cut off"
_YEAR = ("the year alone, a number (SQLite casts the text to the NUMERIC affinity of that type name: "
         "'2026-12-03 15:00:00' is 2026)")


def _default_sql_form(instance, validator: str) -> str:
    """What a default's {sql: …} needs: one text per engine (a default's SQL is never one portable text)."""
    def shown(engine: str) -> str:
        text = instance.get(engine) if isinstance(instance, dict) else instance
        return json.dumps(text, ensure_ascii=False) if isinstance(text, str) else '"…"'
    form = f"{{sql: {{postgres: {shown('postgres')}, sqlite: {shown('sqlite')}}}}}"
    if validator == "required" and isinstance(instance, dict):
        missing = " and ".join(e for e in ("postgres", "sqlite") if e not in instance)
        return f"give the {missing} text too: {form}"
    return f"a default's SQL is written for each engine, as {form}"


def _where(path: tuple) -> str:
    """Short human prefix such as 'table "users", column "id": ' or 'version: '."""
    parts = []
    p = list(path)
    if len(p) == 1:
        return f"{p[0]}: "
    if len(p) >= 2 and p[0] == "tables":
        parts.append(f'table "{p[1]}"')
        if len(p) >= 4 and p[2] == "columns":
            parts.append(f'column "{p[3]}"')
    elif len(p) >= 2 and p[0] == "enums":
        parts.append(f'enum "{p[1]}"')
    prefix = ", ".join(parts) + ": " if parts else ""
    if p[:1] == ["tables"] and len(p) in (3, 5) and isinstance(p[-1], str):
        prefix += f"{p[-1]}: "   # a table-level or column-level key such as columns: or check:
    return prefix


# ---------------------------------------------------------------- model builder

def _cols(v) -> tuple[str, ...]:
    return (v,) if isinstance(v, str) else tuple(v)


class _Builder:
    def __init__(self, data: dict, problems: Problems, filename: str, features: frozenset = frozenset()):
        self.d, self.p, self.filename = data, problems, filename
        self.declared = data.get("features", {})
        unknown = sorted(set(features) - set(self.declared))
        for name in unknown:
            hint = suggest(name, list(self.declared))
            self.p.add(("features",) if "features" in data else (), f'feature "{name}" is not declared under '
                       "features:" + (f' (did you mean "{hint}"?)' if hint else ""))
        self.enabled = frozenset(features)
        sqlite = data.get("sqlite", {})
        self.time_storage = sqlite.get("timestamptz", TIME_STORAGES[0])
        self.strict_default = sqlite.get("strict", False)
        self.enums = {name: Enum(name, tuple(vals), ("enums", name)) for name, vals in data.get("enums", {}).items()}
        self._types: dict = {}
        self._drizzle_columns: dict = {}   # a drizzle: block of scalars (its items, typed) -> its DrizzleColumn
        self._literals: dict = {}

    def _on(self, spec, path) -> bool:
        """Is this table/column/index part of the feature set being built?"""
        feature = spec.get("feature") if isinstance(spec, dict) else None
        if feature is None:
            return True
        if feature not in self.declared:
            hint = suggest(feature, list(self.declared))
            self.p.add(path + ("feature",), f'feature "{feature}" is not declared under features:'
                       + (f' (did you mean "{hint}"?)' if hint else ""))
            return False
        return feature in self.enabled

    def build(self) -> Manifest:
        for e in self.enums.values():
            self._check_enum(e)
        tables = [self._table(name, spec) for name, spec in self.d["tables"].items()
                  if self._on(spec, ("tables", name))]
        absent = tuple((name, spec["feature"]) for name, spec in self.d["tables"].items()
                       if spec.get("feature") in self.declared and spec["feature"] not in self.enabled)
        pg_schema = self.d.get("postgres", {}).get("schema")
        roles = self.d.get("postgres", {}).get("roles", [])
        for i, role in enumerate(roles):
            if role in roles[:i]:
                self.p.add(("postgres", "roles", i), f'postgres.roles: role "{role}" is listed twice')
            elif role.lower() in ROLE_KEYWORDS:
                self.p.add(("postgres", "roles", i), f'postgres.roles: "{role}" is not a role of its own but '
                           "PostgreSQL's keyword; leave it out")
        views = []
        for vname, vspec in self.d.get("views", {}).items():
            vpath = ("views", vname)
            if not self._on(vspec, vpath):
                continue
            try:
                query, reads, outputs = sqlexpr.build_query(vspec["sql"])
            except sqlexpr.ExprError as exc:
                self.p.add(vpath + ("sql",), f'view "{vname}": {exc}')
                continue
            views.append(View(vname, query, reads, outputs, vspec.get("comment"), vpath))
        triggers = [tr for tname, tspec in sorted(self.d.get("triggers", {}).items())
                    if self._on(tspec, ("triggers", tname)) for tr in [self._trigger(tname, tspec)] if tr]
        # functions in the manifest's order: a SQL function's body is checked when it is created, so the
        # functions it calls come first (import writes them in that order)
        functions = [fn for fname, fspec in self.d.get("functions", {}).items()
                     if self._on(fspec, ("functions", fname)) for fn in [self._function(fname, fspec, pg_schema)] if fn]
        sequences = [self._sequence(sname, sspec) for sname, sspec in sorted(self.d.get("sequences", {}).items())
                     if self._on(sspec, ("sequences", sname))]
        policies = [p for t in tables for p in self._policies(t.name, self.d["tables"][t.name])]
        manifest = Manifest(
            name=self.d["name"], version=self.d["version"], hash=self.d.get("hash"),
            enums=tuple(sorted(self.enums.values(), key=lambda e: e.name)),
            tables=tuple(tables), pg_schema=None if pg_schema == "public" else pg_schema, views=tuple(views),
            pg_roles=tuple(sorted(set(roles))),
            triggers=tuple(triggers), functions=tuple(functions), sequences=tuple(sequences),
            policies=tuple(policies),
            time_storage=self.time_storage, format=self.d["format"], source=self.filename,
            features=tuple(sorted(self.enabled)), declared_features=tuple(sorted(self.declared)), absent=absent,
            pragmas=tuple(self.d.get("sqlite", {}).get("pragmas", {}).items()),
            pk_not_null=self.d.get("sqlite", {}).get("primary_key_not_null", True),
            spell=tuple(sorted(("sqlite", t, v) for t, v in self.d.get("sqlite", {}).get("spell", {}).items())),
            located=self.p.located, drizzle=_drizzle_file(self.d.get("drizzle")),
        )
        return _resolve_key_references(manifest)

    def check(self, manifest: Manifest, engines=None) -> None:
        """The checks over the whole built model (``build``'s result), into the problems (``engines``: see
        rules.check)."""
        _check_drizzle(manifest, self.p)
        from . import rules
        rules.check(manifest, self.p, engines)
        if manifest.drizzle and manifest.drizzle.core and not self.p.errors:
            _check_drizzle_types(manifest, self.p)

    # -- objects beside tables
    def _trigger(self, tname: str, tspec: dict) -> Trigger | None:
        tpath = ("triggers", tname)
        try:
            body = sqlexpr.build_statements(tspec.get("do", {}))
        except sqlexpr.ExprError as exc:
            self.p.add(tpath + ("do",), f'trigger "{tname}": {exc}')
            return None
        when = None
        if "when" in tspec:
            when = self._expr(tspec["when"], tpath + ("when",), f'trigger "{tname}": when')
            if when is None:
                return None
        on = tspec["on"]
        event = " or ".join(on) if isinstance(on, list) else on
        return Trigger(tname, tspec["table"], tspec["timing"], event, body, tpath, tspec.get("function"), when,
                       tspec.get("for_each", "row"))

    def _function(self, fname: str, fspec: dict, schema: str | None) -> Function | None:
        from .. import pgfunction
        try:
            rest, language, body = pgfunction.parse(fname, fspec["postgres"], schema)
        except pgfunction.FunctionError as exc:
            self.p.add(("functions", fname, "postgres"), f'function "{fname}": {exc}')
            return None
        return Function(fname, rest, language, body, ("functions", fname))

    def _sequence(self, sname: str, spec: dict) -> Sequence:
        return Sequence(sname, spec.get("type", "bigint"), spec.get("start"), spec.get("increment", 1),
                        spec.get("min"), spec.get("max"), bool(spec.get("cycle", False)), spec.get("owned_by"),
                        ("sequences", sname))

    def _policies(self, table: str, spec: dict) -> list[Policy]:
        out = []
        for pname, pspec in sorted(spec.get("policies", {}).items()):
            path = ("tables", table, "policies", pname)
            exprs = {}
            for key in ("using", "with_check"):
                if key in pspec:
                    try:
                        exprs[key] = sqlexpr.build_pg_condition(pspec[key])
                    except sqlexpr.ExprError as exc:
                        self.p.add(path + (key,), f'table "{table}", policy "{pname}": {key}: {exc}')
            declared = self.d.get("postgres", {}).get("roles", ())
            for i, role in enumerate(pspec.get("roles", ())):
                if role in ROLE_KEYWORDS - {"public"}:
                    self.p.add(path + ("roles", i), f'table "{table}", policy "{pname}": PostgreSQL records {role} '
                               "as the role that creates the policy, so the database would not say "
                               f"{role}: name that role (declared under postgres.roles)")
                elif role != "public" and role not in declared:
                    self.p.add(path + ("roles", i), f'table "{table}", policy "{pname}": role "{role}" is not '
                               "declared; list it under postgres.roles (the roles the deployment creates), or use "
                               "public")
            out.append(Policy(pname, table, pspec.get("command", "all"), tuple(pspec.get("roles", ("public",))),
                              pspec.get("as", "permissive") == "permissive", exprs.get("using"),
                              exprs.get("with_check"), path))
        return out

    # -- enums
    def _check_enum(self, e: Enum) -> None:
        seen = set()
        for i, v in enumerate(e.values):
            if v in seen:
                self.p.add(("enums", e.name, i), f'enum "{e.name}": value "{v}" is listed twice')
            seen.add(v)
            if len(v.encode()) > 63:
                self.p.add(("enums", e.name, i), f'enum "{e.name}": value "{v[:20]}…" is longer than 63 bytes')

    # -- tables
    def _table(self, name: str, spec: dict) -> Table:
        base = ("tables", name)
        columns, pk_cols, uniques, fks, checks, column_checks = [], [], [], [], [], []
        used: set[str] = set()
        for cname, cspec in spec["columns"].items():
            cpath = base + ("columns", cname)
            if not self._on(cspec, cpath):
                continue
            if isinstance(cspec, str):
                cspec = {"type": cspec}
            col = self._column(name, cname, cspec, cpath)
            if col is None:   # its problem is reported; what refers to it is no second one
                self.p.unbuilt.add((name, cname))
                continue
            columns.append(col)
            if cspec.get("primary_key"):
                pk_cols.append(cname)
            if cspec.get("unique"):
                uniques.append(Unique(derived_name(name, cname, suffix="key"), (cname,), cpath + ("unique",)))
            if "references" in cspec:
                fks.append(self._column_fk(name, cname, cspec["references"], cpath + ("references",)))
            if "check" in cspec:
                column_checks.append((cname, cspec["check"], cpath + ("check",)))
        compared = typedconst.kinds_of(columns, {e.name: e.values for e in self.enums.values()})
        for cname, raw, kpath in column_checks:   # after the columns: a check may compare another one
            what = f'table "{name}", column "{cname}": check'
            expr = self._typed(raw, self._expr(raw, kpath, what), compared, kpath, what)
            self._check_clock(raw, expr, kpath, what)
            if expr:
                checks.append(Check(_fresh(used, derived_name(name, cname, suffix="check")), expr, kpath))
        pk = self._primary_key(name, spec, pk_cols, base)
        if pk is not None:  # key columns are NOT NULL unless the manifest says otherwise (then rules object)
            columns = [replace(c, nullable=False) if c.nullable and c.name in pk.columns and
                       "nullable" not in (spec["columns"][c.name] if isinstance(spec["columns"][c.name], dict)
                                          else {}) else c for c in columns]
        for i, u in enumerate(spec.get("unique", [])):
            upath = base + ("unique", i)
            cols = _cols(u["columns"] if isinstance(u, dict) else u)
            uname = u.get("name") if isinstance(u, dict) else None
            uniques.append(Unique(uname or derived_name(name, *cols, suffix="key"), cols, upath))
        for i, fk in enumerate(spec.get("foreign_keys", [])):
            fpath = base + ("foreign_keys", i)
            cols = _cols(fk["columns"])
            ref = fk["references"]
            ref_cols = _cols(ref.get("columns", ref.get("column", ())))   # none given: the target's primary key
            fks.append(ForeignKey(fk.get("name") or derived_name(name, *cols, suffix="fkey"), cols, ref["table"],
                                  ref_cols, fk.get("on_delete", "no action"), fk.get("on_update", "no action"), fpath,
                                  _deferrable(fk.get("deferrable"))))
        for i, ck in enumerate(spec.get("checks", [])):
            kpath = base + ("checks", i)
            raw = ck if isinstance(ck, str) else ck["expr"]
            epath = kpath + (() if isinstance(ck, str) else ("expr",))
            expr = self._typed(raw, self._expr(raw, epath, f'table "{name}": check'), compared, epath,
                               f'table "{name}": check')
            self._check_clock(raw, expr, epath, f'table "{name}": check')
            if expr:
                cname = ck.get("name") if isinstance(ck, dict) else None
                derived = derived_name(name, *(expr.columns or ("expr",)), suffix="check")
                checks.append(Check(cname or _fresh(used, derived), expr, kpath))
        indexes = [self._index(name, ix, base + ("indexes", i), compared) for i, ix in enumerate(spec.get("indexes", []))
                   if self._on(ix, base + ("indexes", i))]
        sqlite = spec.get("sqlite", {})
        search = None
        if "search" in spec:
            raw = spec["search"]
            search = Search(raw.get("name") or derived_name(name, suffix="search"), tuple(raw["columns"]),
                            base + ("search",))
        return Table(
            name=name, columns=tuple(columns), primary_key=pk, uniques=tuple(uniques), foreign_keys=tuple(fks),
            checks=tuple(checks), indexes=tuple(i for i in indexes if i),
            comment=spec.get("comment"), strict=sqlite.get("strict", self.strict_default),
            without_rowid=sqlite.get("without_rowid", False), pk_not_null=sqlite.get("primary_key_not_null"),
            renamed_from=spec.get("renamed_from"), search=search,
            path=base,
            row_level_security=spec.get("postgres", {}).get("row_level_security", False),
            force_row_level_security=spec.get("postgres", {}).get("force_row_level_security", False),
            drizzle=_drizzle_table(spec["drizzle"]) if "drizzle" in spec else None,
        )

    def _primary_key(self, table, spec, pk_cols, base):
        if "primary_key" in spec:
            if pk_cols:
                self.p.add(base + ("primary_key",), f'table "{table}": primary key given both on columns '
                                                    f'({", ".join(pk_cols)}) and as primary_key; keep one')
            raw = spec["primary_key"]
            cols = _cols(raw["columns"] if isinstance(raw, dict) else raw)
            pname = raw.get("name") if isinstance(raw, dict) else None
            return PrimaryKey(pname or derived_name(table, suffix="pkey"), cols, base + ("primary_key",))
        if pk_cols:
            path = base + ("columns", pk_cols[0], "primary_key")
            return PrimaryKey(derived_name(table, suffix="pkey"), tuple(pk_cols), path)
        return None

    def _column(self, table, cname, cspec, cpath) -> Column | None:
        try:
            text = cspec["type"]
            ref = self._types.get(text) if type(text) is str else None   # types repeat: each read once
            if ref is None:
                ref = parse_type(text, self.enums)
                if type(text) is str:
                    self._types[text] = ref
        except TypeError_ as exc:
            self.p.add(cpath + ("type",), f'table "{table}", column "{cname}": {exc}')
            return None
        default = None
        if "default" in cspec:
            default = self._default(table, cname, ref, cspec["default"], cpath + ("default",))
        pk = bool(cspec.get("primary_key"))
        nullable = cspec.get("nullable", not pk and not cspec.get("identity", False))
        overrides = tuple((e, cspec[key]) for e, key in _OWN_TYPES if key in cspec) \
            if "postgres_type" in cspec or "sqlite_type" in cspec else ()
        generated = None
        if "generated" in cspec:
            gpath = cpath + ("generated", "expr")
            expr = self._expr(cspec["generated"]["expr"], gpath, f'table "{table}", column "{cname}": generated')
            if expr is None:
                return None
            generated = Generated(expr, bool(cspec["generated"].get("stored", False)))
        return Column(cname, ref, nullable, default, bool(cspec.get("identity", False)), cspec.get("comment"),
                      cspec.get("ts_type"), overrides, cspec.get("renamed_from"), cpath, generated,
                      self._drizzle_column(cspec.get("drizzle")))

    def _drizzle_column(self, raw) -> DrizzleColumn | None:
        """_drizzle_column(raw), made once for the blocks of the same scalars (a schema's columns repeat their
        keys and modes; the value is immutable, and equal blocks make equal ones)."""
        if type(raw) is not dict:
            return _drizzle_column(raw)
        try:   # (with each value's type: true, 1 and 1.0 are one key of a dict)
            key = tuple((k, type(v), v) for k, v in raw.items())
            hit = self._drizzle_columns.get(key)
        except TypeError:   # (a list in it: made each time)
            return _drizzle_column(raw)
        if hit is None:
            hit = self._drizzle_columns[key] = _drizzle_column(raw)
        return hit

    def _default(self, table, cname, ref, raw, path) -> Default | None:
        where = f'table "{table}", column "{cname}": default'
        if isinstance(raw, dict) and "fn" in raw:
            fn = raw["fn"]
            if ref.enum or ref.row.value not in literals.FUNCTIONS[fn]:
                kinds = ", ".join(literals.FUNCTIONS[fn])
                self.p.add(path, f"{where} {{fn: {fn}}} does not fit type {ref.spelled()} (it fits: {kinds})")
                return None
            return Default("fn", fn)
        if isinstance(raw, dict) and "sql" in raw:
            expr = self._expr(raw["sql"], path + ("sql",), where)
            if expr and expr.columns:
                text = next(iter(raw["sql"].values()))
                self.p.add(path + ("sql",), f'{where}: expression "{text}" refers to column "{expr.columns[0]}"; '
                                            "a default cannot read columns")
                return None
            if expr:
                self._clock_precision(ref, raw["sql"], expr, path, where)
            return Default("sql", expr=expr) if expr else None
        if isinstance(raw, dict) and "nextval" in raw:
            if ref.enum or ref.array or ref.name not in ("smallint", "integer", "bigint"):
                self.p.add(path, f"{where} {{nextval: {raw['nextval']}}} does not fit type {ref.spelled()} "
                                 "(it fits: smallint, integer, bigint)")
                return None
            return Default("nextval", raw["nextval"])
        value = raw["value"] if isinstance(raw, dict) else raw
        members = self.enums[ref.enum].values if ref.enum else ()
        try:
            return Default("literal", self._literal(value, ref, members))
        except literals.LiteralError as exc:
            surprise = self.p.located.surprise(path) if self.p.located else None
            self.p.add(path, f"{where} does not fit type {ref.spelled()}: {surprise or exc}")
            return None

    def _clock_precision(self, ref, raw, expr, path, where) -> None:
        """A warning where the SQLite text of a default's SQL is the clock with a precision (CURRENT_TIMESTAMP(3),
        CURRENT_TIME(2)): PostgreSQL rounds the clock to it, SQLite has none (it refuses the text as written) and
        the generated DDL writes the bare keyword, whole seconds cut off, as text."""
        found = _clock_rounded_on_postgres(raw, expr)
        if found is None:
            return
        pg, said = found
        storage = ""
        if not ref.array and not ref.enum and ref.row.value == "timestamptz" and self.time_storage.startswith("integer"):
            unit = "milliseconds" if self.time_storage == "integer_ms" else "seconds"
            storage = f", stored as text in the INTEGER column of a timestamptz held as Unix {unit}"
        self.p.warn(path, f"{where}: {said}{storage}, so a row inserted with defaults holds another time on each "
                          "engine; write the "
                          f"SQLite side for its storage: {{postgres: {json.dumps(pg, ensure_ascii=False)}, sqlite: \"…\"}}")

    def _check_clock(self, raw, expr, path, what) -> None:
        """A warning where a CHECK written once for both engines (one text, or a sqlite: side alike) compares with
        the clock rounded to a precision (created_at <= CURRENT_TIMESTAMP(3)): PostgreSQL compares with the rounded
        clock, SQLite's DDL with the clock cut to whole seconds (as the default's warning says)."""
        found = _clock_rounded_on_postgres(raw, expr) if expr is not None else None
        if found is None:
            return
        pg, said = found
        self.p.warn(path, f"{what}: {said}, so the check compares with another time on each engine (a value of the current second passes on "
                          "one and is refused on the other); write the SQLite side with the clock as a SQLite CHECK "
                          "reads it, CURRENT_TIMESTAMP in whole seconds (strftime() or julianday() of 'now' are "
                          "refused there at every insert), e.g. datetime(CURRENT_TIMESTAMP, '+1 second') for the end "
                          f"of the current second: {{postgres: {json.dumps(pg, ensure_ascii=False)}, sqlite: \"…\"}}")

    def _literal(self, value, ref, members):
        """literals.check_literal, once per (value, type, members) of a plain value (defaults repeat: 0, '',
        an enum's first member); a value that is a list or mapping, or a problem, is worked out each time."""
        if type(value) not in _PLAIN:
            return literals.check_literal(value, ref, members)
        key = (type(value), repr(value), ref, members)   # repr: 0.0 and -0.0 are equal keys, not equal defaults
        hit = self._literals.get(key)
        if hit is None:
            hit = literals.check_literal(value, ref, members)
            if type(hit) in _PLAIN_RESULTS:
                self._literals[key] = hit
        return hit

    def _expr(self, raw, path, what):
        try:
            built = sqlexpr.build(raw)
        except sqlexpr.ExprError as exc:
            self.p.add(path, f"{what}: {exc}")
            return None
        if isinstance(raw, str):   # one text for both engines: a cast either carries out otherwise is said
            for why in sqlexpr.cast_differences(raw):
                self.p.warn(path, f"{what}: {why}; write {{postgres: …, sqlite: …}} where the difference matters")
            divisions = sqlexpr.untyped_divisions(raw)
            if divisions:
                built = replace(built, divisions=divisions)
        return built

    def _typed(self, raw, expr, compared: dict, path, what):
        """``expr`` of a portable text whose SQLite form holds the constants it compares with ``compared``
        columns as SQLite stores their values, and an enum's order as the members it admits
        (schemactl.typedconst); an engine's own text is its own."""
        if expr is None or not isinstance(raw, str) or not compared or not _CONSTANT.search(raw):
            return expr
        used = {c.lower() for c in expr.columns}
        kinds = tuple((c, k) for c, k in compared.items() if c.lower() in used)
        if not kinds or not _may_change(raw, kinds):
            return expr
        sqlite, problem = _sqlite_typed(raw, kinds, self.time_storage)
        if problem:
            self.p.add(path, f"{what}: {problem}")
            return None
        return expr if sqlite is None else replace(expr, sql=tuple((e, sqlite if e == "sqlite" else sql)
                                                                   for e, sql in expr.sql))

    def _column_fk(self, table, cname, raw, path) -> ForeignKey:
        if isinstance(raw, str):
            ref_table, ref_col = raw.split(".", 1)
            raw = {"table": ref_table, "column": ref_col}
        return ForeignKey(raw.get("name") or derived_name(table, cname, suffix="fkey"), (cname,), raw["table"],
                          (raw["column"],) if "column" in raw else (), raw.get("on_delete", "no action"),
                          raw.get("on_update", "no action"), path, _deferrable(raw.get("deferrable")))

    def _index(self, table, spec, path, compared: dict) -> Index | None:
        cols = []
        for i, c in enumerate(spec["columns"]):
            if isinstance(c, str):
                cols.append(IndexColumn(c))
                continue
            desc = c.get("order", "asc") == "desc"
            # NULLS FIRST/LAST as PostgreSQL orders by default (last ascending, first descending) is no option
            nulls = c.get("nulls") if c.get("nulls") != ("first" if desc else "last") else None
            if "expr" in c:
                expr = self._expr(c["expr"], path + ("columns", i, "expr"), f'table "{table}": index expression')
                if expr is None:
                    return None
                cols.append(IndexColumn("", desc, expr, nulls, c.get("opclass")))
            else:
                cols.append(IndexColumn(c["column"], desc, None, nulls, c.get("opclass")))
        where = None
        if "where" in spec:
            what = f'table "{table}": index where'
            where = self._typed(spec["where"], self._expr(spec["where"], path + ("where",), what), compared,
                                path + ("where",), what)
            if where is None:
                return None
            if isinstance(spec["where"], dict) and len(spec["where"]) != 2:
                self.p.add(path + ("where",), f'table "{table}": index where: give the predicate for both '
                                              "postgres and sqlite (or one portable text)")
                return None
        unique = bool(spec.get("unique", False))
        words = [c.name or "_".join(c.expr.columns or ("expr",)) for c in cols]
        name = spec.get("name") or derived_name(table, *words, suffix="key" if unique else "idx")
        engines = tuple(e for e in ENGINES if e in spec.get("engines", ENGINES))
        return Index(name, tuple(cols), unique, where, spec.get("method", "btree"), engines, path)


# (engine, the column key of its own type), in ENGINES' order
_OWN_TYPES = tuple((e, f"{e}_type") for e in ENGINES)


def _deferrable(raw) -> str | None:
    """deferrable: true / immediate -> "immediate", deferred -> "deferred", false / absent -> None."""
    if raw is True:
        return "immediate"
    return raw or None


def _resolve_key_references(m: Manifest) -> Manifest:
    """A foreign key that names no target columns references the target's primary key (as in SQL)."""
    pks = {t.name: t.primary_key.columns for t in m.tables if t.primary_key}
    tables = []
    for t in m.tables:
        if all(f.ref_columns for f in t.foreign_keys):
            tables.append(t)   # (the common table: kept as it is, not copied)
            continue
        fks = tuple(replace(f, ref_columns=pks.get(f.ref_table, f.columns)) if not f.ref_columns else f
                    for f in t.foreign_keys)
        tables.append(replace(t, foreign_keys=fks))
    return replace(m, tables=tuple(tables))


# Default values checked once per builder (their type and repr in the key: 1, 1.0 and true, or 0.0 and -0.0,
# are equal keys)
_PLAIN = frozenset({str, int, float, bool})
_PLAIN_RESULTS = frozenset({str, int, float, bool, Decimal})

# What may be a constant compared with a column (a string, or a number: typedconst refuses one against text)
_CONSTANT = re.compile(r"'|\d")


# A manifest repeats its checks and predicates table after table: each (text, compared kinds) judged once
_may_change = functools.lru_cache(maxsize=4096)(typedconst.may_change)


@functools.lru_cache(maxsize=4096)
def _sqlite_typed(raw: str, kinds: tuple, storage: str) -> tuple[str | None, str | None]:
    """(the SQLite form of a portable text whose compared constants typedconst writes as stored, or None when
    it writes none; why it cannot, or None).  A manifest repeats its checks table after table: read once."""
    from .. import typedconst
    try:   # (sqlexpr.ExprError is a ValueError)
        tree, changed = typedconst.stored(sqlexpr.parse_one(raw, None), dict(kinds), storage)
        return (sqlexpr.render(tree, "sqlite", portable=True) if changed else None), None
    except ValueError as exc:
        return None, str(exc)


def _fresh(used: set, name: str) -> str:
    """A derived check name not yet used in this table (``_2``, ``_3`` … appended)."""
    out, n = name, 1
    while out in used:
        n += 1
        out = derived_name(name.removesuffix("_check"), str(n), suffix="check")
    used.add(out)
    return out


# -- the drizzle: blocks (TypeScript only: they never reach the DDL nor the hash)
def _drizzle_imports(raw) -> tuple[DrizzleImport, ...]:
    return tuple(DrizzleImport(i["from"], i["name"], i.get("as", i["name"]), bool(i.get("type_only", False)))
                 for i in raw or ())


def _drizzle_column(raw) -> DrizzleColumn | None:
    if raw is None:
        return None
    return DrizzleColumn(raw.get("key"), raw.get("mode"), tuple(raw.get("enum", ())), raw.get("type"),
                         raw.get("default_fn"), raw.get("on_update"), raw.get("custom"), raw.get("config"),
                         _drizzle_imports(raw.get("imports")), raw.get("identity"), raw.get("identity_options"),
                         raw.get("default_now"), raw.get("default_sql"))


def _drizzle_file(raw) -> DrizzleFile | None:
    if raw is None:
        return None
    return DrizzleFile(
        raw.get("core"), tuple((k, v["prefix"], v["suffix"]) for k, v in sorted(raw.get("creators", {}).items())),
        tuple((k, v["declaration"], _drizzle_imports(v.get("imports")))
              for k, v in sorted(raw.get("custom_types", {}).items())),
        tuple(sorted(raw.get("enums", {}).items())), raw.get("schema"),
        tuple((k, v.get("params", ""), v["type"], _drizzle_imports(v.get("imports")))
              for k, v in raw.get("types", {}).items()))


def _drizzle_table(raw) -> DrizzleTable:
    rels = None
    if "relations" in raw:
        rels = tuple((r["export"], tuple(
            DrizzleRelation(name, "one" if "one" in e else "many", e.get("one", e.get("many", "")),
                            tuple(e.get("fields", ())), tuple(e.get("references", ())), e.get("relation_name"))
            for name, e in r["with"].items())) for r in raw["relations"])
    return DrizzleTable(raw.get("export"), raw.get("creator"), rels, tuple((raw.get("checks") or {}).items()),
                        tuple(sorted((raw.get("index_where") or {}).items())),
                        tuple((k, tuple(v)) for k, v in sorted((raw.get("index_exprs") or {}).items())),
                        tuple(raw.get("index_order") or ()))


def _check_drizzle_types(m: Manifest, p: Problems) -> None:
    """A column of the team's file that the other Drizzle file cannot select as the team's does (a custom type
    or mode no conversion of schemactl.render.drizzle maps that engine's stored value to): a warning, as
    types.ts can only give it the union of both, and code inserting a New<Table> through both files would not
    compile (import keeps the column: its DDL is the manifest's all the same)."""
    from ..render.drizzle import TS_RULES, DrizzleRenderer
    for engine in TS_RULES:
        if engine != m.drizzle.core:
            for t, c, problem in DrizzleRenderer(m, engine).problems():
                p.warn(c.path + ("drizzle",), f'table "{t.name}", column "{c.name}": {problem}')


def _check_drizzle(m: Manifest, p: Problems) -> None:
    """A drizzle: block names only what the manifest declares (creators, custom types, tables, columns)."""
    creators = {c[0] for c in m.drizzle.creators} if m.drizzle else set()
    customs = {c[0] for c in m.drizzle.custom_types} if m.drizzle else set()
    for t in m.tables:
        dz = t.drizzle
        if dz and dz.creator and dz.creator not in creators:
            p.add(t.path + ("drizzle", "creator"), f'table "{t.name}": drizzle creator "{dz.creator}" is not declared '
                                                   "under the top-level drizzle: creators:")
        for c in t.columns:
            if c.drizzle and c.drizzle.custom and c.drizzle.custom not in customs:
                p.add(c.path + ("drizzle", "custom"), f'table "{t.name}", column "{c.name}": drizzle custom type '
                                                      f'"{c.drizzle.custom}" is not declared under drizzle: custom_types:')
        for i, (_, rels) in enumerate(dz.relations or () if dz else ()):
            for r in rels:
                target = m.table(r.target)
                where = t.path + ("drizzle", "relations", i, "with", r.name)
                if target is None:   # a warning: the relation is left out of the Drizzle files, nothing else
                    p.warn(where, f'table "{t.name}": relation "{r.name}" leads to "{r.target}", which is no table: '
                                  "left out of the Drizzle files")
                elif len(r.fields) != len(r.references) or any(t.column(c) is None for c in r.fields) or any(
                        target.column(c) is None for c in r.references):
                    p.warn(where, f'table "{t.name}": relation "{r.name}": fields must be columns of "{t.name}" and '
                                  f'references as many columns of "{r.target}": left out of the Drizzle files')
