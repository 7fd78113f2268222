"""copy and restore open a SQLite target without creating it: a missing file is refused and stays missing."""

from __future__ import annotations

from tests.conftest import cli
from tests.datacopy.test_refusals import FILL, _error_line, _lite, setup  # noqa: F401 (fixture)


def test_copy_or_restore_to_a_missing_sqlite_file_creates_nothing(setup):
    """Before, opening the target created a 0-byte file although the copy said nothing was written."""
    src = _lite(setup, "src.db", FILL)
    missing = setup.tmp / "new.db"
    result = cli("copy", "--manifest", setup.tmp / "m.yaml", "--from", src, "--to", f"sqlite:///{missing}")
    assert result.exit_code == 2 and "does not exist" in _error_line(result)
    assert not missing.exists()
    assert cli("backup", "--manifest", setup.tmp / "m.yaml", "--db", src, "-o", setup.tmp / "a.gz").exit_code == 0
    result = cli("restore", setup.tmp / "a.gz", "--manifest", setup.tmp / "m.yaml", "--db", f"sqlite:///{missing}")
    assert result.exit_code == 2 and "does not exist" in _error_line(result)
    assert not missing.exists()


def test_a_postgres_source_is_read_in_one_read_only_snapshot(setup):
    """Every table of a copy or backup comes from one REPEATABLE READ transaction (rows committed meanwhile are
    all in the copy or none), which cannot write."""
    import psycopg
    from schemactl.cli import _open
    conn, engine = _open(setup.url["postgres"], True)
    try:
        assert engine == "postgres" and conn.isolation_level == psycopg.IsolationLevel.REPEATABLE_READ
        assert conn.execute("SHOW transaction_isolation").fetchone()[0] == "repeatable read"
        assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"
    finally:
        conn.close()
