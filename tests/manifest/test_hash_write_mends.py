"""`schemactl hash --write` replaces a malformed hash: value ("sha256:abc", "", merge-conflict text), the
fix validate advises for it; `schemactl hash` prints the schema's hash of such a manifest."""

from __future__ import annotations

import pytest

from schemactl.manifest.hashing import schema_hash
from schemactl.manifest.load import load_text
from tests.conftest import cli
from tests.manifest.test_hashing import CONFLICT, MALFORMED, MALFORMED_IDS, STALE, TABLES


@pytest.mark.parametrize("line", MALFORMED, ids=MALFORMED_IDS)
def test_hash_write_replaces_the_malformed_hash_validate_sends_the_user_to_it_for(tmp_path, line):
    text = f"format: 1\nname: x\nversion: 1\n{line}\n{TABLES}\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    refused = cli("validate", "m.yaml", cwd=tmp_path)
    assert refused.exit_code == 2 and "m.yaml:4:" in refused.output
    result = cli("hash", "--write", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    digest = schema_hash(load_text(text.replace(line, f"hash: {STALE}")))
    assert result.output.splitlines()[0] == digest and "m.yaml: hash updated" in result.output
    lines, got = text.split("\n"), path.read_text().split("\n")
    assert got[:3] == lines[:3] and got[4:] == lines[3 + line.count("\n") + 1:]     # that one scalar only
    assert got[3] in (f"hash: {digest}", f'hash: "{digest}"')
    assert cli("validate", "m.yaml", cwd=tmp_path).exit_code == 0


def test_hash_write_names_the_other_problems_and_writes_nothing(tmp_path):
    text = f'format: 1\nname: x\nversion: 1\nhash: "sha256:abc"\ntables: {{t: {{columns: {{id: {{type: intger}}}}}}}}\n'
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = cli("hash", "--write", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "m.yaml:5:" in result.output and 'unknown type "intger"' in result.output, result.output
    assert "hash --write" not in result.output
    assert path.read_text() == text


def test_hash_write_refuses_a_hash_that_is_not_a_plain_value(tmp_path):
    text = f"format: 1\nname: x\nversion: 1\nhash: {{a: 1}}\n{TABLES}\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = cli("hash", "--write", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 2 and "Traceback" not in result.output and path.read_text() == text


def test_printing_the_hash_of_a_manifest_whose_hash_is_malformed(tmp_path):
    text = f"format: 1\nname: x\nversion: 1\nhash: {CONFLICT}\n{TABLES}\n"
    (tmp_path / "m.yaml").write_text(text)
    result = cli("hash", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == schema_hash(load_text(text.replace(CONFLICT, STALE)))
    assert (tmp_path / "m.yaml").read_text() == text      # without --write nothing is written
