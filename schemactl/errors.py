"""User-facing problems: located diagnostics and the exceptions that carry them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    col: int
    message: str
    severity: str = "error"
    path: tuple = field(default=(), compare=False, repr=False)   # the manifest path it is about, when known

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"


class SchemactlError(Exception):
    """An error caused by the user's input or environment (exit 2, no traceback)."""

    exit_code = 2


class ManifestInvalid(SchemactlError):
    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(map(str, self.diagnostics)))


class EngineUnavailable(SchemactlError):
    """No database engine could be started or reached; says what was tried."""


_STAGED = re.compile(r"^(?P<dir>.*/)?\.(?P<name>.+)\.[0-9a-f]{8,}\.schemactl\.tmp$")
_SECRET = re.compile(r"(?i)((?:ssl)?password\s*=\s*)('[^']*'|\S+)|(://[^:/@\s]*:)[^@\s]*@")

# SQLSTATE classes that mean schemactl sent SQL the engine cannot read: a bug, not the user's database.
_OWN_SQL_STATES = ("42601", "42883", "42P01", "42703", "42P02", "42804", "42P18")


_SYMLINK_LOOP = re.compile(r"Symlink loop from '(?P<path>.*)'$")


def classify_failure(exc: BaseException) -> tuple[int, str]:
    """(exit code, one line) for an exception no command turned into a SchemactlError.

    The environment (files, permissions, a full disk, a locked, damaged or refusing
    database, text that is not UTF-8) is exit 2 like any other unusable input; anything
    else is schemactl's own failure, exit 3.  Secrets are kept out of the line.
    """
    module = type(exc).__module__.split(".")[0]
    text = " ".join(str(exc).split())
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        package = {"psycopg": "psycopg[binary]", "yaml": "pyyaml"}.get(exc.name.split(".")[0], exc.name)
        return 2, (f"error: this command needs the Python package {package!r}, which is not installed; "
                   f"run `pip install '{package}'` in schemactl's environment")
    if isinstance(exc, OSError):
        name = str(exc.filename) if getattr(exc, "filename", None) else ""
        staged = _STAGED.match(name)
        if staged:   # a temporary file of an all-or-nothing write: name the file it stands for
            return 2, f"error: cannot write {staged['dir']}{staged['name']}: {exc.strerror or text}; nothing was written"
        return 2, f"error: cannot use{' ' + name if name else ''}: {exc.strerror or text}"
    loop = _SYMLINK_LOOP.match(text) if isinstance(exc, RuntimeError) else None
    if loop:   # pathlib's resolve() before Python 3.13 (it raises OSError ELOOP since)
        return 2, f"error: cannot use {loop['path']}: a loop of symbolic links; point the link at a file"
    if isinstance(exc, UnicodeDecodeError):
        return 2, f"error: a file is not valid UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8"
    if isinstance(exc, MemoryError):
        return 2, "error: out of memory; the input is too large for this machine"
    if module == "sqlite3" and type(exc).__name__ in ("OperationalError", "DatabaseError", "IntegrityError",
                                                      "DataError", "NotSupportedError"):
        held = (" (another connection holds a lock on it: a running service, a sqlite3 shell, a migration; let it "
                "finish or close it, then run again)" if text in ("database is locked", "database table is locked")
                else "")
        return 2, f"error: the SQLite database cannot be used: {text}{held}"
    if module == "psycopg" and type(exc).__name__ != "InterfaceError" \
            and getattr(exc, "sqlstate", None) not in _OWN_SQL_STATES:
        return 2, f"error: the PostgreSQL server refused: {_SECRET.sub(_hide, text)}"
    return 3, (f"internal error: {type(exc).__name__}: {_SECRET.sub(_hide, text)[:500]} "
               "(a bug in schemactl; rerun with --debug for the traceback and report it)")


def _hide(m: re.Match) -> str:
    return f"{m.group(1)}***" if m.group(1) else f"{m.group(3)}***@"


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> tuple[int, int, str]:
    """(line, column, message) of the first byte of ``data`` that is not UTF-8, as a file's problem is said."""
    line = data.count(b"\n", 0, exc.start) + 1
    col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return line, col, (f"byte 0x{data[exc.start]:02X} is not UTF-8 (the file was saved in another encoding); "
                       "save it as UTF-8")
