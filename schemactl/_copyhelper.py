"""copy's second reader: a process that reads every other segment of a large SQLite table while the
command reads the rest (schemactl.datafast.grouped_batches starts it and says when).

Run as a script of its own, by path, with ``python -I -S``: it imports nothing but the standard library,
so it starts in a few tens of milliseconds.  On standard input, one JSON object:

    {"uri": read-only file: URI of the source, "path": its path, "file": [device, inode] of the file the
     command has open, "queries": {"11"|"10"|"01"|"00": the batch query with a lower bound, an upper bound,
     both or neither}, "batch": rows per batch, "tabs": tabs per line,
     "segments": [[lower rowid or null, upper rowid or null], ...]}

For each segment, in order, it writes frames on standard output: a header (kind, rows, length, whether a
last rowid follows, that rowid: ">BQQBq") and ``length`` bytes.  Kind 1: one batch's COPY text (its lines,
a line feed after each) and the batch's last rowid; kind 2: the segment is complete;
kind 3: the segment holds a line batch_ok does not vouch for (the command reads that segment itself, a
line per row where needed).  A whole segment is read before its first frame is written, so the command
finds it ready when it comes to it.

It reads in its own read transaction, opened while the command's own read transaction holds the
database's shared lock (rollback-journal mode only: no writer can commit in between), so both see the same
rows; and only the file the command has open: when the path names another file now (replaced, renamed
over), it ends without a frame.  A busy database is not waited for.  Whenever it ends without sending a
segment, the command reads it itself.
"""

import json
import os
import struct
import sys

FRAME = struct.Struct(">BQQBq")
BATCH, DONE, REFUSED = 1, 2, 3
MAX_FRAME = 1 << 31   # no batch's text is longer: anything else on the pipe is not a frame
_MARKED = b"\t\n\\\r"    # what only the lines may put in a batch (see batch_ok)
LEFT_OUT = "\x01"         # the line of a row the batch query leaves out (datafast.plan)
_LEFT_OUT = LEFT_OUT.encode()


def batch_ok(blob, rows: int, marks, tabs: int) -> bool:
    """True when a batch SQLite joined is exactly its rows' COPY lines: every row made a line (none is LEFT_OUT),
    no NUL or carriage return, a tab where the lines put one and no more, a line feed between lines and no
    more, a backslash only where the lines mark one (NULL's \\N, bytes' \\\\x), valid UTF-8.  Anything else
    is read again a line per row (also a value that holds LEFT_OUT's character: its row is then checked
    value by value, and carried as it always is)."""
    # The lines alone put rows * tabs tabs, rows - 1 line feeds and ``marks`` backslashes in the batch, and no
    # carriage return; a value can only add to each (a NUL, which would cut a line short, is checked by the
    # query and again here).  So one count of the four together, in one pass, tells whether any value holds one.
    if b"\x00" in blob or _LEFT_OUT in blob or \
            len(blob) - len(blob.translate(None, _MARKED)) != rows * tabs + rows - 1 + marks:
        return False
    if blob.isascii():
        return True
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def segment(conn, queries: dict, batch: int, tabs: int, lo, hi):
    """[(COPY text, rows, the last rowid or None)] of the segment's batches, or None when one
    of them is not vouched for."""
    out = []
    last = lo
    while True:
        sql = queries[f"{int(last is not None)}{int(hi is not None)}"]
        params = [x for x in (last, hi) if x is not None] + [batch]
        blob, rows, _, last, marks = conn.execute(sql, params).fetchone()
        if not rows:
            return out
        if not batch_ok(blob, rows, marks, tabs):
            return None
        out.append((blob + b"\n", rows, last))
        if rows < batch or last is None:
            return out


# SQLite's sqlite3_config option that turns its memory statistics on or off (sqlite3.h)
_SQLITE_CONFIG_MEMSTATUS = 9


def unmetered() -> bool:
    """Turn SQLite's memory statistics off in this process (SQLITE_CONFIG_MEMSTATUS): SQLite then allocates
    without taking a process-wide lock to count every allocation, which a copy's batch queries do several times
    per row (about a sixth of their time on this machine).  Nothing else changes: those statistics and a soft
    heap limit, which schemactl uses neither of, are all the setting serves.

    Only possible before SQLite starts, which importing the sqlite3 module does: True where it was turned off;
    False, and nothing done, where SQLite has started, where the library's sqlite3_config is not to be found
    from the sqlite3 module's own file (a build that hides it), or on a platform where calling it (a function
    of variable arguments) through ctypes is not known to be sound (other than Linux on x86-64 or ARM64)."""
    if "_sqlite3" in sys.modules or sys.platform != "linux" or os.uname().machine not in ("x86_64", "aarch64"):
        return False
    try:
        import ctypes
        import importlib.util
        spec = importlib.util.find_spec("_sqlite3")   # (found, not imported: importing it starts SQLite)
        if spec is None or not spec.origin:
            return False
        config = ctypes.CDLL(spec.origin).sqlite3_config   # the library the module itself calls
    except (ImportError, OSError, AttributeError, ValueError):
        return False
    config.restype = ctypes.c_int
    return config(ctypes.c_int(_SQLITE_CONFIG_MEMSTATUS), ctypes.c_int(0)) == 0


def main() -> int:
    job = json.load(sys.stdin)
    out = sys.stdout.buffer
    unmetered()
    import sqlite3
    conn = sqlite3.connect(job["uri"], uri=True, timeout=0, isolation_level=None)
    conn.text_factory = bytes
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()   # the shared lock, from here to the end
    now = os.stat(job["path"])
    if [now.st_dev, now.st_ino] != job["file"]:
        return 3      # not the file the command reads
    for lo, hi in job["segments"]:
        got = segment(conn, job["queries"], job["batch"], job["tabs"], lo, hi)
        if got is None:
            out.write(FRAME.pack(REFUSED, 0, 0, 0, 0))
        else:
            for data, rows, last in got:
                out.write(FRAME.pack(BATCH, rows, len(data), last is not None, last or 0))
                out.write(data)
            out.write(FRAME.pack(DONE, 0, 0, 0, 0))
        out.flush()
    conn.execute("ROLLBACK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
