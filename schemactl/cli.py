"""Command line: parse arguments, call one function, turn the result into an exit code.

Exit codes: 0 clean, 1 differences or drift found, 2 bad input, usage or an unusable
database/file/archive, 3 internal error.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import contextlib
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .errors import ManifestInvalid, SchemactlError, classify_failure
from .output import atomic_write_all
from .report import REPORTERS, emit
from .engines.providers import CHOICES
from .console import CASING_CHOICES
from .project import _no_chain, chain_version, find_project, load_all, load_feature_sets, planned_files, staleness

EXIT_OK, EXIT_DRIFT, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _deferred(module: str, name: str):
    """A function imported on first call: loading manifests pulls in YAML, jsonschema and sqlglot,
    which `check`'s fast path, `--help` and the database commands' start-up never need."""
    def call(*args, **kwargs):
        import importlib
        return getattr(importlib.import_module(module, __package__), name)(*args, **kwargs)
    call.__name__ = name
    return call


schema_hash = _deferred(".manifest.hashing", "schema_hash")
hashed_text = _deferred(".manifest.hashing", "hashed_text")
write_hash = _deferred(".manifest.hashing", "write_hash")
json_schema = _deferred(".manifest.load", "json_schema")


class _Group(click.Group):
    """Turns every failure into one line on stderr and an exit code, never a traceback.

    1 stays reserved for findings (drift, differences): user errors, unusable databases and
    files exit 2; anything unexpected is an internal error, exit 3, with the traceback only
    under --debug (or SCHEMACTL_DEBUG=1).
    """

    def invoke(self, ctx):
        # A short-lived process that allocates many long-lived objects: the cycle collector
        # only costs time here (about a quarter of `generate` on large manifests).
        gc.disable()
        given = [*getattr(ctx, "_protected_args", ()), *ctx.args]   # the command's own arguments (click clears them)
        try:
            return super().invoke(ctx)
        except ManifestInvalid as exc:
            for d in exc.diagnostics:
                click.echo(str(d), err=True)
            n = sum(d.severity == "error" for d in exc.diagnostics)   # a warning printed beside them is none
            click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was written", err=True)
            ctx.exit(EXIT_INPUT)
        except SchemactlError as exc:
            _interrupted(ctx, _interruption(exc.__context__))   # an error made of what an interruption left
            click.echo(_without_secrets(given, f"error: {exc}"), err=True)
            ctx.exit(exc.exit_code)
        except click.ClickException as exc:   # a usage error may quote a value: a URL given to another option
            exc.message = _without_secrets(given, exc.message)
            raise
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt as exc:
            _interrupted(ctx, exc)
        except Exception as exc:  # noqa: BLE001 - the one place where every failure gets its exit code
            _interrupted(ctx, _interruption(exc))
            code, text = classify_failure(exc)
            if ctx.params.get("debug") or os.environ.get("SCHEMACTL_DEBUG"):
                import traceback
                traceback.print_exc()   # still one exit code: Python's own uncaught exit would be 1
            click.echo(_without_secrets(given, text), err=True)
            ctx.exit(code)


def _without_secrets(given: list, text: str) -> str:
    """An error line with the secrets of every database URL of this command (its arguments ``given`` and
    SCHEMACTL_POSTGRES_URL) hidden (dburl.hide): the messages built from a URL hide them already; this holds
    for any other text that quotes one."""
    raw = [*given, os.environ.get("SCHEMACTL_POSTGRES_URL") or ""]
    urls = [a for a in raw if isinstance(a, str) and ("://" in a or "=" in a)]
    if not urls:
        return text
    from .dburl import hide
    return hide(text, urls)


def _interrupted(ctx, stop: BaseException | None) -> None:
    """End as the interruption ``stop`` would have (nothing when None): Ctrl-C exit 130, a signal 128+n."""
    if isinstance(stop, KeyboardInterrupt):
        click.echo("interrupted; files and databases are left as they were before this command", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    if stop is not None:
        raise stop from None


def _interruption(exc: BaseException | None) -> BaseException | None:
    """The Ctrl-C or signal (SystemExit from _clean_interruption) an error was raised while handling, if any:
    a clean-up that failed because of the interruption (a ROLLBACK with no transaction left) is not the
    answer, the interruption is."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


# MANIFEST of a command that works on one: without it, the project's manifest when it has exactly one
_one_manifest_arg = click.argument("manifest", required=False, type=click.Path(dir_okay=False, path_type=Path))
_manifests_arg = click.argument("manifests", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))


def _parse_features(ctx, param, value) -> frozenset:
    return frozenset(f.strip() for f in (value or "").split(",") if f.strip())


_features_opt = click.option("--features", callback=_parse_features, metavar="A,B",
                             help="Use the manifest with these optional feature groups (declared under "
                                  "`features:`); files it writes, if any, go to generated/<name>+a+b/.")


def _selected(project, manifests, features=frozenset(), defer_checks=False, meanwhile=None):
    """The manifests for --features, or for every configured feature set when none is given.
    ``defer_checks``: see manifest.load.load_text; ``meanwhile``: see project.load_all."""
    paths = list(manifests) or project.manifest_paths()
    if features:
        return load_all(project, paths, features, defer_checks, meanwhile)
    return load_feature_sets(project, paths, defer_checks, meanwhile)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schemactl")
@click.option("--debug", is_flag=True, envvar="SCHEMACTL_DEBUG",
              help="Show the Python traceback of an internal error (exit 3) instead of one line.")
def main(debug):
    """Keep one relational schema identical on PostgreSQL and SQLite.

    A YAML manifest is the contract; schemactl validates it, hashes it and
    renders DDL for both engines.  Without MANIFEST arguments, commands use the
    project configuration ([tool.schemactl] in pyproject.toml; default
    manifests/*.yaml -> generated/).

    Exit codes: 0 clean, 1 drift or differences found, 2 bad input, usage or an
    unusable database, file or archive, 3 internal error (a bug: rerun with --debug).
    """
    if not debug:   # a driver's own log lines (psycopg's "error ignored in rollback" after Ctrl-C during a
        import logging   # COPY) are not schemactl's one-line report; --debug shows them
        driver = logging.getLogger("psycopg")
        driver.addHandler(logging.NullHandler())
        driver.propagate = False


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="Schema name of the starter manifest (default: the directory's name).")
def init(directory, name):
    """Start a project in DIRECTORY (default: here) that passes `schemactl check` at once.

    Writes manifests/<name>.yaml (a starter table, its hash filled in), schemactl.toml (the
    configuration), manifest.schema.json (where the manifest's $schema comment points, for editors),
    .pre-commit-config.yaml (the drift check), .github/workflows/schemactl.yml (check, then parity with
    annotations) and the generated files.  All or nothing, and never over an existing file.
    """
    from .init import project_files, refuse_existing
    root = directory.resolve()
    files = project_files(root, _manifest_name(name or root.name))
    refuse_existing(root, files)
    atomic_write_all(files)
    for target in sorted(files):
        click.echo(f"{target.relative_to(root).as_posix()}: written")
    click.echo("next: edit the manifest, then `schemactl generate`; `schemactl check` gates commits", err=True)


_problems_format_opt = click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "junit"]),
                                    default="text", show_default=True,
                                    help="Report style: text, json, github (workflow annotations on manifest "
                                         "lines) or junit (CI dashboards).")


@main.command()
@_manifests_arg
@_features_opt
@_problems_format_opt
def validate(manifests, features, fmt):
    """Check manifests (JSON Schema and semantic rules); write nothing.

    Every problem is printed as FILE:LINE:COL: error: MESSAGE; rules stricter than both engines as
    FILE:LINE:COL: warning: MESSAGE (they do not fail validation).  --format json|github|junit
    writes the same problems for CI on standard output (exit codes unchanged).
    """
    project = find_project()
    loaded = _loaded_or_report(fmt, "validate", lambda: _selected(project, manifests, features))
    warnings = list(dict.fromkeys(w for _, m in loaded for w in m.warnings))
    oks = [f"{project.display(path)}: ok ({len(m.tables)} tables, {len(m.enums)} enums)" for path, m in loaded]
    if fmt != "text":
        from .problems import render
        click.echo(render(fmt, "validate", warnings, ok="; ".join(oks)))
        return
    for w in warnings:
        click.echo(str(w), err=True)
    for line in oks:
        click.echo(line)


def _loaded_or_report(fmt, command, load):
    """``load()``, or for a machine-readable --format the manifests' problems as that report (exit 2)."""
    try:
        return load()
    except ManifestInvalid as exc:
        if fmt == "text":
            raise
        from .problems import render
        click.echo(render(fmt, command, exc.diagnostics))
        sys.exit(EXIT_INPUT)


@main.command("hash")
@_manifests_arg
@click.option("--write", is_flag=True, help="Update the manifest's `hash:` line in place (and `version:` to its "
                                            "migration chain's version); nothing else changes.")
