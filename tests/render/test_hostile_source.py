"""The manifest's file name is the user's text: it stays inside its comment line in every generated file."""

from __future__ import annotations

from tests.conftest import cli

MANIFEST = """\
format: 1
name: victims
version: 1
tables:
  victims:
    columns:
      id: {type: integer, primary_key: true}
"""


def test_a_file_name_with_a_line_break_cannot_add_a_statement(tmp_path, pg):
    name = "m\nDROP TABLE victims; --\u2028x.yaml"
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / name).write_text(MANIFEST)
    assert cli("hash", "--write", f"manifests/{name}", cwd=tmp_path).exit_code == 0
    assert cli("generate", cwd=tmp_path).exit_code == 0
    out = tmp_path / "generated" / "victims"
    for path in out.iterdir():
        if path.is_file():
            text = path.read_text()
            assert not any(line.startswith("DROP") for line in text.splitlines()), path.name
            assert "\u2028" not in text, path.name
    pg.execute((out / "postgres.sql").read_text())
    pg.execute("INSERT INTO victims VALUES (1)")
    assert pg.execute("SELECT count(*) FROM victims").fetchone() == (1,)
    assert "m\\u000aDROP TABLE victims; --\\u2028x.yaml" in (out / "postgres.sql").read_text()
