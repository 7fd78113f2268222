"""import --drizzle keeps Node's compiled code of typescript and drizzle-kit's API in the user's cache
(drizzle_module.cjs, codeCache): a second run reads what the first compiled, and what the module says is
the same with the cache, without it, with a damaged entry and with a cache directory it cannot use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schemactl import drizzle_module
from tests.conftest import ROOT

SCHEMA = ROOT / "tests" / "drizzle_import" / "fixtures" / "team_pg.ts"
MODULES = ("typescript_lib_typescript.js-", "drizzle-kit_api.js-")


def _read(monkeypatch, cache_home: Path | None) -> tuple[dict, str | None]:
    """What the module says (and the DDL its process wrote) with XDG_CACHE_HOME at ``cache_home``
    (None: SCHEMACTL_NO_CACHE)."""
    if cache_home is None:
        monkeypatch.setenv("SCHEMACTL_NO_CACHE", "1")
    else:
        monkeypatch.delenv("SCHEMACTL_NO_CACHE", raising=False)
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    drizzle_module._EXPORTED.clear()
    out = drizzle_module.read_module(SCHEMA)
    snapshot = out.pop("snapshot")   # drizzle-kit's, with an id of its own each time
    assert snapshot["tables"]
    return out, drizzle_module.exported(SCHEMA, SCHEMA.read_text("utf-8"))


def _entries(cache_home: Path) -> dict[str, os.stat_result]:
    directory = cache_home / "schemactl" / "node"
    return {p.name: p.stat() for p in sorted(directory.iterdir())} if directory.is_dir() else {}


@pytest.fixture(scope="module")
def plain():
    """The module read without any cache."""
    mp = pytest.MonkeyPatch()
    try:
        return _read(mp, None)
    finally:
        mp.undo()


def test_the_first_run_keeps_the_compiled_code_and_the_second_reads_it(tmp_path, monkeypatch, plain):
    home = tmp_path / "cache"
    assert _read(monkeypatch, home) == plain
    first = _entries(home)
    assert sorted(next(m for m in MODULES if name.startswith(m)) for name in first) == sorted(MODULES)
    assert all(oct(s.st_mode & 0o777) == "0o600" for s in first.values())
    assert oct((home / "schemactl" / "node").stat().st_mode & 0o777) == "0o700"
    assert _read(monkeypatch, home) == plain
    again = _entries(home)
    # V8 accepted every entry: none was written again
    assert {n: (s.st_ino, s.st_mtime_ns, s.st_size) for n, s in again.items()} == \
        {n: (s.st_ino, s.st_mtime_ns, s.st_size) for n, s in first.items()}


def test_nothing_is_kept_with_schemactl_no_cache(tmp_path, monkeypatch, plain):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert _read(monkeypatch, None) == plain
    assert not (tmp_path / "cache").exists()


def test_a_damaged_entry_is_compiled_anew_and_replaced(tmp_path, monkeypatch, plain):
    home = tmp_path / "cache"
    _read(monkeypatch, home)
    for name in _entries(home):
        (home / "schemactl" / "node" / name).write_bytes(b"\0not V8 code cache\n" * 64)
    stale = home / "schemactl" / "node" / "typescript_lib_typescript.js-0123456789abcdef0123456789abcdef.v8"
    stale.write_bytes(b"an entry of an older typescript")
    assert _read(monkeypatch, home) == plain
    after = _entries(home)
    assert stale.name not in after                  # a module's older entry goes when its new one is written
    assert sorted(next(m for m in MODULES if name.startswith(m)) for name in after) == sorted(MODULES)
    assert all((home / "schemactl" / "node" / n).read_bytes()[:20] != b"\0not V8 code cache\n" for n in after)


def test_a_cache_directory_it_cannot_use_changes_nothing(tmp_path, monkeypatch, plain):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    assert _read(monkeypatch, blocked) == plain
    assert blocked.read_text() == "not a directory"