@_features_opt
def hash_(manifests, write, features):
    """Print the schema hash of each MANIFEST (sha256 of its canonical model); default: the project's.

    The hash ignores formatting, key order, comments and descriptions and
    changes with anything that alters either engine's schema.
    """
    project = find_project()
    if write and features:
        raise SchemactlError("the hash: line holds the default feature set; drop --features to --write it")
    from .manifest.hashing import load_for_hash     # a malformed hash: value is what --write replaces
    loaded = load_for_hash(project, list(manifests) or project.manifest_paths(), features)
    for path, m in loaded:
        h = schema_hash(m)
        click.echo(h if len(loaded) == 1 else f"{h}  {project.display(path)}")
        if write and write_hash(path, h, chain_version(project, m), project.display(path)):
            click.echo(f"{project.display(path)}: hash updated", err=True)


@main.command()
@_manifests_arg
@click.option("-o", "--output", metavar="DIR", help="Output directory (default from configuration: generated).")
@click.option("--no-hash", is_flag=True, help="Leave the manifests' hash: and version: lines as they are (then "
                                              "`check` reports a stale hash).")
@click.option("--migration", "slug", metavar="NAME", help="Also write the next migration of each manifest that "
              "changed since its last one (as `migrate new --name NAME`), with the bundle and runtimes; a manifest "
              "without a migration chain gets none (`migrate new` starts it).")
@click.option("--allow-destructive", is_flag=True, help="With --migration: accept drops, narrowing type changes "
                                                        "and NOT NULL without default.")
@_features_opt
def generate(manifests, output, no_hash, slug, allow_destructive, features):
    """Write each manifest's generated files into generated/<schema-name>/.

    postgres.sql and sqlite.sql (DDL), schema.pg.ts, schema.sqlite.ts and
    types.ts (Drizzle ORM and engine-neutral row types), schema.md (the Mermaid
    ER diagram), connection.sqlite.sql (when PRAGMAs are declared) and, once a
    migration chain exists,
    bundle.json/.py/.ts, the runtimes runtime.ts (TypeScript) and rust/ (a
    crate), and drizzle/{postgres,sqlite}/ for drizzle-orm's migrator; the
    record block of each migration file is rewritten when stale.  The
    manifest's own `hash:` line (and `version:`, to its migration chain's) is
    brought up to date too, so one command follows every edit (--no-hash leaves
    the manifest alone).  Output is deterministic.  Files are written
    atomically: if any manifest is invalid or any write fails, nothing changes.
    """
    project = find_project()
    # Without --migration, a model's checks run while a forked process renders its files (render.outputs);
    # nothing is written before every model's checks have passed.
    loaded = _selected(project, manifests, features, defer_checks=not slug,
                       meanwhile=(_prepare_rendering, _PREPARE_SHARE))
    from .manifest.load import checked
    files = {}
    versions: dict[Path, int] = {}   # a manifest's version after this run: its feature-set builds carry it too
    refused: list = []
    done = []
    stale: list[str] = []
    for path, m in loaded:
        planned = _next_migration(project, path, m, output, slug, allow_destructive,
                                  [project.output_dir(x, output) for _, x in loaded]) if slug else None
        try:
            if planned is None and m.features and path in versions:
                version = versions[path]
                files.update(planned_files(project, m, output, version=version))
            elif planned is None:
                files.update(planned_files(project, m, output))
                version = chain_version(project, m, output)
            else:   # the chain's new files and the bundle that embeds them; the rest at the new version
                files.update(planned_files(project, m, output, with_bundle=False, version=planned.version))
                files.update(planned.files)
                version = planned.version
            m = checked(m)
        except ManifestInvalid as exc:
            refused += exc.diagnostics   # every manifest's problems at once; nothing is written
            continue
        done.append((path, m))
        if not m.features and version is not None:
            versions[path] = version
        current = m.hash == schema_hash(m) and (version is None or m.version == version)
        if not m.features and not no_hash and (planned is not None or not current):
            # the hash: and version: lines hold the default feature set
            text, fixed = hashed_text(path, schema_hash(m), version, project.display(path))
            if fixed != text:
                files[path] = fixed
            if planned is not None:
                from .migrations.files import SNAPSHOT, chain_dir
                files[chain_dir(project.output_dir(m, output)) / SNAPSHOT] = fixed
        elif not m.features and m.hash != schema_hash(m):
            stale.append(f"warning: {project.display(path)}: hash is stale; run `schemactl generate` without "
                         "--no-hash")
    if refused:
        raise ManifestInvalid(refused)
    loaded = done
    from .render.drizzle import TYPES_DIFFER
    for w in dict.fromkeys(w for _, m in loaded for w in m.warnings if TYPES_DIFFER in str(w)):
        click.echo(str(w), err=True)   # types.ts cannot give the column one type both Drizzle files accept
    for line in stale:
        click.echo(line, err=True)
    try:
        changed = set(atomic_write_all(files))
    except OSError as exc:
        where = project.display(Path(exc.filename)) if exc.filename else "output"
        raise SchemactlError(f"cannot write {where}: {exc.strerror or exc}; nothing was written") from None
    for target in files:
        click.echo(f"{project.display(target)}: {'written' if target in changed else 'unchanged'}")
    _remember_clean(project, manifests, output, features, loaded, hashes_written=not no_hash)


def _prepare_rendering() -> None:
    """The renderers' modules (and the model's) with jinja2 and every template, and the fingerprint of
    schemactl's code that the record of a clean state names (_remember_clean): done while a forked process
    reads most of a large manifest (project.load_all's meanwhile)."""
    from .render import prepare
    prepare()
    from .checkstamp import _code_fingerprint
    _code_fingerprint()


# _prepare_rendering's time (~35 ms, as measured) as a share of the reading of a 1,000-table manifest
# (~0.1 s), split across two processes
_PREPARE_SHARE = 0.15


def _check_key(manifests, output, features) -> list[str]:
    """What `check`'s answer depends on besides the files: its arguments."""
    return [str(p) for p in manifests] + [f"--output={output or ''}", f"--features={','.join(sorted(features))}"]


def _check_message(loaded) -> str:
    files = len({p for p, _ in loaded})
    sets = f" ({len(loaded)} builds with feature sets)" if len(loaded) != files else ""
    return f"ok: {files} manifest{'s' if files != 1 else ''}{sets} and their generated files are current"


def _remember_clean(project, manifests, output, features, loaded, hashes_written: bool) -> None:
    """After generate: when `check` with the same arguments would find nothing stale, record that for
    its fast path.  Every generated file was just written from the model; what remains to know is what
    check verifies beyond them: the hash: and version: lines and the migration chain."""
    from . import checkstamp
    for path, m in loaded:
        if not m.features and not hashes_written and (
                m.hash != schema_hash(m) or chain_version(project, m, output) not in (None, m.version)):
            return
        out_dir = project.output_dir(m, output)
        if _no_chain(out_dir):   # nothing to check (and the migration modules need not be imported)
            continue
        from .migrations.files import chain_problems
        if chain_problems(out_dir, m, project.display):
            return
    paths = list(manifests) or project.manifest_paths()
    dirs = [project.output_dir(m, output) for _, m in loaded]
    checkstamp.record(project.root, project.config_file, _check_key(manifests, output, features), dirs,
                      checkstamp.hashes(paths, dirs), _check_message(loaded),
                      _left_over_warnings(project, output, dirs) if not manifests else [])


def _next_migration(project, path, m, output, slug, allow_destructive, dirs=()):
    """The next migration of ``m`` (None when it matches its last one, for a feature set, or for a manifest
    without a chain: `migrate new` starts one, or a renamed manifest's chain left behind is carried over;
    ``dirs``: the output directories of the project's manifests)."""
    from .migrations.files import NothingToDo, plan_next
    if m.features:
        return None
    here = project.output_dir(m, output)
    if _no_chain(here):
        shown = project.display(path)
        left = [p for p in _left_over(project, output, dirs) if not _no_chain(p)]
        carry = "".join(f"; if the manifest was named {p.name} before, carry its chain over: git mv "
                        f"{project.display(p)}/migrations {project.display(here)}/migrations, then run this again"
                        for p in left)
        click.echo(f"{shown}: no migration chain, so no migration{carry}; else start one with `schemactl "
                   f"migrate new {_shell(shown)} --name init`", err=True)
        return None
    try:
        planned = plan_next(project.output_dir(m, output), m, path.read_bytes().decode("utf-8"), slug,
                            allow_destructive)
    except NothingToDo:
        return None
    click.echo(f"{project.display(path)}: migration {planned.name}", err=True)
    for op in planned.ops:
        click.echo(f"  {op.describe()}", err=True)
    return planned


