"""Reading a live database's catalog into schemactl's engine-neutral Catalog."""

from __future__ import annotations

import importlib

from ..catalog import Catalog

# engine name -> module with introspect(conn, schema) -> Catalog
MODULES = {"postgres": "schemactl.introspect.postgres", "sqlite": "schemactl.introspect.sqlite"}


def introspect(conn, engine: str, schema: str | None = None) -> Catalog:
    return importlib.import_module(MODULES[engine]).introspect(conn, schema)
