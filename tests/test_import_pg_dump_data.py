"""import --ddl of pg_dump's output with data (COPY … FROM stdin, its rows, then \\.): the rows were read as
SQL statements, split at each ';'.  A row holding "x; CREATE TABLE evil (i int);" created table evil, which the
manifest then held, and fragments of the rows were printed (and written into the manifest's header) as
statements never run.  Now a COPY's rows are data: left out unread, the lines after them keeping their numbers."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.conftest import cli


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_dumps_rows_are_never_statements(pg, pg_server, tmp_path):
    pg.execute("""CREATE TABLE notes (id integer PRIMARY KEY, body text);
                  INSERT INTO notes VALUES (1, E'secret; CREATE TABLE evil (i integer);'), (2, E'\\\\. no end');
                  CREATE TABLE later (id integer PRIMARY KEY, n integer);
                  CREATE INDEX later_n ON later (n) WHERE n > 0;""")
    dump = tmp_path / "dump.sql"
    subprocess.run(["pg_dump", "--no-owner", "-f", str(dump), pg_server.url("schemactl_tests")], check=True)
    text = dump.read_text()
    assert "COPY public.notes" in text and "CREATE TABLE evil" in text
    result = cli("import", "--ddl", "dump.sql", "--dialect", "postgres", "--postgres", "url", "--postgres-url",
                 pg_server.url(), "-o", "app.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "secret" not in result.output and "evil" not in result.output, result.output
    manifest = (tmp_path / "app.yaml").read_text()
    assert "secret" not in manifest
    assert set(yaml.safe_load(manifest)["tables"]) == {"notes", "later"}
    # the statement at its own line, after the rows
    line = next(n for n, x in enumerate(text.splitlines(), 1) if x.startswith("COPY public.notes"))
    assert f"dump.sql:{line}: COPY public.notes" in result.output, result.output
