"""Writing a set of files all at once, or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Mapping


def atomic_write_all(files: Mapping[Path, str]) -> list[Path]:
    """Write every file or none; return the paths whose content changed.

    Each new content goes to a temporary file beside its target first; only
    when all of them are written and flushed are they renamed into place.  A
    failure before that point removes the temporary files and leaves every
    target untouched.  Unchanged files are not rewritten (mtimes stay).
    """
    pending: list[tuple[str, Path]] = []
    changed: list[Path] = []
    made_dirs: list[Path] = []
    try:
        for target, content in files.items():
            target = Path(target)
            data = content.encode("utf-8")
            try:
                if target.read_bytes() == data:
                    continue
            except OSError:
                pass
            _make_dirs(target.parent, made_dirs)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            pending.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if target.exists():
                os.chmod(tmp, target.stat().st_mode & 0o777)
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        for tmp, _ in pending:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        for d in reversed(made_dirs):
            try:
                d.rmdir()
            except OSError:
                pass
        raise
    for tmp, target in pending:
        os.replace(tmp, target)
        changed.append(target)
    return changed


def _make_dirs(path: Path, made: list[Path]) -> None:
    """mkdir -p that records which directories it created (for undoing)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir()
        made.append(d)
