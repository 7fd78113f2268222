"""The fast path of `check`: prove "nothing is stale" from content hashes alone.

A full check (load every manifest, render every output, read the chain) that finds nothing
stale records a stamp: a key naming what the answer depends on besides the files (schemactl's
own code and templates, the pinned sqlglot, the command's arguments, the configuration file)
and the sha256 of every file the check read (the manifests and everything under their output
directories).  The next `check` hashes the same files again; when the key and every hash are
equal, and no file appeared or disappeared, the full check would give the same answer, so
"current" is said without loading anything.  Any difference falls back to the full check.  The
warnings the full check printed (a generated directory no manifest writes) are recorded with it; the
fast path finds them again from the directories alone and answers only when they are the same, printing
them as the full check did.

The stamp is a cache, kept outside the repository (``$XDG_CACHE_HOME/schemactl`` or
``~/.cache/schemactl``), one file per project root, removed once no check has written it for 30 days;
``SCHEMACTL_NO_CACHE=1`` turns it off.  A
stamp that cannot be read or written is ignored: it can only make `check` faster, never change
its answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import NamedTuple

_PACKAGE = Path(__file__).resolve().parent
_FORMAT = 2   # 2: the warnings are recorded too


def _cache_file(root: Path) -> Path | None:
    from .usercache import cache
    directory = cache()
    if directory is None:
        return None
    digest = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:24]
    return directory / f"check-{digest}.json"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.cache
def _code_fingerprint() -> str:
    """schemactl's own code and templates, and the sqlglot that renders expressions (read once a process)."""
    h = hashlib.sha256()
    try:
        from importlib.resources import files
        templates = Path(str(files("schemactl.templates")))
    except (ImportError, TypeError, ModuleNotFoundError):
        templates = _PACKAGE.parent / "templates"
    for base in (_PACKAGE, templates):
        for path in _files(str(base)):
            if path.endswith((".py", ".j2", ".json", ".sql", ".cjs", ".mjs")):
                h.update(os.path.relpath(path, base).encode("utf-8") + b"\0" + Path(path).read_bytes() + b"\0")
    import importlib.util
    spec = importlib.util.find_spec("sqlglot")    # located, not imported (that alone takes 0.4 s)
    version = b"none"
    if spec is not None and spec.origin:
        stamp = Path(spec.origin).parent / "_version.py"
        version = stamp.read_bytes() if stamp.is_file() else spec.origin.encode("utf-8")
    h.update(b"sqlglot\0" + version)
    return h.hexdigest()


def _key(root: Path, config: Path | None, args: list[str]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([_FORMAT, _code_fingerprint(), str(root.resolve()), args]).encode("utf-8"))
    h.update(config.read_bytes() if config and config.is_file() else b"")
    return h.hexdigest()


def _files(base: str, follow: bool = False):
    """Every file under ``base``, in a stable order.  With ``follow``, a symbolic link to a directory is
    read through, as the full check reads it (each real directory once: a link back up ends there)."""
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(base, followlinks=follow):
        if follow:
            real = os.path.realpath(dirpath)
            if real in seen:
                dirnames[:] = []
                continue
            seen.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def hashes(manifests: list[Path], dirs: list) -> dict[str, str]:
    """sha256 of each manifest and of every file under each directory (a missing one is noted as such)."""
    found = {}
    for m in manifests:
        found[os.path.realpath(m)] = _sha(Path(m))
    for d in dirs:
        base = os.path.realpath(d)
        if not os.path.isdir(base):
            found[base + "/"] = "missing"
            continue
        for path in _files(base, follow=True):   # the full check reads through a linked directory too
            found[path] = _sha(Path(path))
    return found


class Known(NamedTuple):
    message: str          # what the clean check said
    warnings: list        # the warnings it printed (stderr), in order
    dirs: list            # the output directories it read (resolved), from which its warnings were found


def current(root: Path, config: Path | None, args: list[str], manifests: list[Path]) -> Known | None:
    """The last clean full check's answer when it read exactly these files, unchanged, with the same key;
    None otherwise (then the full check runs).  Its warnings are the caller's to find again from ``dirs``
    (they depend on directories beside those files) and to compare."""
    cache = _cache_file(root)
    if cache is None or not manifests:
        return None
    try:
        stamp = json.loads(cache.read_text("utf-8"))
        if stamp.get("key") != _key(root, config, args):
            return None
        dirs = list(stamp.get("dirs", []))
        if stamp.get("files") != hashes(manifests, dirs):
            return None
        message, warnings = stamp.get("message"), stamp.get("warnings", [])
        if not isinstance(message, str) or not isinstance(warnings, list) or \
                not all(isinstance(w, str) for w in warnings):
            return None
        return Known(message, warnings, dirs)
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def current_message(root: Path, config: Path | None, args: list[str], manifests: list[Path]) -> str | None:
    """The clean check's message (see ``current``)."""
    known = current(root, config, args, manifests)
    return known.message if known else None


def record(root: Path, config: Path | None, args: list[str], dirs: list[Path], read: dict[str, str],
           message: str, warnings: list[str] = ()) -> None:
    """Remember a clean full check with the hashes of what it read, taken before it read them (a file
    changed meanwhile then differs next time), and the warnings it printed; best effort: a cache that cannot
    be written is skipped."""
    cache = _cache_file(root)
    if cache is None:
        return
    stamp = {"key": _key(root, config, args), "dirs": sorted({Path(d).resolve().as_posix() for d in dirs}),
             "files": read, "message": message, "warnings": list(warnings)}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(stamp, sort_keys=True), "utf-8")
        os.replace(tmp, cache)
    except (OSError, ValueError):
        return
    _prune(cache.parent)


STALE_AFTER_DAYS = 30


def _prune(directory: Path) -> None:
    """Remove the stamps no check has written for STALE_AFTER_DAYS (projects moved, deleted or left:
    one small file each, which would otherwise stay forever); best effort."""
    import time
    cutoff = time.time() - STALE_AFTER_DAYS * 86400
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith("check-") and entry.name.endswith(".json")):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
        except OSError:
            pass


def forget(root: Path) -> None:
    cache = _cache_file(root)
    if cache is not None:
        try:
            cache.unlink()
        except OSError:
            pass
