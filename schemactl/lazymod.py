"""A module imported on first use, for the heavy dependencies (sqlglot, jsonschema, jinja2).

``sqlglot = lazy("sqlglot", globals(), "sqlglot")`` binds a stand-in; the first attribute read imports
the real module and puts it in the owner's globals in the stand-in's place, so every later use is a
plain global lookup.  A command that never touches the module never pays for its import.
"""

from __future__ import annotations

import importlib


class _Lazy:
    __slots__ = ("_name", "_namespace", "_alias")

    def __init__(self, name: str, namespace: dict, alias: str):
        self._name, self._namespace, self._alias = name, namespace, alias

    def __getattr__(self, attr: str):
        module = importlib.import_module(self._name)
        self._namespace[self._alias] = module
        return getattr(module, attr)


def lazy(name: str, namespace: dict, alias: str):
    return _Lazy(name, namespace, alias)