@main.command()
@_manifests_arg
@click.option("-o", "--output", metavar="DIR", help="Output directory (default from configuration: generated).")
@_features_opt
@_problems_format_opt
def check(manifests, output, features, fmt):
    """Drift check for pre-commit and CI; needs no database.

    Passes (exit 0) when every manifest is valid, its `hash:` is current,
    every generated file is byte-identical to what `generate` would write and
    the migration chain (if any) is intact and up to date with the manifest.
    Otherwise exits 1 naming each stale item and the command that fixes it.
    Run as a pre-commit hook (PRE_COMMIT=1), a generated file git neither
    tracks nor ignores is stale too: the commit would leave it out.

    With no MANIFEST (the whole project), a generated directory that no manifest writes any more (a
    removed or renamed manifest's) is warned about on stderr.

    A clean result is remembered as content hashes of every file it read (in the user's cache
    directory, outside the repository): when nothing changed since, the next check answers from them
    without rendering.  SCHEMACTL_NO_CACHE=1 always runs the full check.
    """
    from . import checkstamp
    project = find_project()
    paths = list(manifests) or project.manifest_paths()
    key = _check_key(manifests, output, features)
    untracked = _untracked_outputs(project, output)
    if untracked:   # a pre-commit hook: the commit would leave these out, whatever the working tree holds
        _check_report(fmt, untracked, f"{len(untracked)} stale item{'s' if len(untracked) != 1 else ''}")
        sys.exit(EXIT_DRIFT)
    known = checkstamp.current(project.root, project.config_file, key, paths)
    # every file hashes as when a full check last found nothing stale, and it warned of the same directories
    if known and known.warnings == (_left_over_warnings(project, output, known.dirs) if not manifests else []):
        for w in known.warnings:
            click.echo(w, err=True)
        _check_report(fmt, [], known.message)
        return
    read = checkstamp.hashes(paths, [])
    stale = []
    loaded = _loaded_or_report(fmt, "check", lambda: _selected(project, manifests, features))
    dirs = [project.output_dir(m, output) for _, m in loaded]
    read.update(checkstamp.hashes([], dirs))
    for path, m in loaded:
        stale += staleness(project, path, m, output)
    # every manifest of the project: a generated directory none of them writes is left over
    warnings = _left_over_warnings(project, output, dirs) if not manifests else []
    for w in warnings:
        click.echo(w, err=True)
    if stale:
        _check_report(fmt, stale, f"{len(stale)} stale item{'s' if len(stale) != 1 else ''}")
        sys.exit(EXIT_DRIFT)
    message = _check_message(loaded)
    checkstamp.record(project.root, project.config_file, key, dirs, read, message, warnings)
    _check_report(fmt, [], message)


def _left_over_warnings(project, output, dirs) -> list[str]:
    """A warning for each directory of the output root that holds generated DDL but belongs to no manifest of the
    project (``dirs``: the manifests' output directories), naming the fix.  One that holds a migration chain is
    the history the databases were migrated by: a renamed manifest's chain is carried over to its new directory
    (one of ``dirs`` without a chain), or the manifest is named back; removing it is the last resort.  Read from
    the directories alone, so `check`'s fast path finds the same warnings without loading a manifest."""
    root = project.root / (output or project.output)
    found = []
    for p in _left_over(project, output, dirs):
        left = project.display(p)
        if _no_chain(p):
            found.append(f"warning: {left}: no manifest generates it (left by a removed or renamed manifest?); "
                         f"remove it: git rm -r {left}")
            continue
        chainless = sorted(project.display(Path(d)) for d in dirs if "+" not in Path(d).name and _no_chain(Path(d)))
        target = f"{chainless[0]}/migrations" if len(chainless) == 1 else f"{project.display(root)}/<name>/migrations"
        found.append(f"warning: {left}: no manifest generates it, and it holds the migration chain {left}/migrations "
                     f"(the history its databases were migrated by): if a manifest named {p.name} was renamed, "
                     f"carry the chain over: git mv {left}/migrations {target} (then `schemactl generate`), or "
                     f"name the manifest back (name: {p.name}); if it was removed, git rm -r {left}")
    return found


def _left_over(project, output, dirs) -> list[Path]:
    """The directories of the output root that hold generated DDL but belong to no manifest of the project
    (``dirs``: the manifests' output directories)."""
    root = project.root / (output or project.output)
    owned = {os.path.realpath(d) for d in dirs}
    try:
        entries = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return []
    return [p for p in entries if os.path.realpath(p) not in owned and (p / "postgres.sql").is_file()]


def _untracked_outputs(project, output) -> list:
    """Under pre-commit (PRE_COMMIT=1, as the framework sets it for its hooks): the generated files git does not
    track and does not ignore.  pre-commit checks the working tree, where a new migration that was never
    `git add`ed is present: the commit passed, and CI (a clone) found the migration missing."""
    if os.environ.get("PRE_COMMIT") != "1":
        return []
    import subprocess
    from .project import Staleness
    out_root = project.root / (output or project.output)
    try:
        # the real directory: through a symbolic link git lists nothing (and exits 0)
        listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z", "--",
                                 os.path.realpath(out_root)],
                                cwd=project.root, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):   # no git: nothing to say
        return []
    if listed.returncode != 0:   # not a git work tree
        return []
    found = []
    for name in sorted(filter(None, listed.stdout.decode("utf-8", "surrogateescape").split("\0"))):
        shown = project.display(project.root / name)   # git names them from the directory it runs in
        found.append(Staleness(shown, "generated but not added to git: this commit leaves it out",
                               f"git add {_shell(shown)}"))   # a name with a blank stays one argument
    return found


def _check_report(fmt, stale, summary):
    if fmt != "text":
        from .problems import render
        click.echo(render(fmt, "check", stale=stale, ok=summary if not stale else ""))
        return
    for item in stale:
        click.echo(str(item), err=True)
    click.echo(summary, err=bool(stale))


_format_opt = click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text", show_default=True,
                           help="Report style: text (colour on a terminal), json, junit (for CI dashboards), "
                                "github (workflow annotations on manifest lines).")


def _exit_for(targets) -> None:
    sys.exit(EXIT_DRIFT if any(t.findings for t in targets) else EXIT_OK)


CLEAN_UP_GRACE_S = 15   # how long an interrupted command may take to clean up before it is cut short


@contextmanager
def _clean_interruption():
    """While a command runs: SIGTERM and SIGHUP (a CI job cancelled, a terminal closed) become an exception,
    and Ctrl-C KeyboardInterrupt as usual, so throwaway servers are stopped, scratch databases dropped and
    temporary files removed on the way out.  (SIGKILL cannot be handled: the local server's watchdog stops
    it then.)  The previous handlers come back when the command ends (it may run inside another program).

    The exception is never raised inside the interpreter's import machinery (a thread may be importing a
    module meanwhile): raised there, it leaves a module lock held that the clean-up then waits for forever.
    A signal that lands there is raised a few milliseconds later, once the import's bookkeeping is done.
    Should a clean-up still hang, the first signal has set an alarm: CLEAN_UP_GRACE_S seconds later the
    command is cut short with the signal's exit code, as SIGKILL would end it -- the local server's
    watchdog still stops the server and removes its directory once this process is gone.  A second
    signal during the clean-up (Ctrl-C pressed again) cuts it short at once."""
    import threading
    import time
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield           # signals are the main thread's; no SIGALRM or SIGHUP (Windows): Python's own handling
        return
    state = {"signal": None, "pending": False, "deadline": 0.0}

    def interrupt():
        state["pending"] = False
        if state["signal"] == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + state["signal"])

    def later(frame) -> bool:
        """Whether to raise later: ``frame`` (or one it was called from) is import machinery."""
        while frame is not None:
            if frame.f_code.co_filename.startswith("<frozen importlib"):
                return True
            frame = frame.f_back
        return False

    def on_signal(signum, frame):
        if state["signal"] is None:
            state["signal"], state["deadline"] = signum, time.monotonic() + CLEAN_UP_GRACE_S
            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, CLEAN_UP_GRACE_S)
        elif not state["pending"]:   # a second one while cleaning up (Ctrl-C pressed again): stop now
            stop_now("stopped at a second interruption without finishing the clean-up")
        if later(frame):
            state["pending"] = True
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            return
        interrupt()

    def stop_now(why: str):
        os.write(2, f"schemactl: {why}\n".encode())
        os._exit(128 + state["signal"])

    def on_alarm(signum, frame):
        left = state["deadline"] - time.monotonic()
        if left <= 0:
            stop_now(f"the clean-up after the interruption took over {CLEAN_UP_GRACE_S} s; stopped without "
                     "finishing it")
        if state["pending"] and later(frame):
            signal.setitimer(signal.ITIMER_REAL, min(0.01, left))
            return
        signal.setitimer(signal.ITIMER_REAL, left)
        if state["pending"]:
            interrupt()
    caught = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    before = {sig: signal.getsignal(sig) for sig in (*caught, signal.SIGALRM)}
    for sig in caught:
        signal.signal(sig, on_signal)
    try:
        yield
    finally:   # every clean-up of the command has run (they are inside): no alarm is needed any more
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, old in before.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def _interruptible(command):
    """A command run inside _clean_interruption (the innermost decorator: click sees its name and help)."""
    import functools

    @functools.wraps(command)
    def run(*args, **kwargs):
        with _clean_interruption():
            return command(*args, **kwargs)
    return run


