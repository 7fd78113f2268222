"""Where a migration chain's files are, read without the migration modules (``project`` asks whether a
chain exists before anything else of the chain is needed)."""

from __future__ import annotations

from pathlib import Path

LOCK = "lock.json"
ENGINE_DIRS = ("postgres", "sqlite")


def migration_files(d: Path) -> list[Path]:
    """The migration files (NNNN_name.sql) of chain directory ``d``, for each engine."""
    found = []
    for engine in ENGINE_DIRS:
        try:
            found += sorted(p for p in (d / engine).iterdir() if p.suffix == ".sql" and p.name[:4].isdigit())
        except (FileNotFoundError, NotADirectoryError):
            continue
    return found


def missing_lock(d: Path) -> str | None:
    """The problem and fix when ``d`` holds migrations but no lock.json (deleted, say, while resolving a merge):
    reading it as no chain would let `check` pass and `migrate new` write migration 0001 over an applied one."""
    files = migration_files(d)
    if not files:
        return None
    return (f"{d / LOCK} is missing, yet {len(files)} migration file(s) are there ({files[0]}, …); restore it "
            f"with `git checkout -- {d / LOCK}` (or remove {d} to start the chain over)")
