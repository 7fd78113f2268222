"""SQLite paths with URI characters open the file they name, read-only, and never create another one."""

from __future__ import annotations

import os
import sqlite3

import pytest

from schemactl.parity import connect_url


@pytest.mark.parametrize("name", ["real#1.db", "q?x.db", "p%41.db", "sp ace&amp.db"])
def test_read_only_open_reads_the_named_file(tmp_path, name):
    path = tmp_path / name
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE marker (x)")
    before = sorted(os.listdir(tmp_path))
    conn = connect_url(f"sqlite:///{path}")
    try:
        assert conn.execute("SELECT name FROM sqlite_schema").fetchall() == [("marker",)]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("CREATE TABLE other (y)")
    finally:
        conn.close()
    assert sorted(os.listdir(tmp_path)) == before


def test_passwords_never_appear_in_connection_errors(tmp_path):
    from schemactl.errors import SchemactlError
    url = (f"postgresql://bob:top%40secret@/app?host={tmp_path}&port=1&password=hunter2&sslpassword=key-pass"
           "&application_name=probe")
    with pytest.raises(SchemactlError) as info:
        connect_url(url)
    message = str(info.value)
    assert "cannot connect to" in message and "application_name=probe" in message
    for secret in ("top@secret", "top%40secret", "hunter2", "key-pass", "bob:"):
        assert secret not in message