@main.command()
@_manifests_arg
@_format_opt
@click.option("--postgres", "provider", type=click.Choice(list(CHOICES)), default="auto", show_default=True,
              help="Where PostgreSQL comes from: url (--postgres-url), docker (testcontainers, when a Docker engine "
                   "answers), local (server binaries on this machine); auto tries url if given, else docker, "
                   "then local.")
@click.option("--postgres-url", envvar="SCHEMACTL_POSTGRES_URL", metavar="URL",
              help="An existing server to make scratch databases in (role needs CREATEDB). "
                   "Env: SCHEMACTL_POSTGRES_URL.")
@click.option("--engine", "engines", type=click.Choice(["postgres", "sqlite"]), multiple=True,
              help="Check only this engine (repeatable; default both).")
@_features_opt
@_interruptible
def parity(manifests, fmt, provider, postgres_url, engines, features):
    """Build both engines from the generated DDL and compare them with the manifest.

    Starts a throwaway PostgreSQL and a SQLite file, applies each manifest's
    DDL, reads both catalogs back and reports every difference from what the
    manifest implies for that engine.  Where the manifest has a migration
    chain, each engine is also built by applying the whole chain from empty,
    and must match too.  On a terminal, each build is shown as it ends.
    Exit 0 clean, 1 findings, 2 bad input or no engine available.
    """
    from .engines import ENGINES
    from .engines.providers import early_postgres
    engines = tuple(engines) or ENGINES
    # the server starts first, while parity's modules are imported and the manifests loaded
    with early_postgres(engines, provider, postgres_url) as starting:
        from .parity import parity as run_parity
        project = find_project()
        loaded = [m for _, m in _selected(project, manifests, features)]
        bundles = {}
        for m in loaded:
            if _no_chain(project.output_dir(m)):   # (the migration modules are imported only for a chain)
                continue
            from .migrations.files import bundle_data, chain_dir, read_lock
            lock = read_lock(chain_dir(project.output_dir(m)))
            if lock is not None:
                bundles[(m.name, m.features)] = bundle_data(project.output_dir(m), m, lock)
        shown = (lambda line: click.echo(f"parity: {line}", err=True)) if sys.stderr.isatty() else None
        targets = run_parity(loaded, engines, provider, postgres_url, bundles, starting=starting, progress=shown)
    emit(targets, fmt)
    _exit_for(targets)


@main.command("diff")
@_one_manifest_arg
@click.option("--db", "url", required=True, metavar="URL",
              help="postgresql://user@host/db or sqlite:///path/to.db (opened read-only).")
@_format_opt
@_features_opt
def diff_cmd(manifest, url, fmt, features):
    """Compare an existing database with MANIFEST, read-only (drift check for staging or production).

    Exit 0 when the database matches, 1 with findings, 2 on bad input.
    """
    from .parity import diff_database
    _, m = _one(manifest, features)[1:]
    target = diff_database(m, url)
    emit([target], fmt)
    _exit_for([target])


@main.group()
def migrate():
    """Versioned migrations: plan, write and apply them.

    The chain lives in generated/<schema>/migrations/ (one SQL file per
    engine and version, lock.json with their checksums, snapshot.yaml of the
    last released manifest); `generate` also writes the embedded bundle
    (bundle.json/.py/.ts) that schemactl.runtime applies at start-up.
    """


def _one(manifest, features=frozenset()):
    """(project, path, model) of the one manifest a command works on: MANIFEST, else the project's only one."""
    project = find_project()
    if manifest is None:
        found = project.manifest_paths()
        if len(found) != 1:
            ctx = click.get_current_context()
            command = " ".join(["schemactl", *ctx.command_path.split()[1:]])
            # MANIFEST, or --manifest M (copy, backup, restore)
            given = "--manifest " if any(isinstance(p, click.Option) and p.name == "manifest"
                                         for p in ctx.command.params) else ""
            listed = ", ".join(project.display(p) for p in found[:5]) + (", ..." if len(found) > 5 else "")
            raise click.UsageError(
                f"{command} works on one manifest and the project has {len(found)}"
                + (f" ({listed}): name one, e.g. `{command} {given}{_shell(project.display(found[0]))}`" if found else
                   f" (looked for {', '.join(project.manifest_globs)}): name its file"))
        manifest = found[0]
    (path, m), = load_all(project, [manifest], features)
    return project, path, m


@migrate.command("plan")
@_one_manifest_arg
@_features_opt
def migrate_plan(manifest, features):
    """Print the operations the next migration would hold; write nothing."""
    from .migrations.files import NothingToDo, plan_next
    project, path, m = _one(manifest, features)
    try:
        planned = plan_next(project.output_dir(m), m, path.read_text("utf-8"), "plan", allow_destructive=True)
    except NothingToDo as exc:
        click.echo(str(exc))
        return
    if planned.version == 1:
        click.echo(f"{m.name}: 0001 creates the whole schema ({len(m.tables)} tables)")
    for op in planned.ops:
        click.echo(f"  {op.describe()}")
    # the new migration's files (the up migrations, then the down ones), not those it leaves as they are
    shown = [(target, content) for target, content in planned.files.items()
             if target.suffix == ".sql" and not _holds(target, content)]
    for target, content in sorted(shown, key=lambda tc: "down" in tc[0].parts):
        click.echo(f"\n-- {project.display(target)}\n{content}", nl=False)
    if shown:
        flags = f" --features {','.join(sorted(features))}" if features else ""
        click.echo(f"\n-- `schemactl migrate new {_shell(project.display(path))}{flags} --name NAME` writes these as "
                   f"{planned.version:04d}_NAME", err=True)


def _holds(path: Path, content: str) -> bool:
    """The file at ``path`` holds exactly ``content`` already."""
    try:
        return path.read_bytes() == content.encode("utf-8")
    except OSError:
        return False


@migrate.command("new")
@_one_manifest_arg
@click.option("--name", "slug", required=True, help="Short name, e.g. add_tags (files are NNNN_<name>.sql).")
@click.option("--allow-destructive", is_flag=True, help="Accept drops, narrowing type changes and NOT NULL "
                                                        "without default (each is listed when refused).")
@_features_opt
def migrate_new(manifest, slug, allow_destructive, features):
    """Write the next migration: the difference between the last snapshot and MANIFEST.

    The first migration (0001) creates the whole schema.  Renames come only
    from `renamed_from:` hints in the manifest.  Destructive operations are
    refused unless --allow-destructive.  The generated SQL, TypeScript and
    bundle are rewritten too; all files are written atomically.
    """
    from .migrations.files import NothingToDo, plan_next
    project, path, m = _one(manifest, features)
    try:
        planned = plan_next(project.output_dir(m), m, path.read_text("utf-8"), slug, allow_destructive)
    except NothingToDo as exc:
        click.echo(str(exc))
        return
    for op in planned.ops:
        click.echo(f"  {op.describe()}")
    # The generated DDL and TypeScript move with the chain, so `check` passes right after; the
    # manifest's version: line becomes the new migration's number (one version number everywhere).
    files = {**planned_files(project, m, with_bundle=False, version=planned.version), **planned.files}
    if not m.features:
        # the hash: line too, as generate writes it; and the manifest's feature-set builds at the new version
        from .migrations.files import SNAPSHOT, chain_dir
        text, fixed = hashed_text(path, schema_hash(m), planned.version, project.display(path))
        if fixed != text:
            files[path] = fixed
        files[chain_dir(project.output_dir(m)) / SNAPSHOT] = fixed
        for features in project.feature_sets:
            if features and features <= set(m.declared_features):
                (_, built), = load_all(project, [path], features)
                files.update(planned_files(project, built, version=planned.version))
    for target in atomic_write_all(files):
        click.echo(f"{project.display(target)}: written")


def _chain_bundle(manifest, features):
    """(model, bundle, latest version) of MANIFEST's migration chain."""
    from .migrations.files import bundle_data, chain_dir, read_lock
    project, path, m = _one(manifest, features)
    out_dir = project.output_dir(m)
    lock = read_lock(chain_dir(out_dir))
    if lock is None:
        with_features = f" --features {','.join(sorted(features))}" if features else ""
        raise SchemactlError(f"{m.name}{' with ' + ', '.join(sorted(features)) if features else ''} has no "
                             f"migrations yet; run `schemactl migrate new {_shell(str(path))}{with_features} "
                             "--name init`")
    return m, bundle_data(out_dir, m, lock), len(lock["migrations"])


@migrate.command("apply")
@_one_manifest_arg
@click.option("--db", "url", required=True, metavar="URL", help="postgresql://… or sqlite:///path")
@click.option("--dry-run", is_flag=True, help="Print the migrations that would run, with their statements for "
                                              "this database's engine; change nothing.")
