"""Sharing independent rendering work with a forked process, where that is safe and worth it.

The parent forks once, the child renders its share and hands the texts back (UTF-8, each prefixed by its
length) in a file in memory (a memfd; through the pipe where there is none), then ends with os._exit (no atexit handler, no buffered output of the parent's is
flushed twice).  Whatever goes wrong in the child -- an exception, a signal, a short read -- the parent
renders that share itself, so an error is raised (and reported) exactly as without the child.  No fork
where it is unsafe or unavailable: not Linux (no os.fork on Windows; macOS system frameworks are not
fork-safe), another thread running (a forked copy of a process with threads may inherit a lock held by a
thread that does not exist in it), or one core only; SCHEMACTL_NO_FORK=1 turns it off.
"""

from __future__ import annotations

import os
import struct
from typing import Callable

from ..cores import fork_usable, kill, reap

_LENGTH = struct.Struct(">Q")


def usable() -> bool:
    return fork_usable()


class Handoff:
    """A value both processes need (a manifest's schema hash, which every file shows): computed once, by the
    forked process before its share, which hands it over (render_shared), or here when there is none.
    Called for the value."""

    def __init__(self, compute: Callable[[], str]):
        self._compute = compute
        self._value: str | None = None
        self._receive: Callable[[], str | None] | None = None   # render_shared's, in the parent

    def __call__(self) -> str:
        if self._value is None:
            got = self._receive() if self._receive is not None else None
            self._value = got if got is not None else self._compute()
        return self._value


def split(names: list[str], weight: dict[str, int], head_start: int = 0,
          their_head_start: int = 0, together: tuple = ()) -> tuple[list[str], list[str]]:
    """(the child's share, the parent's): heaviest first, each to the lighter side so far; the sides start
    at ``their_head_start`` and ``head_start`` (other work, in the same units).  ``together``: groups of
    names that go to the same side (they share work a process does once), weighed together."""
    grouped = {n for group in together for n in group}
    units = [[n for n in group if n in names] for group in together]
    units = [u for u in units if u] + [[n] for n in names if n not in grouped]
    mine: list[str] = []
    theirs: list[str] = []
    loads = [their_head_start, head_start]
    for unit in sorted(units, key=lambda u: -sum(weight.get(n, 1) for n in u)):
        side = 0 if loads[0] <= loads[1] else 1
        (theirs if side == 0 else mine).extend(unit)
        loads[side] += sum(weight.get(n, 1) for n in unit)
    return theirs, mine


def render_shared(names: list[str], render: Callable[[str], str], weight: dict[str, int],
                  meanwhile: Callable[[], object] | None = None, meanwhile_weight: int = 0,
                  handoff: Handoff | None = None, handoff_weight: int = 0, together: tuple = ()) -> dict[str, str]:
    """{name: render(name)} for every name, about half of them rendered by a forked process.

    ``meanwhile``: called once, before anything is rendered here: while the forked process renders its share
    (its weight, in ``weight``'s units, lightens this process's share).  Should it raise, the forked process
    is stopped and nothing is rendered.  ``handoff``: a value ``render`` needs (calls), which the forked
    process computes first (its weight lightens that process's share) and hands over.  ``together``: see
    split."""
    if len(names) < 2 or not usable():
        if meanwhile is not None:
            meanwhile()
        return {name: render(name) for name in names}
    theirs, mine = split(names, weight, meanwhile_weight if meanwhile is not None else 0,
                         handoff_weight if handoff is not None else 0, together)
    read_end, write_end = os.pipe()
    spool = _spool()
    pid = os.fork()
    if pid == 0:   # the child: render, send, end -- whatever happens, it ends here
        code = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                if handoff is not None:   # at once: the parent may need it before its share
                    _send(out, handoff().encode("utf-8", "surrogatepass"))
                    out.flush()
                texts = b"".join(_LENGTH.pack(len(data)) + data for data in
                                 (render(name).encode("utf-8", "surrogatepass") for name in theirs))
                if spool is not None:   # written while the parent renders, read by it at once when done
                    _write_all(spool, texts)
                    out.write(_SPOOLED)
                else:   # (all rendered before the first write: the parent reads once its share is done)
                    out.write(texts)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    got = os.fdopen(read_end, "rb")
    finished = False
    try:
        if handoff is not None:
            handoff._receive = lambda: _received_one(got)
        if meanwhile is not None:
            meanwhile()
        done = {name: render(name) for name in mine}
        if handoff is not None:
            handoff()   # read off the pipe (or computed here) before the texts behind it
        received = got.read()
        if spool is not None:
            received = _read_all(spool) if received == _SPOOLED else b""
        finished = True
    finally:
        if handoff is not None:
            handoff._receive = None
        got.close()
        if spool is not None:
            os.close(spool)
        if not finished:   # the parent's share failed (or Ctrl-C): a child blocked on a full pipe must not be waited for
            kill(pid)
        reap(pid)
    done.update(_unpack(theirs, received))
    for name in theirs:
        if name not in done:   # the child did not finish: its share is rendered here (its errors raised here)
            done[name] = render(name)
    return done


_SPOOLED = b"spooled"


def _spool() -> int | None:
    """A file in memory for the child's texts (Linux memfd), or None: they then go through the pipe, where
    the child waits for the parent to read (64 KB at a time) once the parent's own share is done."""
    try:
        return os.memfd_create("schemactl-render", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return None


def _read_all(fd: int) -> bytes:
    """The whole of the spool, from its start (the child moved the offset both share)."""
    size, parts, at = os.fstat(fd).st_size, [], 0
    while at < size:
        part = os.pread(fd, size - at, at)
        if not part:
            break
        parts.append(part)
        at += len(part)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _send(out, data: bytes) -> None:
    out.write(_LENGTH.pack(len(data)))
    out.write(data)


def _received_one(got) -> str | None:
    """The next length-prefixed text from the pipe; None when the child ended before sending it whole."""
    head = got.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = got.read(size)
    return data.decode("utf-8", "surrogatepass") if len(data) == size else None


def _unpack(names: list[str], data: bytes) -> dict[str, str]:
    out = {}
    at = 0
    for name in names:
        if at + _LENGTH.size > len(data):
            break
        (size,) = _LENGTH.unpack_from(data, at)
        at += _LENGTH.size
        if at + size > len(data):
            break
        out[name] = data[at:at + size].decode("utf-8", "surrogatepass")
        at += size
    return out

