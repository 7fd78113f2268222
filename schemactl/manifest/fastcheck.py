"""A fast yes/no check of a document against the manifest JSON Schema.

``jsonschema`` explains failures well but spends most of its time building a
validator per sub-schema; for large manifests that dominated ``generate``.
This module compiles the same schema.json into Python source for the subset
of keywords it uses and answers only "valid or not".  It is deliberately
conservative: whatever it accepts, jsonschema accepts too (a test holds the two
together); when it says no, the loader runs jsonschema for the located
messages, and jsonschema's verdict is the one that counts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import re
import types
from pathlib import Path
from typing import Callable

Check = Callable[[object], bool]

_IGNORED = {"$schema", "$id", "title", "description", "default"}


class Unsupported(ValueError):
    """The schema uses a keyword this checker does not know."""


def compile_schema(schema: dict, cache: Path | None = None) -> Check:
    """One Python function per sub-schema, written out as source and compiled once: a plain chain of
    ``if ...: return False`` per keyword (closures calling closures through all()/any() spent most of
    their time in the calls).  ``cache``: a directory keeping the compiled code between runs."""
    out = _Writer()
    top = out.function(schema)
    namespace = dict(out.consts)
    exec(_compiled("\n".join(out.lines), cache), namespace)
    return namespace[top]


_FILENAME = "<schemactl manifest schema>"


def _compiled(source: str, cache: Path | None) -> types.CodeType:
    """``source`` compiled, kept in ``cache`` (marshal, named by a digest of the source and of the bytecode's
    version): compiling the 1,700 lines took 12-18 ms of every run, loading them takes under one.
    A file that cannot be read or written: compiled anew, nothing else changes."""
    if cache is None:
        return compile(source, _FILENAME, "exec")
    digest = hashlib.sha256(importlib.util.MAGIC_NUMBER + source.encode("utf-8")).hexdigest()[:32]
    path = cache / f"schema-{digest}.marshal"
    try:
        code = marshal.loads(path.read_bytes())
        if isinstance(code, types.CodeType):
            return code
    except (OSError, ValueError, EOFError, TypeError):
        pass
    code = compile(source, _FILENAME, "exec")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for old in cache.glob("schema-*.marshal"):   # another schema's or Python's: never read again
            old.unlink(missing_ok=True)
        import tempfile
        fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(marshal.dumps(code))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass
    return code


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.consts: dict[str, object] = {"_unique": _unique, "_in_enum": _in_enum}
        self.count = 0

    def const(self, value) -> str:
        name = f"_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def function(self, schema: dict) -> str:
        """The name of a function checking ``schema`` (its source appended to self.lines)."""
        self.count += 1
        name = f"_f{self.count}"
        body: list[str] = []
        for key, value in schema.items():
            if key in _IGNORED:
                continue
            maker = _KEYWORDS.get(key)
            if maker is None:
                raise Unsupported(key)
            body += maker(self, value, schema)
        self.lines += [f"def {name}(v):", *("    " + line for line in body), "    return True", ""]
        return name


_TYPE_TESTS = {
    "string": "type(v) is str or isinstance(v, str)",
    # JSON Schema's integer is a number whose fraction is zero: 1.0 is one (YAML's 1.0 loads as a float)
    "integer": "(isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer())",
    "number": "isinstance(v, (int, float)) and not isinstance(v, bool)",
    "boolean": "isinstance(v, bool)",
    "object": "isinstance(v, dict)",
    "array": "isinstance(v, list)",
    "null": "v is None",
}


def _type(w: _Writer, value, schema) -> list[str]:
    names = value if isinstance(value, list) else [value]
    return [f"if not ({' or '.join(f'({_TYPE_TESTS[n]})' for n in names)}): return False"]


def _properties(w: _Writer, value, schema) -> list[str]:
    props = {k: w.function(s) for k, s in value.items()}
    extra = schema.get("additionalProperties", True)
    if extra is True:
        extra_name = "None"
    elif extra is False:
        extra_name = w.const(lambda item: False)
    else:
        extra_name = w.function(extra)
    table = w.const(None)
    w.lines.append(f"{table} = {{{', '.join(f'{k!r}: {f}' for k, f in props.items())}}}")
    lines = ["if isinstance(v, dict):",
             "    for k, item in v.items():",
             f"        c = {table}.get(k, {extra_name})" if extra_name != "None" else f"        c = {table}.get(k)",
             "        if c is not None and not c(item): return False"]
    return lines


def _additional(w: _Writer, value, schema) -> list[str]:
    if "properties" in schema:
        return []  # handled together with properties
    return _properties(w, {}, schema)


def _required(w: _Writer, value, schema) -> list[str]:
    keys = w.const(tuple(value))
    return [f"if isinstance(v, dict) and not all(k in v for k in {keys}): return False"]


def _any_of(w: _Writer, value, schema) -> list[str]:
    branches = [w.function(s) for s in value]
    return [f"if not ({' or '.join(f'{b}(v)' for b in branches)}): return False"]


def _one_of(w: _Writer, value, schema) -> list[str]:
    branches = [w.function(s) for s in value]
    return [f"if ({' + '.join(f'bool({b}(v))' for b in branches)}) != 1: return False"]


def _unique(v) -> bool:
    import json
    return not isinstance(v, list) or len({json.dumps(x, sort_keys=True) for x in v}) == len(v)


def _unique_items(w: _Writer, value, schema) -> list[str]:
    return ["if not _unique(v): return False"] if value else []


def _in_enum(v, allowed) -> bool:
    return any(v == a and type(v) is type(a) for a in allowed)


def _enum(w: _Writer, value, schema) -> list[str]:
    allowed = list(value)
    if allowed and all(type(a) is str for a in allowed):
        return [f"if not (type(v) is str and v in {w.const(frozenset(allowed))}): return False"]
    return [f"if not _in_enum(v, {w.const(allowed)}): return False"]


def _const(w: _Writer, value, schema) -> list[str]:
    c = w.const(value)
    return [f"if not (v == {c} and type(v) is type({c})): return False"]


def _pattern(w: _Writer, value, schema) -> list[str]:
    return [f"if isinstance(v, str) and {w.const(re.compile(value))}.search(v) is None: return False"]


def _min_length(w: _Writer, value, schema) -> list[str]:
    return [f"if isinstance(v, str) and len(v) < {int(value)}: return False"]


def _min_items(w: _Writer, value, schema) -> list[str]:
    return [f"if isinstance(v, list) and len(v) < {int(value)}: return False"]


def _min_properties(w: _Writer, value, schema) -> list[str]:
    return [f"if isinstance(v, dict) and len(v) < {int(value)}: return False"]


def _minimum(w: _Writer, value, schema) -> list[str]:
    return [f"if not isinstance(v, bool) and isinstance(v, (int, float)) and not v >= {w.const(value)}: "
            "return False"]


def _property_names(w: _Writer, value, schema) -> list[str]:
    f = w.function(value)
    return [f"if isinstance(v, dict) and not all({f}(k) for k in v): return False"]


def _items(w: _Writer, value, schema) -> list[str]:
    f = w.function(value)
    return ["if isinstance(v, list):", "    for x in v:", f"        if not {f}(x): return False"]


_KEYWORDS = {
    "type": _type, "properties": _properties, "additionalProperties": _additional, "required": _required,
    "anyOf": _any_of, "enum": _enum, "const": _const, "pattern": _pattern, "minLength": _min_length,
    "minItems": _min_items, "minProperties": _min_properties, "minimum": _minimum, "items": _items,
    "propertyNames": _property_names, "oneOf": _one_of, "uniqueItems": _unique_items,
}
