"""A fast yes/no check of a document against the manifest JSON Schema.

``jsonschema`` explains failures well but spends most of its time building a
validator per sub-schema; for large manifests that dominated ``generate``.
This module compiles the same schema.json into plain closures for the subset
of keywords it uses and answers only "valid or not".  It is deliberately
conservative: whatever it accepts, jsonschema accepts too (a test holds the two
together); when it says no, the loader runs jsonschema for the located
messages, and jsonschema's verdict is the one that counts.
"""

from __future__ import annotations

import re
from typing import Callable

Check = Callable[[object], bool]

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
_IGNORED = {"$schema", "$id", "title", "description", "default"}


class Unsupported(ValueError):
    """The schema uses a keyword this checker does not know."""


def compile_schema(schema: dict) -> Check:
    checks: list[Check] = []
    for key, value in schema.items():
        if key in _IGNORED:
            continue
        maker = _KEYWORDS.get(key)
        if maker is None:
            raise Unsupported(key)
        made = maker(value, schema)
        if made is not None:
            checks.append(made)
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(c(v) for c in checks)


def _type(value, schema):
    names = value if isinstance(value, list) else [value]
    tests = [_TYPES[n] for n in names]
    return lambda v: any(t(v) for t in tests)


def _properties(value, schema):
    props = {k: compile_schema(s) for k, s in value.items()}
    extra = schema.get("additionalProperties", True)
    extra_check = None if extra is True else (lambda v: False) if extra is False else compile_schema(extra)

    def check(v):
        if not isinstance(v, dict):
            return True
        for k, item in v.items():
            c = props.get(k, extra_check)
            if c is not None and not c(item):
                return False
        return True
    return check


def _additional(value, schema):
    if "properties" in schema:
        return None  # handled together with properties
    return _properties({}, schema)


def _required(value, schema):
    return lambda v: not isinstance(v, dict) or all(k in v for k in value)


def _any_of(value, schema):
    branches = [compile_schema(s) for s in value]
    return lambda v: any(b(v) for b in branches)


def _one_of(value, schema):
    branches = [compile_schema(s) for s in value]
    return lambda v: sum(1 for b in branches if b(v)) == 1


def _unique_items(value, schema):
    import json
    if not value:
        return None
    return lambda v: not isinstance(v, list) or len({json.dumps(x, sort_keys=True) for x in v}) == len(v)


def _enum(value, schema):
    allowed = list(value)
    return lambda v: any(v == a and type(v) is type(a) for a in allowed)


def _const(value, schema):
    return lambda v: v == value and type(v) is type(value)


def _pattern(value, schema):
    rx = re.compile(value)
    return lambda v: not isinstance(v, str) or rx.search(v) is not None


def _min_length(value, schema):
    return lambda v: not isinstance(v, str) or len(v) >= value


def _min_items(value, schema):
    return lambda v: not isinstance(v, list) or len(v) >= value


def _min_properties(value, schema):
    return lambda v: not isinstance(v, dict) or len(v) >= value


def _minimum(value, schema):
    return lambda v: isinstance(v, bool) or not isinstance(v, (int, float)) or v >= value


def _property_names(value, schema):
    names = compile_schema(value)
    return lambda v: not isinstance(v, dict) or all(names(k) for k in v)


def _items(value, schema):
    item = compile_schema(value)
    return lambda v: not isinstance(v, list) or all(item(x) for x in v)


_KEYWORDS = {
    "type": _type, "properties": _properties, "additionalProperties": _additional, "required": _required,
    "anyOf": _any_of, "enum": _enum, "const": _const, "pattern": _pattern, "minLength": _min_length,
    "minItems": _min_items, "minProperties": _min_properties, "minimum": _minimum, "items": _items,
    "propertyNames": _property_names, "oneOf": _one_of, "uniqueItems": _unique_items,
}
