"""_copyhelper.unmetered: SQLite's memory statistics are turned off before SQLite starts (copy's batch queries
allocate several times per row, each counted under a process-wide lock), in processes of their own: the
memory SQLite reports in use stays 0 where they are off, and is counted where it is too late to turn them off
(the sqlite3 module was imported first) or they were left on.  The console script turns them off for copy,
backup and restore only, and the rows a copy reads are the same either way (test_fast, test_helper)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from schemactl import console

pytestmark = pytest.mark.skipif(sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"),
                                reason="SQLite's memory statistics are turned off on Linux x86-64 and ARM64 only")

# SQLite's memory in use after a query (sqlite3_status64(SQLITE_STATUS_MEMORY_USED)), printed as the last line
IN_USE = """
import ctypes, sqlite3, _sqlite3
conn = sqlite3.connect(":memory:")
conn.execute("SELECT group_concat(printf('%d', value)) FROM json_each('[1,2,3]')").fetchall()
status = ctypes.CDLL(_sqlite3.__file__).sqlite3_status64
now, high = ctypes.c_int64(), ctypes.c_int64()
assert status(0, ctypes.byref(now), ctypes.byref(high), 0) == 0
print(now.value)
"""


def _run(code: str, *args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_turned_off_before_sqlite_starts():
    turned, used = _run("from schemactl._copyhelper import unmetered; print(unmetered())" + IN_USE)
    assert turned == "True" and used == "0"


def test_counted_where_left_on_or_too_late():
    (used,) = _run(IN_USE)
    assert int(used) > 0
    turned, used = _run("import sqlite3; from schemactl._copyhelper import unmetered; print(unmetered())" + IN_USE)
    assert turned == "False" and int(used) > 0


@pytest.mark.parametrize("argv,off", [(["copy", "--help"], True), (["--debug", "restore", "--help"], True),
                                      (["backup", "--help"], True), (["parity", "--help"], False),
                                      (["--help"], False)])
def test_the_console_script_turns_them_off_for_the_commands_of_many_rows(argv, off):
    assert (console._command(argv) in console._SQLITE_HEAVY) is off
    # the console script itself, up to the command's exit; then SQLite's count
    code = ("import atexit, sys\n"
            "def report():\n" + "".join(f"    {line}\n" for line in IN_USE.strip().splitlines()) +
            "atexit.register(report)\n"
            "sys.argv = ['schemactl', *sys.argv[1:]]\n"
            "from schemactl.console import run\n"
            "run()\n")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    used = int(out.stdout.split()[-1])
    assert (used == 0) is off
