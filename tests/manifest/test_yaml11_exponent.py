"""A double (or real) default written 1.5e3, 1e3 or 2E10 is text by YAML 1.1's rules (PyYAML's, which read
the manifest: a float's exponent comes after a decimal point and with its sign), a number by YAML 1.2's (which
editors show).  The refusal stays (a text default is never made a number), and says why and what to write:
before, only 'expected a number, got "1.5e3"'."""

from __future__ import annotations

import re

import pytest

from schemactl.errors import ManifestInvalid
from schemactl.manifest.load import load_text
from tests.conftest import cli

MANIFEST = ("format: 1\nname: m\nversion: 1\ntables:\n  t:\n    columns:\n      id: {{type: integer, primary_key: "
            "true}}\n      x: {{type: {type}, default: {value}}}\n")


def _errors(value: str, type_: str = "double") -> list[str]:
    with pytest.raises(ManifestInvalid) as info:
        load_text(MANIFEST.format(type=type_, value=value), "m.yaml")
    return [str(d) for d in info.value.diagnostics]


@pytest.mark.parametrize("text, spellings", [
    ("1.5e3", ["1.5e+3", "1500.0"]), ("1e3", ["1.0e+3", "1000.0"]), ("2E10", ["2.0E+10", "20000000000.0"]),
    (".5e3", ["0.5e+3", "500.0"]), ("-1.5e3", ["-1.5e+3", "-1500.0"]), ("1e-7", ["1.0e-7", "0.0000001"]),
    ("1.e3", ["1.0e+3", "1000.0"]), ("1e300", ["1.0e+300"]),
])
def test_an_exponent_yaml_1_1_reads_as_text_is_refused_with_why_and_what_to_write(text, spellings):
    got = _errors(text)
    assert got == [f'm.yaml:8:34: error: table "t", column "x": default does not fit type double: expected a '
                   f'number, got "{text}": YAML 1.1, by whose rules the manifest is read, reads {text} as text (a '
                   "number's exponent only after a decimal point and with its sign); write "
                   f"{' or '.join(spellings)}"], got
    for spelled in spellings:   # each suggestion is the number itself, read as a number
        m = load_text(MANIFEST.format(type="double", value=spelled), "m.yaml")
        assert m.tables[0].column("x").default.value == float(text), spelled


def test_a_real_default_says_the_same():
    assert "write 2.5e+2 or 250.0" in _errors("2.5e2", "real")[0]


def test_a_quoted_number_or_other_text_is_refused_as_before():
    """Quoted, 1500.0 is text in any YAML: no word of YAML 1.1; nor for text no YAML reads as a number."""
    for value, shown in (('"1500.0"', "1500.0"), ("abc", "abc"), ("inf", "inf"), ("1_000e3", "1_000e3")):
        got = _errors(value)
        assert got == [f'm.yaml:8:34: error: table "t", column "x": default does not fit type double: expected a '
                       f'number, got "{shown}"'], got


def test_a_number_beyond_a_double_gets_no_spelling():
    """1e999999999 is no double however written (nor written out: a billion digits)."""
    assert _errors("1e999999999")[0].endswith('expected a number, got "1e999999999"')


def test_validate_exits_2_with_the_place_and_the_fix(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST.format(type="double", value="1.5e3"))
    result = cli("validate", str(tmp_path / "m.yaml"))
    assert result.exit_code == 2, result.output
    assert re.search(r"m\.yaml:8:34: error: .*reads 1\.5e3 as text .*write 1\.5e\+3 or 1500\.0", result.output)
    assert "Traceback" not in result.output
