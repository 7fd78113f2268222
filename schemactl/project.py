"""The project: where manifests live and where generated files go.

Configuration is read from ``[tool.schemactl]`` in the nearest
``pyproject.toml`` (or from a ``schemactl.toml`` holding the same keys), found
by walking up from the working directory:

    [tool.schemactl]
    manifests = ["manifests/*.yaml"]   # globs, relative to the config file
    output = "generated"               # files go to <output>/<schema-name>/
    feature_sets = ["", "canvas,discourse"]   # sets built when no --features is given

Without any configuration the working directory is the project root and the
defaults above apply.
"""

from __future__ import annotations

import glob
import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Diagnostic, ManifestInvalid, SchemactlError

if TYPE_CHECKING:   # loading and rendering are imported where used: `check`'s fast path needs neither
    from .manifest.model import Manifest

DEFAULT_MANIFESTS = ("manifests/*.yaml", "manifests/*.yml")
DEFAULT_OUTPUT = "generated"


@dataclass(frozen=True)
class Project:
    root: Path
    manifest_globs: tuple[str, ...] = DEFAULT_MANIFESTS
    output: str = DEFAULT_OUTPUT
    config_file: Path | None = None
    feature_sets: tuple[frozenset, ...] = (frozenset(),)

    def manifest_paths(self) -> list[Path]:
        found: dict[Path, None] = {}
        for pattern in self.manifest_globs:
            for hit in sorted(glob.glob(pattern, root_dir=self.root)):
                found.setdefault(self.root / hit, None)
        return list(found)

    def display(self, path: Path) -> str:
        """A path as shown in messages and headers: relative to the root, with '/' (``../shared/x.yaml`` for a
        manifest beside the project: the generated headers then read the same in every clone)."""
        given = Path(path)
        try:
            return given.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            pass
        if given.is_absolute() and given.as_posix().startswith(self.root.as_posix().rstrip("/") + "/"):
            # the root's own path and '..' (a configured glob such as ../shared/*.yaml): relative to the root
            return Path(os.path.relpath(given, self.root)).as_posix()
        return given.as_posix()   # elsewhere (a path given on the command line): as given

    def output_dir(self, manifest: Manifest, override: str | None = None) -> Path:
        """generated/<name>/, or generated/<name>+<feature>+…/ for a feature set."""
        suffix = "".join(f"+{f}" for f in manifest.features)
        return self.root / (override or self.output) / f"{manifest.name}{suffix}"


def find_project(start: Path | None = None) -> Project:
    """The project of the directory ``start`` (default: the current one) is in: the nearest directory at or
    above it with a configuration (schemactl.toml, or [tool.schemactl] in pyproject.toml); without one, the
    nearest with the default layout's manifests (manifests/*.yaml), so that a command run from src/ of a project
    set up without a configuration (import -o manifests/app.yaml) finds its generated/ and migration chain there
    and does not begin another; else ``start`` itself."""
    start = (start or Path.cwd()).resolve()
    laid_out = None
    for d in (start, *start.parents):
        own = d / "schemactl.toml"
        if own.is_file():
            return _from_table(d, _read_toml(own), own)
        py = d / "pyproject.toml"
        if py.is_file():
            table = _read_toml(py).get("tool", {}).get("schemactl")
            if table is not None:
                return _from_table(d, table, py)
        if laid_out is None and _has_manifests(d):
            laid_out = d
    return Project(root=laid_out or start)


def _has_manifests(d: Path) -> bool:
    try:
        return any(p.is_file() for g in DEFAULT_MANIFESTS for p in d.glob(g))
    except OSError:
        return False


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SchemactlError(f"{path}: cannot read configuration: {exc}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise SchemactlError(f"{path}:{line}: cannot read configuration: not UTF-8 (byte {exc.start}); TOML files "
                             "are UTF-8: save it as UTF-8") from None


def _from_table(root: Path, table: dict, path: Path) -> Project:
    globs = table.get("manifests", list(DEFAULT_MANIFESTS))
    if isinstance(globs, str):
        globs = [globs]
    output = table.get("output", DEFAULT_OUTPUT)
    sets = table.get("feature_sets", [""])
    if not (isinstance(globs, list) and all(isinstance(g, str) for g in globs)) or not isinstance(output, str) \
            or not (isinstance(sets, list) and all(isinstance(x, str) for x in sets)):
        raise SchemactlError(f"{path}: [tool.schemactl] wants manifests = [\"glob\", ...], output = \"dir\" and "
                             "feature_sets = [\"\", \"a,b\"]")
    parsed = tuple(frozenset(f.strip() for f in x.split(",") if f.strip()) for x in sets) or (frozenset(),)
    return Project(root=root, manifest_globs=tuple(globs), output=output, config_file=path, feature_sets=parsed)


