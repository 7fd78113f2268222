"""The SQLite connection settings a manifest may declare (``sqlite.pragmas``), each with the values
SQLite really takes.  SQLite says nothing about a value it does not know: ``foreign_keys = maybe``
leaves foreign keys OFF, ``synchronous = soon`` sets NORMAL, ``journal_mode = wall`` keeps the
current mode, ``busy_timeout = -5`` is 0.  So every value is checked here, against this table, and
tests/manifest/test_pragmas.py sets each accepted value on a real SQLite and reads it back.

A row is the setting's name and its domain: ``Bool`` (true/false, or SQLite's words and 0/1),
``Int(low, high)`` (whole numbers SQLite keeps as given) or ``Words(...)`` (case-insensitive words,
with the numbers SQLite reads the same way).  Adding a setting is adding a row.  Settings of the
database file (page_size, auto_vacuum, user_version …), of the process (soft_heap_limit …) and those
that would break the chain or the contract (query_only, ignore_check_constraints, legacy_alter_table,
writable_schema …) are not connection settings schemactl applies."""

from __future__ import annotations

from dataclasses import dataclass

INT32 = (-2 ** 31, 2 ** 31 - 1)
MMAP_MAX = 0x7fff0000          # SQLITE_MAX_MMAP_SIZE's default: SQLite lowers a larger mmap_size to it


@dataclass(frozen=True)
class Bool:
    def accepts(self, value) -> bool:
        if isinstance(value, bool):
            return True
        if isinstance(value, int):
            return value in (0, 1)
        return isinstance(value, str) and value.lower() in ("on", "off", "yes", "no", "true", "false", "0", "1")

    def describe(self) -> str:
        return "true or false (or ON/OFF, YES/NO, 1/0)"


@dataclass(frozen=True)
class Int:
    low: int
    high: int
    note: str = ""

    def accepts(self, value) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, str):
            text = value[1:] if value.startswith("-") else value
            if not text.isascii() or not text.isdigit():
                return False
            value = int(value)
        return isinstance(value, int) and self.low <= value <= self.high

    def describe(self) -> str:
        return f"a whole number from {self.low} to {self.high}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Words:
    words: tuple[str, ...]
    numbers: tuple[int, ...] = ()     # the same settings by number, in the order of ``words``
    boolean: bool = False             # true/false too (secure_delete: ON, OFF or FAST)

    def accepts(self, value) -> bool:
        if isinstance(value, bool):
            # pragma_sql writes true/false as ON/OFF
            return self.boolean or ("OFF" if not value else "ON") in self.words
        if self.boolean and Bool().accepts(value):
            return True
        if isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit()):
            return int(value) in self.numbers
        return isinstance(value, str) and value.upper() in self.words

    def describe(self) -> str:
        listed = ", ".join(self.words)
        if self.boolean:
            listed = "true, false, " + listed
        if self.numbers:
            listed += f" (or {self.numbers[0]}-{self.numbers[-1]})"
        return "one of " + listed


PRAGMAS = {
    # booleans
    "automatic_index": Bool(),
    "cell_size_check": Bool(),
    "checkpoint_fullfsync": Bool(),
    "foreign_keys": Bool(),
    "fullfsync": Bool(),
    "read_uncommitted": Bool(),
    "recursive_triggers": Bool(),
    "reverse_unordered_selects": Bool(),
    "trusted_schema": Bool(),
    # whole numbers
    "busy_timeout": Int(0, INT32[1], "milliseconds"),
    "cache_size": Int(*INT32, "pages, or KiB when negative"),
    "journal_size_limit": Int(-1, 2 ** 63 - 1, "bytes, -1 for no limit"),
    "mmap_size": Int(0, MMAP_MAX, "bytes"),
    "wal_autocheckpoint": Int(0, INT32[1], "pages, 0 turns it off"),
    # words
    "journal_mode": Words(("DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF")),
    "locking_mode": Words(("NORMAL", "EXCLUSIVE")),
    "secure_delete": Words(("FAST",), boolean=True),
    "synchronous": Words(("OFF", "NORMAL", "FULL", "EXTRA"), (0, 1, 2, 3)),
    "temp_store": Words(("DEFAULT", "FILE", "MEMORY"), (0, 1, 2)),
}


def shown(value) -> str:
    """A value as the manifest spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else f'"{value}"'


def check(m, problems) -> None:
    """Each declared pragma is a setting of the table with a value of its domain.  A name SQLite does not
    know at all is left to enginecheck (which asks SQLite and suggests the nearest name)."""
    unlisted = [name for name, _ in m.pragmas if name not in PRAGMAS]
    known = _sqlite_pragmas() if unlisted else frozenset()
    for name, value in m.pragmas:
        where = ("sqlite", "pragmas", name)
        domain = PRAGMAS.get(name)
        if domain is None:
            if name in known:
                problems.add(where, f'sqlite.pragmas: "{name}" is not a connection setting schemactl applies '
                                    f"(it takes {', '.join(sorted(PRAGMAS))}); remove it", key=True)
        elif not domain.accepts(value):
            problems.add(where, f"sqlite.pragmas: {name}: {shown(value)} is not one of its values (SQLite would "
                                f"not refuse it but set something else, or nothing); use {domain.describe()}")


def _sqlite_pragmas() -> frozenset:
    import sqlite3
    conn = sqlite3.connect(":memory:")
    try:
        return frozenset(row[0] for row in conn.execute("PRAGMA pragma_list"))
    finally:
        conn.close()
