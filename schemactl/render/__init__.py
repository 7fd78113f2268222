"""Rendering a manifest into its generated files."""

from __future__ import annotations

import functools
from dataclasses import replace
from importlib import resources

from ..errors import ManifestInvalid
from ..lazymod import lazy
from ..manifest.model import Manifest
from ..naming import comment_text, quote
from .ddl import RULES, Renderer

# jinja2 and the Drizzle and diagram builders are loaded when a file is rendered: a command that only needs
# render.ddl's Renderer (copy, parity's expectations, migrations) does not pay for them at start.
jinja2 = lazy("jinja2", globals(), "jinja2")


def drizzle_context(manifest: Manifest, engine: str, digest: str) -> dict:
    from .drizzle import drizzle_context
    return drizzle_context(manifest, engine, digest)


def types_context(manifest: Manifest, engine: str, digest: str) -> dict:
    from .drizzle import types_context
    return types_context(manifest, engine, digest)


def erd_context(manifest: Manifest, engine: str | None, digest: str) -> dict:
    from .erd import erd_context
    return erd_context(manifest, engine, digest)


# Generated file name -> (template, engine, context builder).  New outputs are new rows.
def _ddl_context(manifest: Manifest, engine: str, digest: str) -> dict:
    roles = engine == "postgres" and manifest.pg_roles and comment_text(", ".join(quote(r) for r in manifest.pg_roles))
    return dict(title=RULES[engine].title, name=manifest.name, version=manifest.version, source=manifest.source,
                hash=digest, blocks=Renderer(manifest, engine).blocks(), features=manifest.features, roles=roles)


def _connection_context(manifest: Manifest, engine: str, digest: str) -> dict:
    return dict(name=manifest.name, source=manifest.source, hash=digest, features=manifest.features,
                statements=[pragma_sql(k, v) for k, v in manifest.pragmas])


def pragma_sql(name: str, value) -> str:
    """PRAGMA statement for a connection setting (names and values are validated words or numbers)."""
    if isinstance(value, bool):
        value = "ON" if value else "OFF"
    return f"PRAGMA {name} = {value};"


OUTPUTS = {
    "postgres.sql": ("ddl.sql.j2", "postgres", _ddl_context),
    "sqlite.sql": ("ddl.sql.j2", "sqlite", _ddl_context),
    "schema.pg.ts": ("schema.ts.j2", "postgres", drizzle_context),
    "schema.sqlite.ts": ("schema.ts.j2", "sqlite", drizzle_context),
    "types.ts": ("types.ts.j2", "postgres", types_context),   # engine-neutral row types for both Drizzle files
    "connection.sqlite.sql": ("connection.sql.j2", "sqlite", _connection_context),   # when pragmas are declared
    "schema.md": ("erd.md.j2", None, erd_context),   # Mermaid ER diagram; renders on code hosts
}