def load_all(project: Project, paths: list[Path], features: frozenset = frozenset(),
             defer_checks: bool = False, meanwhile=None) -> list[tuple[Path, Manifest]]:
    """Load every manifest; report all problems of all files at once.  ``defer_checks``: see
    manifest.load.load_text (each model's ``pending`` reports its problems under the project's path).
    ``meanwhile``: (function, its time as a share of the first file's reading) called before the first
    file is read, while a forked process reads most of it (a large file only; called in any case)."""
    if not paths:
        raise SchemactlError(f"no manifests found (looked for {', '.join(project.manifest_globs)} under "
                             f"{project.display(project.root) or '.'}); pass MANIFEST paths or configure "
                             "[tool.schemactl] manifests")
    import sys
    if "schemactl.manifest.load" not in sys.modules:   # its import (~15 ms) overlaps the first file's reading
        from .manifest.yamlsplit import AHEAD_SHARE, read_ahead
        read_ahead(paths[0], AHEAD_SHARE - (meanwhile[1] if meanwhile else 0))
    try:
        if meanwhile:
            meanwhile[0]()
        return _load_all(project, paths, features, defer_checks)
    finally:
        if "schemactl.manifest.yamlsplit" in sys.modules:
            sys.modules["schemactl.manifest.yamlsplit"].drop_ahead()   # (one no load used)


def _load_all(project: Project, paths: list[Path], features: frozenset,
              defer_checks: bool) -> list[tuple[Path, Manifest]]:
    from .manifest.load import load_file
    diagnostics: list[Diagnostic] = []
    out = []
    names: dict[str, Path] = {}
    for p in paths:
        try:
            m = load_file(p, features, defer_checks)
        except ManifestInvalid as exc:
            diagnostics += _displayed(project, p, exc)
            continue
        if m.name in names and names[m.name] != p:
            diagnostics.append(Diagnostic(project.display(p), 1, 1, f'schema name "{m.name}" is also used by '
                                          f"{project.display(names[m.name])}; each manifest needs its own name"))
            continue
        names[m.name] = p
        if m.pending is not None:
            m = replace(m, pending=_DisplayedChecks(m.pending, project, p))
        out.append((p, _with_source(m, project.display(p))))
    if diagnostics:   # with the problems the checks the others still owe find: every file's at once
        raise ManifestInvalid(diagnostics + owed_problems(out))
    return out


def owed_problems(loaded: list[tuple[Path, Manifest]]) -> list[Diagnostic]:
    """What the checks loaded models still owe find (each model's checks run once)."""
    from .manifest.load import checked
    found = []
    for _, m in loaded:
        try:
            checked(m)
        except ManifestInvalid as exc:
            found += exc.diagnostics
    return found


def _displayed(project: Project, path: Path, exc: ManifestInvalid) -> list[Diagnostic]:
    return [Diagnostic(project.display(path), d.line, d.col, d.message, d.severity, d.path) for d in exc.diagnostics]


class _DisplayedChecks:
    """A model's pending checks, their problems named with the project's path of the manifest and the
    checked model with its source (as load_all gives every model)."""

    def __init__(self, pending, project: Project, path: Path):
        self.pending, self.project, self.path = pending, project, path
        self.shape_ahead = getattr(pending, "shape_ahead", False)

    def __call__(self) -> Manifest:
        try:
            return _with_source(self.pending(), self.project.display(self.path))
        except ManifestInvalid as exc:
            raise ManifestInvalid(_displayed(self.project, self.path, exc)) from None


def load_feature_sets(project: Project, paths: list[Path], defer_checks: bool = False,
                      meanwhile=None) -> list[tuple[Path, Manifest]]:
    """Each manifest for every configured feature set it declares (the default set always); ``meanwhile``:
    see load_all."""
    out = load_all(project, paths, defer_checks=defer_checks, meanwhile=meanwhile)
    for features in project.feature_sets:
        if not features:
            continue
        fitting = [p for p, m in out if features <= set(m.declared_features)]
        if fitting:
            try:
                out += load_all(project, fitting, features, defer_checks)
            except ManifestInvalid as exc:
                raise ManifestInvalid(exc.diagnostics + owed_problems(out)) from None
        elif project.config_file is not None and set(paths) == set(project.manifest_paths()):
            import sys   # a set none of the project's manifests declares (a typo?): said, not skipped unsaid
            sys.stderr.write(f"warning: {project.display(project.config_file)}: feature set "
                             f"\"{','.join(sorted(features))}\" is declared by no manifest (under features:); "
                             "nothing is built for it\n")
    return out


