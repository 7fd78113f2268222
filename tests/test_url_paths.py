"""SQLite paths with URI characters open the file they name, read-only, and never create another one."""

from __future__ import annotations

import os
import sqlite3

import pytest

from schemactl.parity import connect_url


# a name that is not UTF-8 (Linux takes any bytes): was an internal error (UnicodeEncodeError), exit 3
NOT_UTF8 = [os.fsdecode(b"caf\xe9 #1.db")] if os.name == "posix" else []


@pytest.mark.parametrize("name", ["real#1.db", "q?x.db", "p%41.db", "sp ace&amp.db", *NOT_UTF8])
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


@pytest.mark.parametrize("name", ["t#1.db", *NOT_UTF8])
def test_a_sqlite_target_opens_the_named_file_and_never_creates_one(tmp_path, name):
    from schemactl.cli import _open
    from schemactl.errors import SchemactlError
    path = tmp_path / name
    with pytest.raises(SchemactlError, match="does not exist"):
        _open(f"sqlite:///{path}", False)
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE marker (x)")
    conn, engine = _open(f"sqlite:///{path}", False)
    try:
        conn.execute("INSERT INTO marker VALUES (1)")
        conn.commit()
    finally:
        conn.close()
    assert engine == "sqlite" and sorted(os.listdir(tmp_path)) == [name]
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT x FROM marker").fetchall() == [(1,)]


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


# -- the one place that keeps a URL's secrets out of messages (schemactl.dburl)

def test_every_spelling_of_a_password_is_a_secret():
    from schemactl.dburl import secrets_of
    found = secrets_of("postgresql://bob:p%40ss%25word@h/db?sslpassword=k%20ey&passfile=/run/pgpass&port=5")
    for spelling in ("p%40ss%25word", "p@ss%word", "p%40ss%25word".replace("%", "%25"), "bob:p%40ss%25word",
                     "bob:p@ss%word", "k%20ey", "k ey", "/run/pgpass", "%2Frun%2Fpgpass"):
        assert spelling in found
    assert "bob" not in found and "5" not in found and "h" not in found   # a user name, a port, a host


def test_conninfo_secrets_quoted_or_not():
    from schemactl.dburl import secrets_of
    found = secrets_of(r"host=h password='it\'s a secret' sslpassword=plain")
    assert "it's a secret" in found and r"'it\'s a secret'" in found and "plain" in found


@pytest.mark.parametrize("message", [
    'invalid percent-encoded token: "Sup3r%Secret"',
    'end of string reached when looking for matching "]" in IPv6 host address in URI: '
    '"postgresql://u:Sup3r%Secret@[::1:1/db"',
    "connection failed: password=Sup3r%Secret host=h",
    "conninfo host=h password='Sup3r%Secret' dbname=x",
    "connection failed for postgresql://u:Sup3r%25Secret@h/db\n\tIs the server running?",
])
def test_a_drivers_message_keeps_no_secret_and_is_one_line(message):
    from schemactl.dburl import scrub
    text = scrub(message, "postgresql://u:Sup3r%25Secret@h/db")
    assert "Sup3r" not in text and "Secret" not in text and "\n" not in text and "***" in text


def test_a_parse_error_shows_no_excerpt_of_the_url():
    from schemactl.dburl import _parse_reason
    assert _parse_reason('invalid percent-encoded token: "a"b%c"') == "invalid percent-encoded token"
    assert _parse_reason('missing "=" after "ret" in connection info string') == \
        'missing "=" after "…" in connection info string'
    assert _parse_reason('unexpected character "x" at position 3 in URI (expected ":" or "/"): "pg:x"') == \
        'unexpected character "x" at position 3 in URI (expected ":" or "/")'


def test_a_short_password_is_hidden_where_it_stands_alone():
    from schemactl.dburl import scrub
    text = scrub('password authentication failed for user "pw" (pw)', "postgresql://u:pw@h/db")
    assert text == 'password authentication failed for user "***" (***)'


def test_hide_keeps_lines_and_hides_every_urls_secrets():
    from schemactl.dburl import hide
    text = hide("a hunter2\nb s3cret\nc postgresql://x:y@h", ["postgresql://u:hunter2@h", "host=h password=s3cret"])
    assert text == "a ***\nb ***\nc postgresql://***@h"


@pytest.mark.parametrize("url, shown", [
    ("postgresql://bob:pw@127.0.0.1:1/app", "127.0.0.1:1/app"),
    ("postgresql://bob:pw@/app?host=/tmp&password=x&application_name=probe", "/app?host=%2Ftmp&application_name=probe"),
    ("postgres://h1:1,h2:2/db", "h1:1,h2:2/db"),
    ("postgresql://u:Sup3r@Secret@h/db", "postgresql://…"),
    ("host=/tmp password=x dbname=d", "dbname=d host=/tmp"),
    ("host=/tmp password='x", "the given conninfo string"),
])
def test_a_url_as_messages_show_it(url, shown):
    from schemactl.dburl import shown as show
    assert show(url) == shown


@pytest.mark.parametrize("url", ["postgresql://", "postgresql:///db", "postgres://u@h:5432/db?sslmode=disable",
                                 "postgresql://u:p%40w@[::1]:5432/db", "postgresql://u@/db?host=%2Ftmp&port=5"])
def test_good_postgres_urls_pass(url):
    from schemactl.parity import parse_url
    assert parse_url(url) == ("postgres", url)


def test_a_real_server_refusal_hides_the_password(pg_server):
    """A URL that parses, on a server that answers, for a database that does not exist."""
    from schemactl.errors import SchemactlError
    from urllib.parse import quote
    url = f"postgresql://postgres:Sup3r%20Secret@/no_such_db?host={quote(str(pg_server.base), safe='')}" \
          f"&port={pg_server.port}&password=Sup3rSecret2"
    with pytest.raises(SchemactlError) as info:
        connect_url(url)
    message = str(info.value)
    assert "no_such_db" in message and "\n" not in message
    assert "Sup3r" not in message and "Secret" not in message


def test_opening_a_sqlite_url_needs_neither_parity_nor_psycopg(tmp_path):
    """copy's source is opened (and its first large table read ahead) before the comparison machinery and
    psycopg are imported: dburl.connect_url opens a SQLite URL on its own (parity re-exports it)."""
    import subprocess
    import sys
    path = tmp_path / "s.db"
    sqlite3.connect(path).close()
    code = ("import sys; from schemactl.dburl import connect_url; "
            f"connect_url({('sqlite:///' + str(path))!r}).close(); "
            "print(sorted(m for m in ('schemactl.parity', 'psycopg') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    from schemactl import dburl, parity
    assert parity.connect_url is dburl.connect_url