@functools.cache
def _template_cache_class() -> type:
    """The cache class, made when first needed (its base class is jinja2's)."""
    class _TemplateCache(jinja2.BytecodeCache):
        """Compiled templates kept in the user's cache directory (``$XDG_CACHE_HOME/schemactl/templates``),
        keyed by jinja2 on the template's name and source text: compiling the templates took a tenth of
        a second in every run.  Unreadable or unwritable: compiled anew, nothing else changes;
        SCHEMACTL_NO_CACHE=1 turns it off."""

        def __init__(self, directory: str):
            self.directory = directory

        def _path(self, bucket) -> str:
            import os
            return os.path.join(self.directory, f"{bucket.key}-{jinja2.__version__}.cache")

        def load_bytecode(self, bucket) -> None:
            try:
                with open(self._path(bucket), "rb") as f:
                    bucket.load_bytecode(f)
            except (OSError, ValueError, EOFError):
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            import os
            import tempfile
            try:
                os.makedirs(self.directory, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
                try:
                    with os.fdopen(fd, "wb") as f:
                        bucket.write_bytecode(f)
                    os.replace(tmp, self._path(bucket))
                except BaseException:
                    os.unlink(tmp)
                    raise
            except OSError:
                pass
    return _TemplateCache


def _bytecode_cache():
    from ..usercache import cache
    directory = cache("templates")
    return None if directory is None else _template_cache_class()(str(directory))


@functools.cache
def _env():
    def load(name: str):
        text = resources.files("schemactl.templates").joinpath(name).read_text("utf-8")
        return text, name, lambda: True

    return jinja2.Environment(loader=jinja2.FunctionLoader(load), keep_trailing_newline=True, trim_blocks=True,
                              lstrip_blocks=True, autoescape=False, undefined=jinja2.StrictUndefined,
                              bytecode_cache=_bytecode_cache())


def render_file(manifest: Manifest, fname: str, digest: str | None = None) -> str:
    from ..manifest.hashing import schema_hash
    template, engine, context = OUTPUTS[fname]
    values = context(manifest, engine, digest or schema_hash(manifest))
    if "source" in values:   # the manifest's path is the user's text: it never leaves its comment line
        values["source"] = comment_text(values["source"])
    return _env().get_template(template).render(**values)


def ddl(manifest: Manifest, engine: str, digest: str | None = None) -> str:
    """The complete DDL file for one engine."""
    return render_file(manifest, f"{engine}.sql", digest)


# Rendering a large manifest's files takes most of a second; on a machine with a second core, a forked
# process renders about half of them (by weight: roughly their share of the time, measured).
# (Milliseconds for 1,000 tables, measured.)
# (The two Drizzle files together: the second one reuses the first one's relations.)
_WEIGHT = {"schema.pg.ts": 43, "schema.sqlite.ts": 34, "types.ts": 19, "postgres.sql": 20, "sqlite.sql": 17,
           "schema.md": 10, "connection.sqlite.sql": 1}
PARALLEL_FROM_TABLES = 150   # below this, a fork costs more than it saves
# Files rendered by the same process: the two Drizzle files share their relations (relation_specs, made once
# per model) and the caches of names and keys
_TOGETHER = (("schema.pg.ts", "schema.sqlite.ts"),)


_CHECKS_WEIGHT = 86   # a model's pending checks, its shape's (19 ms) with the rest (manifest.load's defer_checks)
_SHAPE_WEIGHT = 19    # of which the shape's, where a forked copy checked it while the model was built
_HASH_WEIGHT = 47     # the schema hash


def outputs(manifest: Manifest) -> dict[str, str]:
    """File name (relative to generated/<name>/) -> content, in OUTPUTS order.  A model that still owes its
    checks (``pending``) has them run here, while a forked process renders (ManifestInvalid when they find an
    error: nothing is returned)."""
    pending = manifest.pending
    if pending is not None:
        manifest = replace(manifest, pending=None)
    try:
        return _outputs(manifest, pending)
    except ManifestInvalid:
        raise
    except Exception:
        if pending is not None:
            pending()   # a model the checks refuse: their problems, not what rendering it ran into
        raise


def prepare() -> None:
    """What rendering any manifest needs first (the renderers' modules, jinja2 and every template): loaded
    once, before a fork, not in both processes; generate has it done while a large manifest is read."""
    from . import drizzle, erd  # noqa: F401
    for template in dict.fromkeys(template for template, _, _ in OUTPUTS.values()):
        _env().get_template(template)



def _outputs(manifest: Manifest, pending) -> dict[str, str]:
    from ..manifest.hashing import remember, schema_hash
    names = [fname for fname in OUTPUTS if fname != "connection.sqlite.sql" or manifest.pragmas]
    if len(manifest.tables) >= PARALLEL_FROM_TABLES:
        prepare()
        from .parallel import Handoff, render_shared
        # the forked process hashes the model first and hands the digest over
        digest = Handoff(lambda: schema_hash(manifest))
        done = render_shared(names, lambda fname: render_file(manifest, fname, digest()), _WEIGHT,
                             meanwhile=pending, meanwhile_weight=_CHECKS_WEIGHT - (
                                 _SHAPE_WEIGHT if getattr(pending, "shape_ahead", False) else 0),
                             handoff=digest, handoff_weight=_HASH_WEIGHT, together=_TOGETHER)
        remember(manifest, digest())   # for the hash: line and the staleness stamps
    else:
        digest = schema_hash(manifest)
        if pending is not None:
            pending()
        done = {fname: render_file(manifest, fname, digest) for fname in names}
    return {fname: done[fname] for fname in names}
