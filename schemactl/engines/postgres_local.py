"""A throwaway PostgreSQL server from the machine's own server binaries.

* Binaries are found via ``SCHEMACTL_PG_BINDIR``, ``PATH``, ``pg_config
  --bindir`` or ``/usr/lib/postgresql/*/bin`` (newest first).
* PostgreSQL refuses to run as root; as root the server runs as the
  ``postgres`` account (``SCHEMACTL_PG_USER`` picks another).
* ``initdb`` runs once per server version into a cached template directory
  (``$SCHEMACTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/schemactl``, else
  ``~/.cache/schemactl``); each start copies the template and starts
  ``postgres`` on a private Unix socket with durability off, so a start takes
  a fraction of a second.  Server directories live in ``SCHEMACTL_RUN_DIR``,
  else in memory-backed /dev/shm when available, else the temp directory.
* The server is always stopped and its directory removed: on leaving the
  ``with`` block (also on an exception or Ctrl-C), at interpreter exit, and --
  when schemactl is killed with SIGKILL, which no handler sees -- by a watchdog
  process (``_watchdog.py``): it started the server, holds the read end of a
  pipe only this process writes to, and on its end-of-file stops the server
  (immediate shutdown) and removes the directory.  The server itself gets
  SIGQUIT from the kernel should the watchdog die.
* The server runs with a lock table large enough for DDL of thousands of
  tables in one transaction (``max_locks_per_transaction``) and without
  durability (fsync, full-page writes, synchronous commit, WAL beyond the
  minimum and autovacuum are off): its data is thrown away.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..output import signals_held
from ..errors import EngineUnavailable
from ._watchdog import wait_exit

TEMPLATE_LAYOUT = 2          # bump when the template's initdb options change
_SERVER_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "256MB",     # no checkpoint in the middle of a large DDL script
    "autovacuum": "off",
    "jit": "off",
    # segments for parallel queries inside the server's directory, not loose in /dev/shm, so removing
    # the directory removes them even after the server was killed
    "dynamic_shared_memory_type": "mmap",
    "shared_buffers": "32MB",
    "max_connections": "40",
    # parity and import run a whole schema's DDL in one transaction, and every table, index,
    # sequence and TOAST table it creates holds a lock until COMMIT: the default (64 per
    # connection, shared) runs out at a few hundred tables ("out of shared memory").
    "max_locks_per_transaction": "1024",
    "logging_collector": "off",
    "timezone": "UTC",
}
WATCHDOG = Path(__file__).with_name("_watchdog.py")


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    version: str

    @property
    def initdb(self) -> str:
        return str(self.bindir / "initdb")

    @property
    def postgres(self) -> str:
        return str(self.bindir / "postgres")


def _candidates() -> Iterator[Path]:
    """Directories that may hold the server binaries, most wanted first (made as they are asked for: the
    pg_config process only runs when the ones before it did not do)."""
    if os.environ.get("SCHEMACTL_PG_BINDIR"):
        yield Path(os.environ["SCHEMACTL_PG_BINDIR"])
    which = shutil.which("postgres")
    if which:
        yield Path(os.path.realpath(which)).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            res = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if res.returncode == 0 and res.stdout.strip():
                yield Path(res.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass

    def version_key(p: str):
        m = re.search(r"/(\d+)(?:\.(\d+))?/bin$", p)
        return (int(m.group(1)), int(m.group(2) or 0)) if m else (0, 0)

    yield from (Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True))


_VERSION = re.compile(r"\d+(?:\.\d+)?")


def _server_version(postgres: Path) -> str | None:
    """The number `postgres --version` prints, remembered in the user's cache under the binary's identity
    (path, size, modification time, inode: an upgrade changes it): a process start less at each server
    start.  None when the binary does not answer."""
    from ..usercache import cache
    try:
        st = postgres.stat()
    except OSError:
        return None
    identity = f"{postgres}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}".encode()
    memo = cache("pg-version", hashlib.sha256(identity).hexdigest()[:32])
    if memo is not None:
        try:
            kept = memo.read_text("ascii")
            if _VERSION.fullmatch(kept):
                return kept
        except (OSError, UnicodeDecodeError):
            pass
    res = subprocess.run([str(postgres), "--version"], capture_output=True, text=True)
    m = _VERSION.search(res.stdout)
    if res.returncode != 0 or not m:
        return None
    if memo is not None:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
            tmp.write_text(m.group(0), "ascii")
            os.replace(tmp, memo)
        except OSError:
            pass
    return m.group(0)


def find_binaries() -> Binaries:
    tried = []
    for d in _candidates():
        tried.append(str(d))
        if (d / "initdb").is_file() and (d / "postgres").is_file():
            version = _server_version(d / "postgres")
            if version is not None:
                return Binaries(d, version)
    raise EngineUnavailable(
        "no PostgreSQL server binaries (initdb, postgres) found; looked in "
        + (", ".join(dict.fromkeys(tried)) or "PATH, pg_config --bindir, /usr/lib/postgresql/*/bin")
        + ". Install them (Debian/Ubuntu: apt-get install postgresql) or set SCHEMACTL_PG_BINDIR."
    )


@dataclass(frozen=True)
class RunAs:
    uid: int
    gid: int
    name: str

    def kwargs(self) -> dict:
        if os.geteuid() != 0:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def run_as() -> RunAs:
    if os.geteuid() != 0:
        return RunAs(os.getuid(), os.getgid(), pwd.getpwuid(os.getuid()).pw_name)
    name = os.environ.get("SCHEMACTL_PG_USER", "postgres")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise EngineUnavailable(
            f"running as root, and PostgreSQL will not run as root; there is no '{name}' account to run it as. "
            "Create one (useradd --system postgres), set SCHEMACTL_PG_USER, or run as a normal user."
        ) from None
    return RunAs(entry.pw_uid, entry.pw_gid, name)


def cache_dir() -> Path:
    if os.environ.get("SCHEMACTL_CACHE_DIR"):
        return Path(os.environ["SCHEMACTL_CACHE_DIR"])
    from ..usercache import base
    return base()


def _chown_tree(path: Path, who: RunAs) -> None:
    if os.geteuid() != 0:
        return
    os.chown(path, who.uid, who.gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), who.uid, who.gid)


def run_dir() -> str:
    """Where server directories go: ``SCHEMACTL_RUN_DIR``, else memory-backed /dev/shm when it
    is writable (copying the template there is several times faster), else the temp directory."""
    chosen = os.environ.get("SCHEMACTL_RUN_DIR")
    if chosen:
        return chosen
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        try:
            st = os.statvfs(shm)
            if st.f_bavail * st.f_frsize > 512 * 1024 * 1024:
                return shm
        except OSError:
            pass
    return tempfile.gettempdir()


def _private_tempdir(prefix: str, who: RunAs) -> Path:
    d = Path(tempfile.mkdtemp(prefix=prefix, dir=run_dir()))
    _chown_tree(d, who)
    return d


def template(binaries: Binaries, who: RunAs) -> Path:
    """The cached initdb result for this server version, made on first use."""
    final = cache_dir() / f"pg{binaries.version}-uid{who.uid}-t{TEMPLATE_LAYOUT}"
    if (final / "PG_VERSION").is_file():
        return final
    work = _private_tempdir("schemactl-initdb-", who)
    try:
        data = work / "data"
        res = subprocess.run(
            [binaries.initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
             "--locale=C", "--no-sync", "--no-instructions", "--wal-segsize=1"],
            capture_output=True, text=True, cwd=str(work), env=_env(), **who.kwargs(),
        )
        if res.returncode != 0:
            raise EngineUnavailable(f"initdb failed ({binaries.initdb}):\n{res.stderr.strip() or res.stdout.strip()}")
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=final.name + ".", dir=final.parent))
        shutil.copytree(data, staging, symlinks=True, dirs_exist_ok=True)
        try:
            os.rename(staging, final)
        except OSError:  # another process won the race; theirs is as good as ours
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    return env


_LIVE: set["LocalPostgres"] = set()


LOCK_FILE = ".schemactl.lock"
_UNLOCKED_AGE = 3600.0   # server directories of earlier schemactl versions have no lock file


def sweep(who: RunAs) -> list[Path]:
    """Remove server directories left behind when schemactl and its watchdog were both killed at once
    (SIGKILL to every process, as a cgroup or container stop does): ours (by name and owner), no process
    holds their lock, and their server no longer runs.  Returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(run_dir()))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith("schemactl-pg-"):
            continue
        path = Path(entry.path)
        try:
            st = entry.stat(follow_symlinks=False)
            if not entry.is_dir(follow_symlinks=False) or st.st_uid not in {os.geteuid(), who.uid}:
                continue
            try:
                fd = os.open(path / LOCK_FILE, os.O_RDONLY)
            except FileNotFoundError:
                if time.time() - st.st_mtime < _UNLOCKED_AGE:
                    continue   # just being made, or an earlier version's that may still run
            else:
                try:   # shared: sweepers of other schemactl processes, looking at the same moment, hold it too
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue   # its watchdog runs (the only holder of the exclusive lock)
                finally:
                    os.close(fd)
        except OSError:
            continue
        if _server_runs(path / "data"):
            continue   # its watchdog was killed; the server is stopping on its parent-death signal
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _server_runs(data: Path) -> bool:
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE):
        server.stop()


