"""Start-up runtimes for services in other languages, rendered from the embedded bundle.

Each row: a file written under generated/<schema>/ (once a migration chain exists) and the jinja2
template that renders it from the bundle data (docs/runtime-protocol.md).  A new language is a new
template and new rows here; the templates receive ``bundle`` (the dict of bundle.json), ``queries``
(PostgreSQL catalog queries by name, with ``$1`` for the schema) and ``name`` (the schema's name).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

# generated file (relative to generated/<schema>/) -> template under templates/runtime/
RUNTIME_FILES: dict[str, str] = {
    "runtime.ts": "runtime.ts.j2",
    "rust/Cargo.toml": "rust/Cargo.toml.j2",
    "rust/src/lib.rs": "rust/lib.rs.j2",
}

CATALOG_QUERIES = ("tables", "columns", "constraints", "indexes")


@functools.cache
def catalog_queries() -> dict[str, str]:
    """The PostgreSQL catalog queries deep verify runs, with the schema as the first positional parameter
    (``$1``; psycopg's ``%%`` escape becomes the plain ``%`` those drivers send as is)."""
    base = resources.files("schemactl.introspect").joinpath("queries")
    return {name: base.joinpath(f"{name}.sql").read_text("utf-8").replace("%(schema)s", "$1").replace("%%", "%")
            for name in CATALOG_QUERIES}


def runtime_files(out_dir: Path, bundle: dict) -> dict[Path, str]:
    from . import _env
    context = dict(bundle=bundle, queries=catalog_queries(), name=bundle["schema"])
    from .rust import rust_values
    context["rust"] = rust_values(bundle, context["queries"])
    return {out_dir / fname: _env().get_template(f"runtime/{template}").render(**context)
            for fname, template in RUNTIME_FILES.items()}
