"""Reading a large manifest in two processes: the parent reads the text up to a table in the middle of
``tables:``, a forked copy reads the rest (as a document of its own that starts with ``tables:``), and
the two readings are joined.  libyaml's events take ~0.08 s of a 1,000-table manifest's 0.1 s load; two
halves read at once take about half of that.

Only where the join is exactly the whole document's reading, and otherwise None (the caller reads the whole
text as before).  The cut is made only at a line that holds nothing but a plain table name at two spaces
(``  orders:``) below a ``tables:`` line at the left margin, in a text without tabs, carriage returns,
document markers or directives.  A cut inside anything that spans lines is refused: a quoted string or a
flow collection left open makes the first half unreadable on its own (refused), and a plain or block
scalar of a deeper key ends at a line indented two spaces, as in the whole document.  Each half must be
read by the fast reading (no anchors, aliases, tags, duplicate keys ...), and a key both halves hold (a
table named twice) refuses the join: the whole reading then reports the duplicate at its position.
Positions are never taken from the halves: they are read from the whole text when first asked for.
"""

from __future__ import annotations

import marshal
import os
import re

from . import yamlpos

_TABLES = re.compile(r"^tables:[ ]*(?:#[^\n]*)?$", re.M)
_TOP_LEVEL = re.compile(r"^[^ \n#]", re.M)           # the next top-level key (or anything at the margin)
_ENTRY = re.compile(r"^  [A-Za-z_][A-Za-z0-9_]*:[ ]*(?:#[^\n]*)?$", re.M)
_MARKERS = re.compile(r"^(?:---|\.\.\.|%)", re.M)


def cut(text: str, share: float = 0.47) -> int | None:
    """The offset of the table line where ``text`` may be cut nearest ``share`` of it (the parent's part,
    which also joins the halves: a little under half), or None."""
    if "\t" in text or "\r" in text or _MARKERS.search(text):
        return None
    found = _TABLES.findall(text)
    if len(found) != 1:
        return None
    start = _TABLES.search(text).end()
    end_match = _TOP_LEVEL.search(text, start + 1)
    end = end_match.start() if end_match else len(text)
    entries = [m.start() for m in _ENTRY.finditer(text, start, end)]
    if len(entries) < 2:
        return None
    middle = int(len(text) * share)
    return min(entries[1:], key=lambda at: abs(at - middle))   # never the first table: each half holds one


def load(text: str) -> yamlpos.Located | None:
    """The whole document's reading (data and surprises; positions read later from ``text``), or None."""
    from ..cores import Forked, fork_usable
    early = _ahead.pop(0) if _ahead else None
    if early is not None and early[0] == text:
        at, theirs = early[1], early[2]
    else:
        if early is not None:   # another text (the file changed since): that reading is of no use
            early[2].stop()
        if len(text) < yamlpos.SPLIT_FROM or not fork_usable():
            return None
        at = cut(text)
        if at is None:
            return None
        second = "tables:\n" + text[at:]
        theirs = Forked(lambda: _reading(second))
    with theirs:
        first = yamlpos.fast_reading(text[:at])
        if first is None:
            return None
        got = theirs.result()
    return _joined(first, got, text)


_ahead: list = []   # [(text, cut, Forked)]: the reading read_ahead started
# The parent's part when it first imports the loader (~15 ms, against ~0.1 s of reading 1,000 tables; the
# parent joins the halves too):
AHEAD_SHARE = 0.42


def read_ahead(path, share: float = AHEAD_SHARE) -> None:
    """Before this process imports the manifest loader (manifest.load and what it needs, ~15 ms) and does
    other work that needs no manifest: start reading the larger part (1 - ``share``) of the manifest file at
    ``path`` in a forked process, so that the load of the same text that follows reads only the rest.
    Nothing is started for a small file, where no fork is usable, or while another reading ahead waits
    (``drop_ahead`` ends an unused one)."""
    from ..cores import Forked, fork_usable
    if _ahead or not fork_usable():
        return
    import stat
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return   # a pipe (generate <(…)) or a device: its bytes are the loader's to read, once
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return   # the loader reports it
    if len(text) < yamlpos.SPLIT_FROM:
        return
    at = cut(text, share)
    if at is not None:
        second = "tables:\n" + text[at:]
        _ahead.append((text, at, Forked(lambda: _reading(second))))


def drop_ahead() -> None:
    """End a reading ahead that no load used."""
    while _ahead:
        _ahead.pop()[2].stop()


def _reading(text: str) -> bytes:
    located = yamlpos.fast_reading(text)
    return marshal.dumps(None if located is None else (located.data, located.surprises, located.built))


def _joined(first: yamlpos.Located, got: bytes | None, text: str) -> yamlpos.Located | None:
    if got is None:
        return None
    try:
        second = marshal.loads(got)
    except (EOFError, ValueError, TypeError):
        return None
    if second is None:
        return None
    data, surprises, built = second
    head = first.data
    if not (isinstance(head, dict) and isinstance(data, dict) and isinstance(head.get("tables"), dict)
            and isinstance(data.get("tables"), dict) and next(iter(data)) == "tables"):
        return None
    if any(k in head for k in data if k != "tables") or any(k in head["tables"] for k in data["tables"]):
        return None   # a key written twice: the whole reading reports it where it is
    if first.built + built - 2 > yamlpos.MAX_VALUES:   # (the second half's own document and tables: mappings)
        return None
    head["tables"].update(data["tables"])
    for key, value in data.items():
        if key != "tables":
            head[key] = value
    out = yamlpos.Located(head, text=text)
    out.surprises = {**first.surprises, **surprises}
    out.built = first.built + built - 2
    return out
