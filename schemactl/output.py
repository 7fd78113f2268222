"""Writing a set of files all at once, or not at all -- also when the process is interrupted or killed.

``atomic_write_all`` works in three steps, recorded in a journal file (``.schemactl-journal-<token>``)
in the deepest existing directory that holds every target:

1. *stage*: the journal lists every file it will make, then each new content goes to a temporary file
   beside its target (``.<name>.<token>.schemactl.tmp``), flushed to disk, and each existing target
   gets a hard link to its old content (``.<name>.<token>.schemactl.old``);
2. *commit*: a ``commit`` line is appended to the journal and flushed;
3. *rename*: every temporary file replaces its target; then the directories are flushed and the
   journal and the old links removed.

SIGINT, SIGTERM and SIGHUP are held back during steps 2 and 3 (they take milliseconds) and delivered
right after, and an error in step 1 removes what step 1 made: a run that is interrupted or fails leaves
every target as it was, or (past the commit) every target new.  A run killed outright (SIGKILL, power
loss) leaves its journal behind; the next ``atomic_write_all`` touching the same directories finds it
and finishes that run's work first: before the commit line it removes the temporary files (and the
directories the run had made), after it completes the renames.  The journal is locked (``flock``) by the
process that writes it while it runs, so a concurrent run never touches another live run's files.
A journal is also a file anyone may leave in a directory (a shared one, a repository's checkout), so the
next run acts only on a journal this user owns whose every path is one its run could have listed (see
``_trusted_plan``); any other is left where it is, untouched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import stat
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping

JOURNAL_PREFIX = ".schemactl-journal-"
_PART = ".part"
_TMP_SUFFIX = ".schemactl.tmp"
_OLD_SUFFIX = ".schemactl.old"
_COMMIT = "commit"
# temporary files of earlier schemactl versions (tempfile.mkstemp(prefix=".<name>.", suffix=".tmp")),
# removed when a run writes the same target and they are older than this many seconds
_LEGACY_AGE = 60.0


def atomic_write_all(files: Mapping[Path, str | bytes | Callable]) -> list[Path]:
    """Write every file (text as UTF-8, bytes, or what a function writes to the open binary file: a stream
    too large to hold, such as a backup) or none; return the paths whose content changed.

    Unchanged files are not rewritten (mtimes stay; a function's file is always written).  Targets keep
    their permission bits; new files get the umask's.  A target that is a symbolic link is written through
    it: its target file is replaced (made when missing) and the link kept.  A target that exists and is not
    a regular file (a directory, FIFO, socket or device) is refused with an OSError before anything is
    written.  Interrupted work of an earlier run in the same directories is finished first.  An exception
    the function raises writes nothing and is raised.
    """
    given = {_through_links(t): Path(t) for t in files}
    targets = {_through_links(t): content for t, content in files.items()}
    if not targets:
        return []
    parents = sorted({t.parent for t in targets})
    common = Path(os.path.commonpath([str(p) for p in parents]))
    recover(_journal_dirs(_existing_ancestor(common), parents))
    root = _existing_ancestor(common)   # after recovery, which may have removed directories
    _remove_legacy_temporaries(targets)

    pending: list[tuple[Path, bytes]] = []
    for target, content in targets.items():
        data = content if isinstance(content, bytes) or callable(content) else content.encode("utf-8")
        try:
            mode = target.stat().st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(given[target]))
        if mode is not None and not stat.S_ISREG(mode):   # replacing it would drop the FIFO or device node
            raise OSError(errno.EINVAL, "exists and is not a regular file (a FIFO, socket or device); only a "
                          "regular file is replaced", str(given[target]))
        try:
            if not callable(data) and target.read_bytes() == data:
                continue
        except OSError:
            pass
        pending.append((target, data))
    if not pending:
        return []

    token = secrets.token_hex(8)
    missing = _missing_dirs(sorted({t.parent for t, _ in pending}))
    plan = [(target, target.parent / f".{target.name}.{token}{_TMP_SUFFIX}",
             target.parent / f".{target.name}.{token}{_OLD_SUFFIX}") for target, _ in pending]
    journal = None
    try:
        with signals_held():   # the journal exists only together with the code that removes it
            try:
                journal = _Journal.create(root, token, plan, missing)
            except OSError as exc:   # the journal is schemactl's own file: name the file asked for
                raise OSError(exc.errno, exc.strerror, str(given[pending[0][0]])) from None
        for d in missing:
            d.mkdir()
        umask = _umask()
        for (target, data), (_, tmp, old) in zip(pending, plan):
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                data(fh) if callable(data) else fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                mode = target.stat().st_mode
            except FileNotFoundError:
                os.chmod(tmp, 0o666 & ~umask)
            else:
                os.chmod(tmp, mode & 0o777)
                _keep_old(target, old)
        with signals_held():
            journal.commit()
            try:
                for target, tmp, _ in plan:
                    os.replace(tmp, target)
            except BaseException:
                try:
                    _restore(plan)
                except BaseException:
                    journal.leave()   # for the next run, which completes the renames
                    raise
                raise
            journal.finish(plan)
    except BaseException:
        if journal is not None:
            with signals_held():
                journal.abandon(plan, missing)
        raise
    return [given[target] for target, _ in pending]


def _through_links(path) -> Path:
    """The absolute path a write of ``path`` replaces: the file a symbolic link (or a chain of them) names, so the
    link stays a link; a directory's link in the path is left as it is (only the last name is followed)."""
    p = Path(os.path.abspath(path))
    for _ in range(40):
        if not p.is_symlink():
            return p
        p = Path(os.path.abspath(os.path.join(p.parent, os.readlink(p))))
    raise OSError(errno.ELOOP, "too many levels of symbolic links", str(path))


def recover(dirs: Iterable[Path]) -> list[Path]:
    """Finish the work of killed runs whose journals are in ``dirs``; return the journals handled."""
    done = []
    for d in dirs:
        try:
            names = [e.name for e in os.scandir(d) if e.name.startswith(JOURNAL_PREFIX)]
        except OSError:
            continue
        for name in sorted(names):
            if _Journal.recover(Path(d) / name):
                done.append(Path(d) / name)
    return done


class _Journal:
    def __init__(self, path: Path, fd: int):
        self.path, self.fd, self.committed = path, fd, False

    @classmethod
    def create(cls, root: Path, token: str, plan, missing) -> "_Journal":
        """The journal of a new run, complete on disk and locked by this process before any file is made."""
        path = root / f"{JOURNAL_PREFIX}{token}"
        part = path.with_name(f"{path.name}.{os.getpid()}{_PART}")
        fd = os.open(part, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            header = {"files": [[str(t), str(tmp), str(old)] for t, tmp, old in plan],
                      "dirs": [str(d) for d in missing]}
            os.write(fd, (json.dumps(header) + "\n").encode())
            os.fsync(fd)
            os.rename(part, path)
            _fsync_dir(root)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(part)
            os.close(fd)
            raise
        return cls(path, fd)

    def commit(self) -> None:
        os.write(self.fd, f"{_COMMIT}\n".encode())
        os.fsync(self.fd)
        self.committed = True

    def finish(self, plan) -> None:
        """Every target is new: make that durable, then forget the old contents and the journal."""
        for d in sorted({t.parent for t, _, _ in plan}):
            _fsync_dir(d)
        for _, _, old in plan:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(old)
        self._close(remove=True)

    def abandon(self, plan, missing) -> None:
        """This run failed: remove what it made (before the commit; after it the targets were restored)."""
        if self.fd < 0:
            return
        for _, tmp, old in plan:
            for p in (tmp, old):
                with contextlib.suppress(OSError):
                    os.unlink(p)
        for d in reversed(missing):
            with contextlib.suppress(OSError):
                d.rmdir()
        self._close(remove=True)

    def leave(self) -> None:
        """Keep the journal on disk (unlocked) for the next run to finish."""
        self._close(remove=False)

    def _close(self, remove: bool) -> None:
        if remove:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            _fsync_dir(self.path.parent)
        os.close(self.fd)
        self.fd = -1

    @staticmethod
    def recover(path: Path) -> bool:
        """Finish a journal left by a run that is no longer running (False when its run still holds it)."""
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return False
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False   # a live run's
            if not path.exists():   # finished by someone else meanwhile
                return False
            if path.name.endswith(_PART):   # killed while writing its journal: it had made nothing yet
                if os.fstat(fd).st_size == 0 and _running(path.name[:-len(_PART)].rsplit(".", 1)[-1]):
                    return False   # perhaps a live run between creating and locking it
                os.unlink(path)
                return True
            lines = path.read_bytes().decode("utf-8", "replace").split("\n")
            plan = _trusted_plan(path, fd, lines[0])
            if plan is None:
                return False   # not one of ours, or not this user's: left alone
            files, made = plan
            if _COMMIT in lines[1:]:
                for target, tmp, _ in files:   # roll forward: every temporary file is complete
                    if tmp.exists():
                        os.replace(tmp, target)
                for d in sorted({t.parent for t, _, _ in files}):
                    _fsync_dir(d)
                for _, _, old in files:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(old)
            else:   # roll back: no target was touched yet
                for _, tmp, old in files:
                    for p in (tmp, old):
                        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                            os.unlink(p)
                for d in reversed(made):
                    with contextlib.suppress(OSError):
                        d.rmdir()
            os.unlink(path)
            _fsync_dir(path.parent)
            return True
        finally:
            os.close(fd)


_JOURNAL_NAME = re.compile(re.escape(JOURNAL_PREFIX) + r"([0-9a-f]{16})")


def _trusted_plan(path: Path, fd: int, header_line: str):
    """(files, made directories) of a journal this user's run wrote, or None.  A journal is a file anyone
    may leave in a directory (a shared one, a repository's checkout): recovery acts only on a journal
    named as this module names them and owned by this user, and only on what such a run could have
    listed: targets inside the journal's directory (its real path: no symbolic link leads out of it),
    their temporary and old files named with the journal's token beside them, directories inside it."""
    match = _JOURNAL_NAME.fullmatch(path.name)
    if match is None or os.fstat(fd).st_uid != os.geteuid():
        return None
    token = match.group(1)
    try:
        header = json.loads(header_line)
        files = [tuple(map(Path, entry)) for entry in header["files"]]
        made = [Path(d) for d in header["dirs"]]
    except (ValueError, KeyError, TypeError):
        return None   # journals are complete before they get this name: not one of ours
    root = os.path.realpath(path.parent)

    def inside(p: Path) -> bool:
        text = str(p)
        if not os.path.isabs(text) or os.path.normpath(text) != text:
            return False
        parent = os.path.realpath(p.parent)
        return parent == root or parent.startswith(root.rstrip(os.sep) + os.sep)

    for entry in files:
        if len(entry) != 3:
            return None
        target, tmp, old = entry
        if not inside(target) or tmp != target.parent / f".{target.name}.{token}{_TMP_SUFFIX}" \
                or old != target.parent / f".{target.name}.{token}{_OLD_SUFFIX}":
            return None
        for p in (tmp, old):   # this user's regular files, or none
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
                return None
    if not all(inside(d) for d in made):
        return None
    return files, made


def _running(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except OSError:   # someone else's process
        return True
    return True


def _keep_old(target: Path, old: Path) -> None:
    """A second name for the target's old content, to put back if a rename fails."""
    try:
        os.link(target, old)
    except OSError:   # no hard links on this file system
        shutil.copy2(target, old)


def _restore(plan) -> None:
    """A rename failed after others succeeded: put every old content back, remove new files."""
    for target, tmp, old in plan:
        if tmp.exists():
            continue   # not renamed yet
        if old.exists():
            os.replace(old, target)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)


def _journal_dirs(root: Path, parents) -> list[Path]:
    """Where a killed run's journal may be: this run's root and its ancestors (a run over a wider set of
    files), and every target directory (a run over fewer)."""
    out = [root, *root.parents]
    out += [p for p in parents if p not in out]
    return out


def _remove_legacy_temporaries(targets) -> None:
    now = time.time()
    by_dir: dict[Path, set[str]] = {}
    for t in targets:
        by_dir.setdefault(t.parent, set()).add(t.name)
    for d, names in by_dir.items():
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            m = re.fullmatch(r"\.(.+)\.[a-z0-9_]{8}\.tmp", e.name)
            if m and m.group(1) in names:
                with contextlib.suppress(OSError):
                    if now - e.stat(follow_symlinks=False).st_mtime > _LEGACY_AGE:
                        os.unlink(e.path)


def _existing_ancestor(path: Path) -> Path:
    while not path.is_dir():
        path = path.parent
    return path


def _missing_dirs(parents) -> list[Path]:
    """Directories to create, parents first."""
    missing: list[Path] = []
    for p in parents:
        chain = []
        while not p.exists() and p not in missing:
            chain.append(p)
            p = p.parent
        missing += reversed(chain)
    return missing


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def signals_held():
    """Defer SIGINT/SIGTERM/SIGHUP across a step that must complete (delivered right after)."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # not the main thread, or no sigmask here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
