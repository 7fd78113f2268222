"""The project configuration is read or refused in one line (exit 2), never a traceback."""

from __future__ import annotations

import pytest

from tests.conftest import cli


@pytest.mark.parametrize("content", [
    b'[tool.schemactl]\nmanifests = ["m.yaml"]\n# caf\xe9\n',          # Latin-1, not UTF-8
    b"\xff\xfe[\x00t\x00o\x00o\x00l\x00]\x00",                           # UTF-16
], ids=["latin-1", "utf-16"])
def test_a_configuration_that_is_not_utf8_is_exit_2(tmp_path, content):
    (tmp_path / "pyproject.toml").write_bytes(content)
    for args in (("check",), ("validate",), ("generate",)):
        result = cli(*args, cwd=tmp_path)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert "pyproject.toml:" in result.output and "not UTF-8" in result.output and "save it as UTF-8" \
            in result.output


def test_a_configured_feature_set_no_manifest_declares_is_warned_about(tmp_path):
    """feature_sets = ["", "canvsa"] (a typo) built nothing for it and said nothing; --features canvsa is exit 2."""
    from tests.conftest import ROOT, cli
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "memories.yaml").write_text((ROOT / "manifests" / "memories.yaml").read_text())
    (tmp_path / "schemactl.toml").write_text('manifests = ["manifests/*.yaml"]\nfeature_sets = ["", "canvsa"]\n')
    result = cli("validate", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert 'warning: schemactl.toml: feature set "canvsa" is declared by no manifest (under features:); nothing ' \
           "is built for it" in result.output


def test_a_manifest_that_is_not_utf8_names_the_byte_and_its_place(tmp_path):
    """It was '1:1: cannot read file: 'utf-8' codec can't decode byte 0xe9 in position 44' (no line, no fix)."""
    from tests.conftest import cli
    (tmp_path / "m.yaml").write_bytes(b"format: 1\nname: x\nversion: 1\ntables:\n  t:\n    comment: caf\xe9\n"
                                      b"    columns:\n      id: {type: integer, primary_key: true}\n")
    result = cli("validate", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "m.yaml:6:17: error: byte 0xE9 is not UTF-8 (the file was saved in another encoding); save it as " \
           "UTF-8" in result.output