def _with_source(m: Manifest, source: str) -> Manifest:
    return replace(m, source=source)


def _no_chain(out_dir: Path) -> bool:
    """True when ``out_dir`` has no migration chain, found without importing the migration modules (they
    pull in the catalog, expectations and planner, which a project without a chain never needs): the
    same test as ``migrations.files.read_lock``, whose lock.json cannot be opened as missing."""
    from .migrations.layout import LOCK, migration_files
    try:
        open(out_dir / "migrations" / LOCK, "rb").close()
    except (FileNotFoundError, NotADirectoryError):
        return not migration_files(out_dir / "migrations")   # migrations without their lock: read_lock says so
    except OSError:
        return False     # read_lock reports it
    return False


def chain_version(project: Project, manifest: Manifest, output: str | None = None) -> int | None:
    """The version of the manifest's migration chain (its newest migration), None without a chain."""
    if _no_chain(project.output_dir(manifest, output)):
        return None
    from .migrations.files import chain_dir, read_lock
    lock = read_lock(chain_dir(project.output_dir(manifest, output)))
    return None if lock is None else len(lock["migrations"])


def planned_files(project: Project, manifest: Manifest, output: str | None = None,
                  with_bundle: bool = True, version: int | None = None) -> dict[Path, str]:
    """Every file `generate` writes for a manifest (the embedded bundle once a migration chain exists).
    With a chain, every file carries the chain's version (the bundle's and schema_version's number)."""
    from . import render
    out_dir = project.output_dir(manifest, output)
    version = version if version is not None else chain_version(project, manifest, output)
    if version is not None:
        manifest = replace(manifest, version=version)
    files = {out_dir / name: content for name, content in render.outputs(manifest).items()}
    if with_bundle and not _no_chain(out_dir):
        from .migrations.files import bundle_files
        files.update(bundle_files(out_dir, manifest))
    return files


@dataclass(frozen=True)
class Staleness:
    path: str
    problem: str
    fix: str
    line: int | None = None     # where in the file, when the problem is a line of it (a manifest's hash:)
    col: int | None = None

    @property
    def where(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}:{self.col or 1}"

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}; run `{self.fix}`"


def _top_key_position(manifest: Manifest, key: str) -> tuple[int | None, int | None]:
    """(line, col) of a top-level key of the manifest's file; a missing key: (None, None) (the file's)."""
    data = getattr(manifest.located, "data", None)
    if not isinstance(data, dict) or key not in data:
        return None, None
    return manifest.position((key,), key=True)


def staleness(project: Project, path: Path, manifest: Manifest, output: str | None = None) -> list[Staleness]:
    from .manifest.hashing import schema_hash
    found = []
    shown = project.display(path)
    want = schema_hash(manifest)
    if manifest.hash != want and not manifest.features:  # the hash: line is the default feature set's
        problem = f"hash is stale (manifest says {manifest.hash}, schema is {want})" if manifest.hash else \
            f"hash is missing (schema is {want})"
        found.append(Staleness(shown, problem, "schemactl generate", *_top_key_position(manifest, "hash")))
    version = chain_version(project, manifest, output)
    if version is not None and manifest.version != version and not manifest.features:
        found.append(Staleness(shown, f"version is {manifest.version}, the migration chain is at version {version}",
                               "schemactl generate", *_top_key_position(manifest, "version")))
    chain = []
    if not _no_chain(project.output_dir(manifest, output)):
        from .migrations.files import chain_problems
        chain = chain_problems(project.output_dir(manifest, output), manifest, project.display)
    found += [Staleness(*item) for item in chain]
    # With a broken or outdated chain the bundle cannot be current either: one fix at a time.
    for target, content in planned_files(project, manifest, output, with_bundle=not chain).items():
        try:
            have = target.read_bytes()
        except FileNotFoundError:
            found.append(Staleness(project.display(target), "missing", "schemactl generate"))
            continue
        if have != content.encode("utf-8"):
            found.append(Staleness(project.display(target), f"out of date with {shown}", "schemactl generate"))
    return found
