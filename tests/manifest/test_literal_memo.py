"""Plain default values are judged once per (value, type) while loading; every column still gets exactly
the value literals.check_literal gives its own default (0.0 and -0.0, 1, 1.0 and true are equal as keys of
a dict, not as defaults)."""

from __future__ import annotations

import math

from schemactl import literals
from schemactl.manifest.load import load_text

COLUMNS = [("double", "0.0"), ("double", "-0.0"), ("double", "0.0"), ("double", "1"), ("double", "1.0"),
           ("real", "-0.0"), ("integer", "1"), ("bigint", "1"), ("boolean", "true"), ("boolean", "false"),
           ('"numeric(5,2)"', "1.5"), ('"numeric(5,2)"', "1.50"), ("text", "''"), ("text", "'-0.0'"),
           ("text", "'1'"), ("double", "-0.0")]


def _manifest() -> str:
    cols = "".join(f"      c{i}: {{type: {t}, default: {v}}}\n" for i, (t, v) in enumerate(COLUMNS))
    return ("format: 1\nname: memo\nversion: 1\ntables:\n  t:\n    columns:\n"
            "      id: {type: integer, primary_key: true}\n" + cols)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return type(a) is type(b) and a == b


def test_each_column_gets_its_own_defaults_value():
    m = load_text(_manifest(), "memo.yaml")
    import yaml
    raw = yaml.safe_load(_manifest())["tables"]["t"]["columns"]
    for c in m.tables[0].columns[1:]:
        expected = literals.check_literal(raw[c.name]["default"], c.type, ())
        assert _same(c.default.value, expected), (c.name, c.default.value, expected)
    signs = [math.copysign(1, c.default.value) for c in m.tables[0].columns[1:]
             if c.type.spelled() in ("double", "real") and c.default.value == 0]
    assert signs == [1, -1, 1, -1, -1]


def test_numeric_defaults_wider_than_28_digits_load_exactly():
    """A numeric(40,0) default of 38 digits stopped validate with an internal error (quantized in Python's
    default 28-digit decimal context); it loads as it is written, and one beyond the type is refused."""
    big = "12345678901234567890123456789012345678"
    m = load_text("format: 1\nname: wide\nversion: 1\ntables:\n  t:\n    columns:\n"
                  "      id: {type: integer, primary_key: true}\n"
                  f"      a: {{type: 'numeric(40,0)', default: '{big}'}}\n"
                  f"      b: {{type: 'numeric(1000,500)', default: '-1.5e-400'}}\n", "wide.yaml")
    assert m.table("t").column("a").default.value == big
    assert m.table("t").column("b").default.value == "-0." + "0" * 399 + "15" + "0" * 99
    import pytest

    from schemactl.types import TypeRef
    with pytest.raises(literals.LiteralError, match="does not fit numeric"):
        literals.check_literal(big + "000", TypeRef("numeric", (40, 0)))


def test_each_column_gets_its_own_drizzle_block():
    """drizzle: blocks of the same scalars are made once; each column still has its own block's values."""
    cols = ("      a: {type: bigint, drizzle: {key: a, mode: number}}\n"
            "      b: {type: bigint, drizzle: {key: a, mode: number}}\n"
            "      c: {type: bigint, drizzle: {key: c, mode: bigint}}\n"
            "      d: {type: text, drizzle: {key: d, enum: [x, y]}}\n"
            "      e: {type: text, drizzle: {key: d, enum: [x, z]}}\n"
            "      f: {type: timestamptz, drizzle: {key: f, default_now: true}}\n"
            "      g: {type: timestamptz, drizzle: {key: f, default_now: false}}\n")
    text = ("format: 1\nname: memo\nversion: 1\ntables:\n  t:\n    columns:\n"
            "      id: {type: integer, primary_key: true}\n" + cols + "drizzle: {core: postgres}\n")
    got = {c.name: c.drizzle for c in load_text(text).tables[0].columns if c.drizzle}
    assert (got["a"].key, got["a"].mode) == (got["b"].key, got["b"].mode) == ("a", "number")
    assert (got["c"].key, got["c"].mode) == ("c", "bigint")
    assert got["d"].enum == ("x", "y") and got["e"].enum == ("x", "z")
    assert got["f"].default_now is True and got["g"].default_now is False
