"""Rendering a manifest into its generated files."""

from __future__ import annotations

import functools
from importlib import resources

import jinja2

from ..manifest.hashing import schema_hash
from ..manifest.model import Manifest
from .ddl import RULES, Renderer

# Generated file name -> (template, engine).  Later outputs add rows here.
OUTPUTS = {
    "postgres.sql": ("ddl.sql.j2", "postgres"),
    "sqlite.sql": ("ddl.sql.j2", "sqlite"),
}


@functools.cache
def _env() -> jinja2.Environment:
    def load(name: str):
        text = resources.files("schemactl.templates").joinpath(name).read_text("utf-8")
        return text, name, lambda: True

    return jinja2.Environment(loader=jinja2.FunctionLoader(load), keep_trailing_newline=True, trim_blocks=True,
                              lstrip_blocks=True, autoescape=False, undefined=jinja2.StrictUndefined)


def ddl(manifest: Manifest, engine: str, digest: str | None = None) -> str:
    """The complete DDL file for one engine."""
    template, _ = OUTPUTS[f"{engine}.sql"]
    return _env().get_template(template).render(
        title=RULES[engine].title, name=manifest.name, version=manifest.version,
        source=manifest.source, hash=digest or schema_hash(manifest),
        blocks=Renderer(manifest, engine).blocks(),
    )


def outputs(manifest: Manifest) -> dict[str, str]:
    """File name (relative to generated/<name>/) -> content."""
    digest = schema_hash(manifest)
    return {fname: ddl(manifest, engine, digest) for fname, (_, engine) in OUTPUTS.items()}