@_features_opt
def migrate_apply(manifest, url, dry_run, features):
    """Apply pending migrations of MANIFEST's chain to a database (as schemactl.runtime does)."""
    from .dburl import connect_url, parse_url
    from .runtime import MigrationError, migrate as run_migrations
    m, bundle, _ = _chain_bundle(manifest, features)
    if dry_run:
        engine, steps, _ = _database_status(url, bundle)
        _refuse_broken_history(steps)
        by_version = {x["version"]: x for x in bundle["engines"][engine]["migrations"]}
        pending = [s for s in steps if s.state == "pending"]
        for step in pending:
            click.echo(f"-- would apply {step.name}")
            for stmt in by_version[step.version]["statements"]:
                click.echo(stmt.rstrip().rstrip(";") + ";")
        click.echo(f"{len(pending)} migration{'s' if len(pending) != 1 else ''} would be applied; nothing was "
                   "changed (dry run)", err=True)
        return
    conn = connect_url(url, read_only=False)
    try:
        applied = _apply_with_progress(conn, bundle, run_migrations, parse_url(url)[0])
    except MigrationError as exc:
        hint = ""
        if "already exists" in str(exc) and _no_history(conn):
            # the first migration met the schema's own tables: a database built without the chain
            hint = ("; a database that already holds this schema but no schema_version history is adopted "
                    f"with `schemactl migrate baseline {manifest} --db URL`, which records it as migrated")
        import re
        null = re.search(r'NOT NULL constraint failed: (.+?)(?:$|\n)|column "(.+)" of relation "(.+)" '
                         r'contains null values', str(exc))
        if null:   # a column made (or added) NOT NULL without a default, with rows that hold NULL there
            table, column = _table_dot_column(null.group(1), m) if null.group(1) else (null.group(3), null.group(2))
            if _has_column(conn, table, column, bundle["engines"].get("postgres", {}).get("catalog", {}).get("schema")):
                hint = (f"; rows of {table} hold NULL in {column}, which the migration makes NOT NULL: fill them "
                        f"(UPDATE … SET {column} = … WHERE {column} IS NULL), then apply again")
            else:
                hint = (f"; the migration adds {column} to {table} as NOT NULL without a default, which a table "
                        f"that holds rows refuses (migrate new listed it as destructive): write that migration "
                        f"again with a default for {column} before a database applies it, or empty {table}")
        raise SchemactlError(f"{exc}{hint}") from None
    finally:
        conn.close()
    click.echo(f"applied {', '.join(map(str, applied))}" if applied else "database is up to date")


def _table_dot_column(text: str, m) -> tuple[str, str]:
    """(table, column) of SQLite's "table.column", either of which may hold a dot: the split that names a column
    of the manifest's table (SQLite names them as declared), else the first dot's."""
    splits = [(text[:i], text[i + 1:]) for i, ch in enumerate(text) if ch == "."] or [(text, "")]
    columns = {t.name.lower(): {c.name.lower() for c in t.columns} for t in m.tables}
    return next(((t, c) for t, c in splits if c.lower() in columns.get(t.lower(), ())), splits[0])


def _has_column(conn, table: str, column: str, schema: str | None) -> bool:
    """Whether the database's table (of the manifest's PostgreSQL schema) has the column (after a failed
    migration, which rolled back)."""
    import sqlite3
    if isinstance(conn, sqlite3.Connection):
        return any(r[1] == column for r in conn.execute("SELECT * FROM pragma_table_info(?)", (table,)))
    return conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = coalesce(%s, "
                        "current_schema()) AND table_name = %s AND column_name = %s",
                        (schema, table, column)).fetchone()[0] > 0


def _no_history(conn) -> bool:
    """No migration recorded in the database's schema_version (after a failed migrate(), which rolled back)."""
    try:
        cur = conn.cursor()
        from .manifest.rules_names import VERSION_TABLE
        cur.execute(f"SELECT count(*) FROM {VERSION_TABLE}")
        return cur.fetchone()[0] == 0
    except Exception:   # noqa: BLE001 -- only a hint depends on it
        return False
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()


def _apply_with_progress(conn, bundle, run_migrations, engine):
    """The runtime's migrate(); on a terminal one migration at a time, each shown with its time."""
    if not sys.stderr.isatty():
        return run_migrations(conn, bundle)
    import time
    from .migrations.status import status
    states, _ = status(conn, bundle, engine)
    if any(s.state not in ("applied", "pending") for s in states):
        return run_migrations(conn, bundle)   # the runtime refuses it, saying why
    pending = {s.version for s in states if s.state == "pending"}
    applied = []
    steps = bundle["engines"][engine]["migrations"]
    for k, step in enumerate(steps, start=1):
        if step["version"] not in pending:   # a cut below the database's version would be "ahead of this build"
            continue
        cut = dict(bundle, engines={e: dict(v, migrations=v["migrations"][:k]) for e, v in bundle["engines"].items()})
        started = time.monotonic()
        done = run_migrations(conn, cut)
        if done:
            click.echo(f"{step['name']}: applied in {time.monotonic() - started:.2f} s", err=True)
        applied += done
    return applied


def _database_status(url, bundle):
    """(engine, each migration's state, whether a version table exists) of a database, read-only."""
    from .migrations.status import status
    from .dburl import connect_url, parse_url
    engine, address = parse_url(url)
    if engine == "sqlite" and address != ":memory:" and not Path(address).exists():
        # a file `migrate apply` would create: every migration is pending (as on an empty PostgreSQL database),
        # said in so many words (a mistyped path reads the same)
        click.echo(f"SQLite database {address} does not exist yet ({Path(address).resolve()}): `migrate apply` "
                   "creates it", err=True)
        import sqlite3
        conn = sqlite3.connect(":memory:")
    else:
        conn = connect_url(url, read_only=True)
    try:
        return (engine, *status(conn, bundle, engine))
    finally:
        conn.close()


def _refuse_broken_history(steps) -> None:
    broken = [s for s in steps if s.state in ("edited", "unknown")]
    if broken:
        raise SchemactlError("the database's history does not match this chain (" + ", ".join(
            f"{s.version} {s.state}" for s in broken) + "); see `schemactl migrate status`")


@migrate.command("down")
@_one_manifest_arg
@click.option("--db", "url", required=True, metavar="URL", help="postgresql://… or sqlite:///path")
@click.option("--to", "to", required=True, type=int, help="The version to go back to (lower than the database's).")
@_features_opt
def migrate_down(manifest, url, to, features):
    """Undo applied migrations above version --to, newest first, with their down migrations.

    `migrate new` writes a down migration for every migration that loses nothing (migrations/<engine>/
    down/); one with a destructive operation, and the first migration, have none, and going below it is
    refused before anything runs.  Each step is one transaction with the removal of its schema_version
    row; `migrate apply` brings the database forward again.
    """
    from .migrations.down import run_down
    from .migrations.files import chain_dir, read_lock
    from .dburl import connect_url, parse_url
    project, path, m = _one(manifest, features)
    m, bundle, _ = _chain_bundle(manifest, features)
    chain = chain_dir(project.output_dir(m))
    engine, _ = parse_url(url)
    conn = connect_url(url, read_only=False)
    try:
        undone = run_down(conn, engine, bundle, read_lock(chain), chain, to)
    finally:
        conn.close()
    click.echo(f"undid {', '.join(undone)}; the database is at version {to}")


@migrate.command("status")
@_one_manifest_arg
@click.option("--db", "url", required=True, metavar="URL", help="postgresql://… or sqlite:///path (read-only).")
@_features_opt
def migrate_status(manifest, url, features):
    """Show each migration of MANIFEST's chain as applied, pending or edited on a database.

    Read-only.  Exit 0 when the database's history is a prefix of the chain (pending migrations
    are fine), 1 when the database recorded a migration other than its file or has migrations
    this build does not know.  A chain file that differs from lock.json (edited by hand, missing)
    is refused first, exit 2, naming the `git checkout` that restores it (as apply does; check
    reports it as stale).
    """
    _, bundle, _ = _chain_bundle(manifest, features)
    _, steps, has_table = _database_status(url, bundle)
    width = max((len(s.name) for s in steps), default=0)
    for s in steps:
        click.echo(f"{s.version:>4}  {s.name:<{width}}  {s.state}")
    counts = {state: sum(1 for s in steps if s.state == state) for state in ("applied", "pending", "edited", "unknown")}
    summary = ", ".join(f"{n} {state}" for state, n in counts.items() if n)
    click.echo(summary + ("" if has_table else " (no schema_version table: never migrated; `migrate baseline` "
                                               "adopts a database that already has the schema)"), err=True)
    if counts["edited"] or counts["unknown"]:
        sys.exit(EXIT_DRIFT)


@migrate.command("baseline")
@_one_manifest_arg
@click.option("--db", "url", required=True, metavar="URL", help="postgresql://… or sqlite:///path")
@click.option("--version", "version", type=int, help="The chain version the database is at (default: the latest).")
@click.option("--postgres", "provider", type=click.Choice(list(CHOICES)), default="auto", show_default=True,
              help="Where an older version's schema is built for comparison (PostgreSQL databases, --version).")
