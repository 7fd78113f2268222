"""The watchdog that ties a throwaway PostgreSQL to the schemactl process that started it.

Run by ``postgres_local.LocalPostgres`` as ``python -I -S _watchdog.py BASE UID GID [TEMPLATE]`` (standard
library only, no schemactl import, so it starts in a few milliseconds), in a session of its own so that a
terminal's Ctrl-C or hang-up reaches schemactl, which then stops the server in order.  With TEMPLATE it
first copies that data directory to BASE/data (owned by UID/GID when it runs as root): a thousand small
files, copied here, in a process of its own, while schemactl goes on with its own work.

Its standard input is the read end of a pipe whose write end only schemactl holds (the lifeline).
schemactl writes one line to it: the server's command line as JSON.  The watchdog starts the server
(as UID/GID when it runs as root), writes ``pid N`` to its standard output, and waits.  When the
lifeline reaches end-of-file -- schemactl closed it, exited, or was killed with SIGKILL, which no
handler can catch -- or the watchdog gets SIGTERM (noted, never raised as an exception), it stops the server with an immediate shutdown
(SIGQUIT, then SIGKILL after 10 s) and removes BASE, the server's whole directory.  If the server exits
on its own it writes ``exited N`` and still waits for the lifeline before removing BASE (so schemactl
can read the server log).

Should the watchdog itself be killed, the server gets SIGQUIT from the kernel (Linux parent-death
signal), so no server outlives both.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1


def _parent_death_signal():
    """A function for the child, between fork and exec: SIGQUIT when the watchdog dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    watchdog = os.getpid()

    def setup():
        # After the switch to the server's account (subprocess changes uid before this runs), so the
        # setting is not cleared by the credential change; it survives exec of the server.
        prctl(PR_SET_PDEATHSIG, int(signal.SIGQUIT), 0, 0, 0)
        if os.getppid() != watchdog:   # the watchdog died before the setting took effect
            os._exit(1)
    return setup


def _say(line: str) -> None:
    try:
        os.write(1, (line + "\n").encode())
    except OSError:   # schemactl is gone; nobody is listening
        pass


def _next_input(wake: int, timeout: float | None = None) -> bytes | None:
    """What the lifeline brings next: bytes, b"" at end-of-file or once SIGTERM came (its handler only
    writes to ``wake``: an exception raised at any point could cut the clean-up short), None when nothing
    came within ``timeout`` seconds."""
    ready, _, _ = select.select([0, wake], [], [], timeout)
    if _stopping or wake in ready:
        return b""
    return os.read(0, 65536) if ready else None


def _read_command(wake: int) -> list | None:
    """The server's command line from the lifeline, or None at end-of-file or SIGTERM."""
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = _next_input(wake)
        if not chunk:
            return None
        buf += chunk
    return json.loads(buf.decode())


def wait_exit(proc: subprocess.Popen, timeout: float) -> int:
    """``proc.wait(timeout)``, returning the moment the process ends: Popen.wait polls with sleeps that
    grow to 50 ms (a few milliseconds' exit waited for up to twice as long); a pidfd (Linux 5.3) wakes
    select() at the exit.  Also used by postgres_local to wait for this watchdog."""
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):   # not Linux, an old kernel, or the process already reaped
        return proc.wait(timeout=timeout)
    try:
        select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
    return proc.wait(timeout=0)   # TimeoutExpired when it did not end in time


def _stop(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGQUIT)   # immediate shutdown: the data is thrown away anyway
        wait_exit(proc, 10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except ProcessLookupError:
        pass


def _prepare(base: str, template: str, uid: int, gid: int) -> None:
    """BASE/data from TEMPLATE, private to the server's account."""
    data = os.path.join(base, "data")
    shutil.copytree(template, data, symlinks=True)
    if os.geteuid() == 0:
        os.chown(base, uid, gid)
        for root, dirs, files in os.walk(base):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), uid, gid)
    os.chmod(data, 0o700)


_stopping = False


def _terminate(signum, frame):
    global _stopping
    _stopping = True


def main(argv: list) -> int:
    base, uid, gid = argv[0], int(argv[1]), int(argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    wake, woken = os.pipe()
    os.set_blocking(woken, False)
    signal.set_wakeup_fd(woken)   # SIGTERM wakes the select() below
    signal.signal(signal.SIGTERM, _terminate)
    # A process starts with the signal mask of the thread that started it, and schemactl starts this one
    # with SIGINT/SIGTERM/SIGHUP held (so no Ctrl-C lands between the directory and its watchdog): held
    # here, schemactl's SIGTERM would never arrive, nor would the server's signals (it inherits the mask).
    # Released once the handlers are in place: a SIGTERM already pending arrives now, and is handled.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    proc = None
    try:
        failed = None
        if len(argv) > 3:
            try:
                _prepare(base, argv[3], uid, gid)
            except OSError as exc:
                failed = f"cannot copy the template data directory: {exc}"
        args = _read_command(wake)
        if args is None:
            return 0
        who = {"user": uid, "group": gid, "extra_groups": []} if os.geteuid() == 0 and uid != 0 else {}
        try:
            if failed:
                raise OSError(failed)
            with open(os.path.join(base, "server.log"), "ab") as log:
                proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        cwd=base, preexec_fn=_parent_death_signal(), **who)
        except OSError as exc:
            _say(f"error {exc}")
            while _next_input(wake):
                pass
            return 1
        _say(f"pid {proc.pid}")
        running = True
        while True:
            if _next_input(wake, 0.1 if running else None) == b"":
                return 0
            if running and proc.poll() is not None:
                running = False
                _say(f"exited {proc.returncode}")
    finally:
        _stop(proc)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