class LocalPostgres:
    """``with LocalPostgres() as pg: psycopg.connect(pg.conninfo())``"""

    name = "local"

    def __init__(self, binaries: Binaries | None = None, start_timeout: float = 30.0,
                 settings: dict[str, str] | None = None, meanwhile: Callable[[], object] | None = None):
        """``meanwhile``: called once by start() while the server boots (work that needs no server)."""
        self.binaries = binaries or find_binaries()
        self.meanwhile = meanwhile
        self.settings = {**_SERVER_SETTINGS, **(settings or {})}
        self.who = run_as()
        self.start_timeout = start_timeout
        self.base: Path | None = None
        self.pid: int | None = None              # the postmaster's
        self.watchdog: subprocess.Popen | None = None
        self._lifeline: int | None = None        # write end of the watchdog's standard input
        self.port = 5432

    # -- lifecycle
    def start(self) -> "LocalPostgres":
        tpl = template(self.binaries, self.who)
        sweep(self.who)
        with signals_held():   # Ctrl-C must not land between making the directory and its watchdog
            self.base = Path(tempfile.mkdtemp(prefix="schemactl-pg-", dir=run_dir()))
            _LIVE.add(self)
            self._start_watchdog(tpl)   # it copies the template to data/ (a process of its own: no GIL shared)
        try:
            data = self.base / "data"
            args = [self.binaries.postgres, "-D", str(data), "-k", str(self.base), "-p", str(self.port)]
            for key, value in self.settings.items():
                args += ["-c", f"{key}={value}"]
            os.write(self._lifeline, (json.dumps(args) + "\n").encode())
            if self.meanwhile is not None:   # the watchdog copies the template and starts the server meanwhile
                self.meanwhile()
            answer = self._watchdog_line(self.start_timeout)
            if not answer.startswith("pid "):
                raise EngineUnavailable(f"PostgreSQL could not be started ({self.binaries.postgres}): "
                                        f"{answer.removeprefix('error ') or 'its watchdog exited'}")
            self.pid = int(answer.split()[1])
            self._wait_ready(data)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_watchdog(self, template: Path) -> None:
        """The process that stops the server and removes ``self.base`` when this one ends, however it ends.

        It also keeps the directory's lock file locked for as long as it lives (the lock is taken here and
        the watchdog inherits it): a directory whose lock nobody holds is a leftover (see ``sweep``)."""
        read_end, write_end = os.pipe()   # both close-on-exec: no other child of ours keeps the lifeline open
        # Made under another name and renamed once locked: a sweep never finds the lock file unlocked.
        making = self.base / (LOCK_FILE + ".new")
        lock = os.open(making, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.rename(making, self.base / LOCK_FILE)
            self.watchdog = subprocess.Popen(
                [sys.executable, "-I", "-S", str(WATCHDOG), str(self.base), str(self.who.uid), str(self.who.gid),
                 str(template)],
                stdin=read_end, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=str(self.base),
                env=_env(), start_new_session=True, pass_fds=(lock,))
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
            os.close(lock)
        self._lifeline = write_end

    def _watchdog_line(self, timeout: float) -> str:
        """The watchdog's next report ("" when it said nothing in time or exited)."""
        out = self.watchdog.stdout
        ready, _, _ = select.select([out], [], [], timeout)
        return out.readline().decode(errors="replace").strip() if ready else ""

    def _wait_ready(self, data: Path) -> None:
        deadline = time.monotonic() + self.start_timeout
        pidfile = data / "postmaster.pid"
        while time.monotonic() < deadline:
            if self._watchdog_line(0).startswith("exited") or self.watchdog.poll() is not None:
                raise EngineUnavailable(f"PostgreSQL exited during start-up:\n{self._log_tail()}")
            try:
                lines = pidfile.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise EngineUnavailable(f"PostgreSQL did not become ready in {self.start_timeout:.0f} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return "\n".join((self.base / "server.log").read_text(errors="replace").splitlines()[-15:])
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        """Stop the server and remove its directory (the watchdog does both; waited for)."""
        with signals_held():
            lifeline, self._lifeline = self._lifeline, None
            if lifeline is not None:
                os.close(lifeline)
            watchdog, self.watchdog = self.watchdog, None
        if watchdog is not None:
            try:
                watchdog.terminate()   # also when a forked child of ours still holds the lifeline open
            except ProcessLookupError:
                pass
            try:
                wait_exit(watchdog, 20)
            except subprocess.TimeoutExpired:
                watchdog.kill()   # the server gets SIGQUIT from the kernel when its watchdog dies
                watchdog.wait()
            watchdog.stdout.close()
        self.pid = None
        base, self.base = self.base, None
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)
        _LIVE.discard(self)

    def __enter__(self) -> "LocalPostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- connection details
    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.base} port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        from urllib.parse import quote
        return f"postgresql://postgres@/{dbname}?host={quote(str(self.base), safe='')}&port={self.port}"