@click.option("--postgres-url", envvar="SCHEMACTL_POSTGRES_URL", metavar="URL",
              help="Server for --postgres url (a scratch database is created there and dropped).")
@_features_opt
@_interruptible   # an older version is built in a scratch database: dropped, also on SIGTERM
def migrate_baseline(manifest, url, version, provider, postgres_url, features):
    """Adopt a database that already has the schema: record it as being at a version of the chain.

    The database must match that version exactly (the manifest for the latest version; the chain's
    first N migrations, built on a throwaway database, for an older one): any difference is listed
    and nothing is written (exit 1).  Then schema_version receives the chain's rows up to that version,
    as `migrate apply` would have written them, without running their statements, and later
    migrations apply as usual.  A database that already has a history is refused (exit 2).
    """
    from .migrations.status import baseline
    from .dburl import connect_url, parse_url
    from .report import Target
    from .runtime import MigrationError
    m, bundle, latest = _chain_bundle(manifest, features)
    version = latest if version is None else version
    if not 1 <= version <= latest:
        raise SchemactlError(f"--version {version}: the chain has versions 1 to {latest}")
    engine, _ = parse_url(url)
    conn = connect_url(url, read_only=False)
    try:
        findings = baseline(conn, bundle, engine, m, version, latest, provider, postgres_url)
    except MigrationError as exc:
        raise SchemactlError(str(exc)) from None
    finally:
        conn.close()
    if findings:
        emit([Target(m, engine, findings, [])], "text", sys.stderr)
        click.echo(f"the database does not match version {version}; nothing was recorded", err=True)
        sys.exit(EXIT_DRIFT)
    click.echo(f"recorded the database as at version {version}" +
               (f"; {latest - version} later migration(s) pending: `schemactl migrate apply`" if version < latest else ""))


@main.command("import")
@click.option("--db", "url", metavar="URL", help="Read a live database (read-only): postgresql://… or sqlite:///path.")
@click.option("--ddl", "ddl_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read DDL files (plain DDL or pg_dump --schema-only): their schema statements, DROPs included, run "
                   "on a scratch database and read back (data and anything else never run); repeatable. Needs "
                   "--dialect.")
@click.option("--dialect", type=click.Choice(["postgres", "sqlite"]), help="The dialect of --ddl files.")
@click.option("--drizzle", "drizzle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read a Drizzle schema.ts (pg-core or sqlite-core): its SQL through `drizzle-kit export`, its "
                   "export names, keys, modes and types through drizzle-orm and typescript. Loading the file runs it "
                   "(as drizzle-kit does): import only code you trust.")
@click.option("--casing", type=click.Choice(list(CASING_CHOICES)),
              help="With --drizzle: how drizzle-kit generate names a column declared without a name (createdAt -> "
                   "created_at with snake_case). Default: `casing` of the project's drizzle.config, or of a "
                   "drizzle({ casing }) call in the schema file or a module beside it; none: the key as written.")
@click.option("--name", help="Schema name for the manifest (default: the -o file's name, else the source file's "
                             "or database's name).")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the manifest here (default: standard output).")
@click.option("--postgres", "provider", type=click.Choice(list(CHOICES)), default="auto", show_default=True,
              help="Where PostgreSQL DDL is applied for reading back (as for parity). A pg-core --drizzle "
                   "schema whose catalog drizzle-kit's snapshot says exactly needs no server (README: No server "
                   "for most pg-core schemas).")
@click.option("--postgres-url", envvar="SCHEMACTL_POSTGRES_URL", metavar="URL",
              help="Server for --postgres url: DDL is applied in a scratch database made there and dropped "
                   "(role needs CREATEDB). Env: SCHEMACTL_POSTGRES_URL.")
@click.option("--schema", "pg_schema", metavar="NAME",
              help="PostgreSQL schema to read: with --db (default: public) or --ddl --dialect postgres (default: the "
                   "schema holding most tables).")
@click.option("--force", is_flag=True, help="Replace an existing -o file that holds something else (without it, "
                                            "such a file is kept and nothing is written).")
@click.option("--strict", is_flag=True, help="Write nothing and exit 2 when anything maps only approximately or "
                                             "not at all.")
@_interruptible   # a scratch database (and its role) on the user's server is dropped, also on SIGTERM
def import_cmd(url, ddl_files, dialect, drizzle_file, casing, name, out, provider, postgres_url, pg_schema, force,
               strict):
    """Adopt an existing schema: write a manifest from a database, DDL files or a Drizzle schema.

    DDL is split into statements; what describes the schema (tables, indexes, enums, views, constraints,
    comments) is applied to a scratch database of that engine and read back; session settings, ownership
    and grants are left out; anything else is listed with its line, never run.  A statement the engine
    rejects, or an object the manifest cannot hold, is left out and listed; the manifest is always written
    (unless --strict).  The summary counts what mapped exactly, approximately or not at all.

    --drizzle also loads the module with the project's node_modules (typescript, drizzle-orm) and keeps
    what only the TypeScript says in drizzle: blocks (export names, property keys, modes, enum unions,
    $type<>, $defaultFn/$onUpdate, custom types, table creators), so `generate` writes the team's file
    back.  Loading a module executes it, as drizzle-kit does: import only code you would run.
    """
    sources = [x for x in (url, ddl_files, drizzle_file) if x]
    if len(sources) != 1:
        raise click.UsageError("give exactly one of --db, --ddl or --drizzle")
    if casing is not None and not drizzle_file:
        raise click.UsageError("--casing goes with --drizzle (how its columns without a name are named)")
    if pg_schema is not None and (drizzle_file or (ddl_files and dialect not in (None, "postgres"))
                                  or (url and _url_engine(url) != "postgres")):
        raise click.UsageError("--schema names a PostgreSQL schema: it goes with --db postgresql://… or --ddl … "
                               "--dialect postgres (a Drizzle file's or SQLite's tables have none to choose)")
    if name is None and out is not None:   # manifests/app.yaml holds schema "app" (generated/app/), whatever
        name = out.stem                    # the source file is called (src/db/schema.ts); app.v2.yaml: "app-v2"
    if drizzle_file:   # Node reads the module while the import's modules are imported here
        from . import drizzle_files, drizzle_module
        casing = drizzle_files.command_casing(drizzle_file, casing)
        drizzle_module.start_ahead(drizzle_file, casing)
    from . import importer
    if url:
        from .dburl import connect_url, parse_url, redact_url
        engine, address = parse_url(url)
        conn = connect_url(url)
        try:
            default_name = Path(address).stem if engine == "sqlite" else (conn.info.dbname or "imported")
            with _step("import", "catalog read and mapped"):
                doc, summary = importer.from_database(conn, engine, _manifest_name(name or default_name),
                                                      pg_schema if engine == "postgres" else None)
        finally:
            conn.close()
        source = redact_url(url)[0] if engine == "postgres" else url
    else:
        with contextlib.ExitStack() as stack:
            doc, summary, texts, module = _import_files(stack, importer, ddl_files, dialect, drizzle_file, name,
                                                        provider, postgres_url, pg_schema, casing)
        if drizzle_file:
            from . import drizzle_module
            notes = drizzle_module.annotate(doc, module, str(drizzle_file))
            summary.approx += [importer.Entry(("drizzle", i), "", why, where) for i, (where, why) in enumerate(notes)]
            _kept_identities(doc, summary)
        source = ", ".join(t[0] for t in texts)
    text, _ = importer.finish(doc, summary, source, ahead=summary.ahead)
    refused = strict and not summary.strict_ok
    if out and not refused and not force and _holds_other(out, text) and not _untouched_starter(out):
        # a manifest edited since, perhaps (init's starter, as init wrote it, is there to be replaced)
        raise SchemactlError(f"{out} exists and holds another manifest; nothing was written: pass --force to "
                             "replace it (git keeps what it held, if committed), or choose another -o")
    if out and not refused:   # written first: the summary below is for a reader who may have gone away
        atomic_write_all({out: text})
    for line in summary.lines():
        _note(f"import: {line}")
    if refused:
        raise SchemactlError(f"--strict: {len(summary.approx)} approximate and {len(summary.unmapped)} not mapped; "
                             "nothing was written")
    if out:
        _note(f"{out}: written")
        _other_manifests(out)
    else:
        click.echo(text, nl=False)


