"""The corpus of bad manifests: each file names the exact diagnostics it must produce.

A file in tests/manifest/bad/ starts with one or more lines

    # expect: LINE:COL: error: MESSAGE

and loading it must raise exactly those diagnostics (in line order), each
prefixed with the file's path.  Running the CLI on it must exit 2 without a
traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from schemactl.cli import main
from schemactl.errors import ManifestInvalid
from schemactl.manifest.load import load_file

BAD = Path(__file__).parent / "bad"
FILES = sorted(BAD.glob("*.yaml"))


def expected(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("# expect: ", 1)[1] for line in lines if line.startswith("# expect: ")]


def test_corpus_is_large_enough():
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_bad_manifest_reports_exact_errors(path):
    want = expected(path)
    assert want, f"{path.name} has no '# expect:' line"
    with pytest.raises(ManifestInvalid) as info:
        load_file(path)
    got = [f"{d.line}:{d.col}: {d.severity}: {d.message}" for d in info.value.diagnostics]
    assert got == want


@pytest.mark.parametrize("path", FILES[:5], ids=lambda p: p.stem)
def test_cli_exits_2_without_traceback(path):
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{path.name}:" in result.output
