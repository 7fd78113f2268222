"""The console script ``schemactl`` (and ``python -m schemactl``): what a command can start before the
command-line interface and its modules are imported, then schemactl.cli.run.

``schemactl import --drizzle FILE`` spends most of its time waiting for Node to load FILE; Node is started here,
from the arguments alone, 0.05-0.1 s before click and the CLI's modules would let import_cmd start it.  Only an
invocation made of import's own options is read so (anything else, --help included, is left to the CLI), and
nothing here reports an error: what cannot be started ahead is started, or refused, by the command as before."""

from __future__ import annotations

import sys

# import's options that take a value (True) or are flags (False); any other argument: nothing is started here
_IMPORT_OPTIONS = {"--drizzle": True, "--casing": True, "--name": True, "-o": True, "--output": True,
                   "--postgres": True, "--postgres-url": True, "--force": False, "--strict": False}
# import's --casing (the CLI's choices too; kept here, where reading them costs nothing): a drizzle.config's casings
# (drizzle_files), or none, the key as written
CASING_CHOICES = ("snake_case", "camelCase", "none")


def run() -> None:
    try:
        if _command(sys.argv[1:]) in _SQLITE_HEAVY:
            from ._copyhelper import unmetered
            unmetered()   # before anything imports sqlite3, which starts SQLite
        start_ahead(sys.argv[1:])
    except KeyboardInterrupt:   # (Ctrl-C before the CLI's own handling is in place: nothing was done yet)
        sys.stderr.write("interrupted; files and databases are left as they were before this command\n")
        sys.exit(130)
    from .cli import run as cli_run
    cli_run()


# Commands whose time is mostly SQLite's work on many rows: SQLite's memory statistics are turned off first
_SQLITE_HEAVY = frozenset({"copy", "backup", "restore"})


def _command(argv: list[str]) -> str | None:
    while argv[:1] == ["--debug"]:
        argv = argv[1:]
    return argv[0] if argv else None


def start_ahead(argv: list[str]) -> None:
    """What the command ``argv`` will wait for, started now (import --drizzle: Node on the schema file)."""
    try:
        _drizzle_ahead(argv)
    except Exception:  # noqa: BLE001 -- never in the command's way: the command starts it, or says why not
        pass


def import_drizzle_options(argv: list[str]) -> dict[str, str] | None:
    """The options of ``[--debug] import --drizzle FILE …`` as given (the last of a repeated one), or None where
    the arguments are anything else (another command, an option import does not take here, a stray argument)."""
    if _command(argv) != "import":
        return None
    while argv[:1] == ["--debug"]:
        argv = argv[1:]
    given: dict[str, str] = {}
    rest = argv[1:]
    i = 0
    while i < len(rest):
        name, eq, value = rest[i].partition("=") if rest[i].startswith("--") else (rest[i], "", "")
        takes = _IMPORT_OPTIONS.get(name)
        if takes is None or (eq and not takes):
            return None
        if takes and not eq:
            i += 1
            if i == len(rest):
                return None
            value = rest[i]
        given[name] = value
        i += 1
    return given if "--drizzle" in given else None


def _drizzle_ahead(argv: list[str]) -> None:
    """Node started on the schema file of ``import --drizzle``, with the casing the command would give it."""
    given = import_drizzle_options(argv)
    if given is None:
        return
    from pathlib import Path
    path = Path(given["--drizzle"])
    casing = given.get("--casing")
    if not path.is_file() or (casing is not None and casing not in CASING_CHOICES):
        return
    from . import drizzle_files, drizzle_module
    drizzle_module.start_ahead(path, drizzle_files.command_casing(path, casing))