def _kept_identities(doc: dict, summary) -> None:
    """The import's list for an identity whose kind and options the drizzle: block keeps: the Drizzle file
    writes them as the team did, the DDL schemactl generates does not (BY DEFAULT, from 1 by 1)."""
    for e in summary.approx:
        if e.path[:1] != ("tables",) or len(e.path) != 4:
            continue
        col = doc.get("tables", {}).get(e.path[1], {}).get("columns", {}).get(e.path[3])
        dz = col.get("drizzle", {}) if isinstance(col, dict) else {}
        if dz.get("identity") == "always" and e.reason.startswith("GENERATED ALWAYS AS IDENTITY -> identity: true"):
            e.reason = ("GENERATED ALWAYS AS IDENTITY -> identity: true with drizzle: {identity: always}: the "
                        "pg-core file keeps generatedAlwaysAsIdentity() (no id on insert), but the PostgreSQL DDL "
                        "schemactl generates is GENERATED BY DEFAULT: an INSERT in SQL may give the value itself")
        elif dz.get("identity_options") and e.reason.startswith("identity sequence options ("):
            e.reason = (e.reason.split(" left out", 1)[0] + f" kept in the pg-core file "
                        f"(drizzle: {{identity_options}}), but the PostgreSQL DDL schemactl generates counts from 1 by 1")


def _shell(word: str) -> str:
    """``word`` as one argument of a command a message gives to copy (a path with a blank stays one)."""
    import shlex
    return shlex.quote(word)


def _holds_other(path: Path, text: str) -> bool:
    """``path`` exists and holds something else than ``text``."""
    try:
        return path.read_bytes() != text.encode("utf-8")
    except OSError:   # missing, or not readable as a file: the write says what is wrong with it
        return False


def _untouched_starter(path: Path) -> bool:
    """``path`` holds the starter manifest `schemactl init` wrote for its name, unchanged."""
    from .init import starter
    try:
        return path.read_text("utf-8") == starter(path.stem)
    except (OSError, UnicodeDecodeError, SchemactlError):
        return False


def _other_manifests(out: Path) -> None:
    """After import -o into a project: the project's other manifests, each of which builds a schema of its own
    (schemactl init's starter, say, left beside the imported one)."""
    try:
        project = find_project()
        others = [p for p in project.manifest_paths() if p.resolve() != out.resolve()]
        if out.resolve() not in {p.resolve() for p in project.manifest_paths()} or not others:
            return
    except (SchemactlError, OSError):
        return
    shown = ", ".join(project.display(p) for p in others[:3]) + (", ..." if len(others) > 3 else "")
    _note(f"import: the project also has {shown}: each manifest builds a schema of its own (generated/<name>/); "
          "remove one that this manifest replaces (schemactl init's starter, say), and its generated directory")


def _note(line: str) -> None:
    """A line on stderr that a closed pipe does not turn into a failure: what the command did stands (the
    reader of ``2>&1 | head`` has gone), and later lines go nowhere."""
    try:
        click.echo(line, err=True)
    except BrokenPipeError:
        sys.stderr = open(os.devnull, "w")


def _url_engine(url: str) -> str:
    from .parity import parse_url
    return parse_url(url)[0]


def _import_files(stack, importer, ddl_files, dialect, drizzle_file, name, provider, postgres_url, pg_schema=None,
                  casing=None):
    """(doc, summary, texts, Drizzle module or None) of import --ddl or --drizzle.  A pg-core schema is read from
    drizzle-kit's snapshot where schemactl knows the server's catalog rows for all of it (drizzle_snapshot);
    otherwise its DDL is applied to the throwaway PostgreSQL, started while Node writes that DDL (``stack``
    stops it)."""
    locator = module = starting = None
    if drizzle_file:
        from . import drizzle_module
        pg_core = (importer.drizzle_dialect(drizzle_file) or ("",))[0] == "postgres"
        text = drizzle_file.read_text("utf-8")
        used = casing   # (the project's, or --casing's; none: None)
        stack.callback(drizzle_module.done_with, drizzle_file, text, used)   # Node ends with the import
        default_name = drizzle_file.stem.split(".")[0]
        # a pg-core schema's snapshot is mapped as soon as Node has it, while Node still reads the source; and
        # while it goes on reading, a copy of this process checks the doc for the engines (importer.checks_ahead)
        def mapped(snapshot):
            read = importer.from_snapshot(snapshot, _manifest_name(name or default_name))
            if read is not None:
                read[1].ahead = importer.checks_ahead(read[0])
            return read
        mapped = mapped if pg_core else None
        with _step("import", f"{drizzle_file} loaded with the project's node_modules"):
            # first: a located error if it does not load
            module = drizzle_module.read_module(drizzle_file, used, on_snapshot=mapped)
        read = module.pop("snapshot", None)   # (mapped: pg-core only)
        read = read if pg_core else None
        keys = {(t["name"], c["name"]): c["key"] for t in module.get("tables", ()) for c in t["columns"]
                if c["key"] != c["name"]}
        locator = importer.SourceLocator(str(drizzle_file), text, keys)
        if read is not None:
            drizzle_module.done_with(drizzle_file, text, used)
            locator.schema = "public"
            read[1].locate = locator
            return (*read, [(str(drizzle_file), "")], module)
            from .engines.providers import early_postgres
            starting = stack.enter_context(early_postgres(("postgres",), provider, postgres_url))
        with _step("import", f"{drizzle_file}: drizzle-kit's SQL"):
            engine, ddl = importer.drizzle_export(str(drizzle_file), used)
        texts = [(str(drizzle_file), ddl)]
    else:
        if not dialect:
            raise click.UsageError("--ddl needs --dialect postgres or --dialect sqlite")
        engine = dialect
        texts = [(str(p), _utf8_text(p)) for p in ddl_files]
        default_name = ddl_files[0].stem
    with _step("import", f"schema applied to a scratch {engine} database, read back and mapped"):
        server = starting.result() if starting is not None and engine == "postgres" else None
        doc, summary, _ = importer.from_ddl(texts, engine, _manifest_name(name or default_name), provider,
                                            postgres_url, locator, server=server, schema=pg_schema)
    return doc, summary, texts, module


def _utf8_text(path: Path) -> str:
    """A DDL file's text; one that is not UTF-8 is refused at the line and column of its first such byte."""
    from .errors import not_utf8
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col, message = not_utf8(data, exc)
        raise SchemactlError(f"{path}:{line}:{col}: {message}") from None


def _manifest_name(raw: str) -> str:
    import re
    name = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-_") or "imported"
    return name if name[0].isalpha() else f"s-{name}"


@contextmanager
def _step(command: str, done: str):
    """On a terminal, a line once a long step of ``command`` has ended, with its time; silent otherwise."""
    import time
    started = time.monotonic()
    yield
    if sys.stderr.isatty():
        click.echo(f"{command}: {done} ({time.monotonic() - started:.2f} s)", err=True)


def _progress():
    """A one-line progress display on a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(table, rows):
        click.echo(f"\r{table}: {rows:,} rows", nl=False, err=True)
    return show


def _open(url: str, read_only: bool):
    """A database of copy, backup or restore.  A source is read in one read-only snapshot (PostgreSQL:
    REPEATABLE READ); a SQLite target must exist already (it needs the manifest's schema), and is never
    created by being opened."""
    from .dburl import connect_url, parse_url
    engine, address = parse_url(url)
    if engine == "sqlite" and not read_only:
        import sqlite3
        from .dburl import sqlite_uri
        if Path(address).is_dir():
            raise SchemactlError(f"SQLite database {address} is a directory, not a database file; nothing was "
                                 "written: name the database file")
        if not Path(address).is_file():
            raise SchemactlError(f"SQLite database {address} does not exist; nothing was written: create it with "
                                 "the manifest's schema first (schemactl migrate apply, or the generated sqlite.sql)")
        try:
            return sqlite3.connect(sqlite_uri(address, "rw"), uri=True), engine   # never creates the file
        except sqlite3.Error as exc:
            raise SchemactlError(f"cannot open {address}: {exc}") from None
    conn = connect_url(url, read_only=read_only)
    if engine == "postgres" and read_only:
        import psycopg
        from .introspect.postgres import READ_SETTINGS
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        for name, value in READ_SETTINGS:   # values read as text, in the settings they are parsed in (a double's
            conn.execute("SELECT set_config(%s, %s, false)", (name, value))   # digits, a date's order)
        conn.commit()   # the session's own (a rollback of the reading transaction keeps them)
    return conn, engine


def _postgres_scheme(url: str) -> bool:
    """The URL is PostgreSQL's by its prefix (parse_url, which imports psycopg, reads the rest)."""
    from .dburl import POSTGRES_PREFIXES
    return url.startswith(POSTGRES_PREFIXES)


def _stat(path: str):
    try:
        return os.stat(path)
    except OSError:
        return None


@main.command("copy")
@click.option("--manifest", "manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="The schema both databases must have (checked before any row moves).")
@click.option("--from", "src_url", required=True, metavar="URL", help="Source database (read-only).")
@click.option("--to", "dst_url", required=True, metavar="URL", help="Target database with the manifest's schema.")
@click.option("--truncate", is_flag=True, help="Replace the target's rows: its tables are emptied in the same "
                                               "transaction, so a failed run keeps the old rows.")
@_features_opt
def copy_cmd(manifest, src_url, dst_url, truncate, features):
    """Copy every table of MANIFEST from one database to another, through the portable types.

    Tables go in foreign-key order, in batches, inside one transaction on the target (PostgreSQL
    through COPY; identity and declared sequences set after the highest copied value afterwards).  The
    manifest's triggers do not fire while rows load (on PostgreSQL that needs the tables' owner).  Both
    databases are checked against the manifest
    first: a drifted target, or a source missing a table or column or holding another type, stops the
    copy with the findings (exit 1).  The target's tables must be empty.  A value that does not fit its
    column, or that the target cannot hold exactly (NaN or -0.0 in SQLite, ...), is refused with its
    table, row and column (exit 2).  A failed copy writes nothing.
    """
    from . import datacopy
    from .datafast import SecondReader
    from .dburl import parse_url
    _, m = _one(manifest, features)[1:]
    engine, address = parse_url(src_url)
    before = _stat(address) if engine == "sqlite" else None
    target = parse_url(dst_url) if not _postgres_scheme(dst_url) else ("postgres", "")
    after = _stat(target[1]) if target[0] == "sqlite" else None
    if before is not None and after is not None and (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino):
        raise SchemactlError(f"--from and --to name the same SQLite file ({address}); nothing was copied: copy "
                             "into another database")
    src, src_engine = _open(src_url, True)
    # a second process may read large tables of the SQLite file opened here (the one it names when opened)
    reader = SecondReader.of_file(address, before) if before is not None else None
    try:
        # the source's snapshot begins first: its first large table is read while the target is opened
        with datacopy.reading(m, src, src_engine, reader, _postgres_scheme(dst_url)) as source:
            dst, dst_engine = _open(dst_url, False)
            try:
                counts = datacopy.copy(m, src, src_engine, dst, dst_engine, _progress(), replace=truncate,
                                       reader=reader, source=source)
            finally:
                dst.close()
    finally:
        src.close()
    click.echo(f"copied {sum(counts.values()):,} rows in {len(counts)} tables")


@main.command()
@click.option("--manifest", "manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="The schema of the database (checked before any row is read).")
@click.option("--db", "url", required=True, metavar="URL", help="postgresql://… or sqlite:///path (read-only).")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The archive file to write (gzip JSON Lines), atomically; a symbolic link is written through "
                   "(the link kept). Not standard output: -o - is refused.")
@_features_opt
def backup(manifest, url, out, features):
    """Write a portable archive (gzip JSON Lines: schema hash, then rows per table) of a database.

    It restores into either engine.  The file is written atomically (a symbolic link is written through,
    the link kept; a FIFO, device or directory at that path is refused, exit 2).  `-o -` is refused: a
    failed backup could not take back what standard output already carried.  The database is checked
    against the manifest first (a missing table or column, another type: exit 1), and a value that does not
    fit its column is refused with its table, row and column (exit 2, no archive written).
    """
    from . import datacopy
    if str(out) == "-":
        raise SchemactlError("-o -: backup writes its archive to a file, atomically, not to standard output (a "
                             "failed backup could not take back what it had sent); name a file, e.g. "
                             "-o backup.jsonl.gz")
    _, m = _one(manifest, features)[1:]
    conn, engine = _open(url, True)
    try:
        counts = datacopy.backup(m, conn, engine, out, _progress())
    finally:
        conn.close()
    click.echo(f"{out}: {sum(counts.values()):,} rows in {len(counts)} tables")


@main.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--manifest", "manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="The target's schema (its hash must match the archive's).")
@click.option("--db", "url", required=True, metavar="URL",
              help="postgresql://… or sqlite:///path: an existing database of the manifest's schema, tables empty.")
@click.option("--force", is_flag=True, help="Restore although the archive's schema hash differs.")
@click.option("--truncate", is_flag=True, help="Replace the target's rows: its tables are emptied in the same "
                                               "transaction, so a failed run keeps the old rows.")
@_features_opt
def restore(archive, manifest, url, force, truncate, features):
    """Restore ARCHIVE into a database of MANIFEST's schema: all rows or none.

    The target's tables must be empty; the manifest's triggers do not fire while rows load.  A damaged
    archive (a value that does not fit its column
    included), one taken from another schema (unless --force), or a value the target cannot hold
    exactly is refused before anything is written.
    """
    from . import datacopy
    _, m = _one(manifest, features)[1:]
    conn, engine = _open(url, False)
    try:
        counts = datacopy.restore(archive, m, conn, engine, force, replace=truncate, progress=_progress())
    finally:
        conn.close()
    click.echo(f"restored {sum(counts.values()):,} rows in {len(counts)} tables")


@main.command()
@_one_manifest_arg
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg", "png"]), default="mermaid",
              show_default=True, help="mermaid or dot: diagram text; svg or png: a picture drawn by a renderer.")
@click.option("--renderer", type=click.Choice(["auto", "mmdc", "dot"]), default=None,
              help="For svg and png: the renderer to run (default auto: mmdc when on PATH, else dot).")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the diagram here (atomically) instead of standard output.")
@_features_opt
def erd(manifest, fmt, renderer, out, features):
    """Print MANIFEST's entity-relationship diagram: Mermaid or Graphviz text, or an SVG or PNG picture.

    Tables with their columns (portable types; PK, FK and UK marks; NOT NULL) and one relationship per
    foreign key: exactly one parent when the key columns are NOT NULL, zero or one otherwise; at most
    one child when the key columns are unique, many otherwise; a solid line when the key is part of the
    child's primary key, dashed otherwise.

    \b
    --format mermaid  Mermaid `erDiagram` text (the default); `generate` writes
                      the same diagram into generated/<name>/schema.md.
    --format dot      Graphviz DOT text made by schemactl: tables as HTML-like
                      labels, one edge per foreign key with crow's-foot ends.
    --format svg|png  A picture drawn by a renderer on PATH: Mermaid's CLI
                      `mmdc` (from the Mermaid text) when installed, else
                      Graphviz `dot` (from the DOT text); --renderer chooses.
                      No renderer, or one that fails, exits 2 and writes
                      nothing.  Needs -o unless standard output is a file or
                      a pipe.
    """
    if renderer is not None and fmt not in ("svg", "png"):
        raise click.UsageError("--renderer applies to --format svg or png only")
    picture = fmt in ("svg", "png")
    if picture and not out and sys.stdout.isatty():
        raise SchemactlError(f"--format {fmt} writes a binary picture: give -o FILE or redirect standard output; "
                             "nothing was written")
    if picture:
        from .render.erd_image import find_renderer
        find_renderer(renderer or "auto")   # before loading: a missing renderer is said at once
    _, _, m = _one(manifest, features)
    data: str | bytes
    if fmt == "mermaid":
        from .render.erd import mermaid
        data = mermaid(m)
    elif fmt == "dot":
        from .render.erd_dot import dot
        data = dot(m)
    else:
        from .render.erd_image import render as render_image
        _, data = render_image(m, fmt, renderer or "auto")
    if out:
        try:
            atomic_write_all({out: data})
        except OSError as exc:
            raise SchemactlError(f"cannot write {out}: {exc.strerror or exc}; nothing was written") from None
        click.echo(f"{out}: written", err=True)
    elif isinstance(data, bytes):
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
    else:
        click.echo(data, nl=False)


@main.command()
def schema():
    """Print the manifest JSON Schema (for editors' YAML language servers).

    Save it and point your editor at it, e.g. with a first line
    `# yaml-language-server: $schema=./manifest.schema.json`.
    """
    click.echo(json.dumps(json_schema(), indent=2))


class _PipeTolerant:
    """stdout or stderr whose reader may go away (``2>&1 | head -1``): the command goes on and ends with its own
    exit code, its later output going nowhere.  (Click would end it with 1, which means findings; a write
    inside a command became "cannot use: Broken pipe", 2.)  The descriptor is pointed at /dev/null, so the
    interpreter's last flush does not fail either."""

    def __init__(self, stream):
        self._stream = stream

    def _gone(self) -> None:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def write(self, text):
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def run() -> None:
    """The console script (and ``python -m schemactl``): main(), then the process ends at once (os._exit) once
    its output is flushed and its atexit handlers have run.  Freeing a large manifest's objects one by one
    at interpreter exit changes nothing and took a tenth of a second of a 1,000-table ``generate``.  With
    another thread still running, an exit status that is not a number, or output that cannot be flushed,
    the process ends as Python ends it.  A closed pipe is no such output: stdout and stderr drop what their
    reader is no longer there for (_PipeTolerant), and the command keeps its own exit code."""
    import threading
    sys.stdout, sys.stderr = _PipeTolerant(sys.stdout), _PipeTolerant(sys.stderr)
    try:
        main()
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code
        run_exitfuncs = getattr(__import__("atexit"), "_run_exitfuncs", None)
        if not isinstance(code, int) or threading.active_count() != 1 or run_exitfuncs is None:
            raise
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            raise exc from None
        run_exitfuncs()
        os._exit(code & 0xFF)


if __name__ == "__main__":  # pragma: no cover
    run()
