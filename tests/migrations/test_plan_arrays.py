"""Type changes of arrays and character(n) in migration plans."""

from schemactl.migrations.plan import widens
from schemactl.types import parse_type


def _t(text):
    return parse_type(text, {})


def test_an_array_widens_only_to_an_array_of_a_wider_element():
    assert widens(_t("varchar(10)[]"), _t("varchar(20)[]"))
    assert widens(_t("integer[]"), _t("bigint[]"))
    assert not widens(_t("varchar(10)[]"), _t("varchar(20)"))     # a list is not a string
    assert not widens(_t("text"), _t("text[]"))
    assert not widens(_t("varchar(20)[]"), _t("varchar(10)[]"))


def test_character_n_never_widens():   # a longer character(n) pads every value further
    assert not widens(_t("character(3)"), _t("character(5)"))


_CODES = """\
format: 1
name: m
version: 1
tables:
  codes:
    columns:
      id: {type: integer, primary_key: true}
      code: {type: 'TYPE'}
"""


def _alter_type_reason(before: str, after: str) -> str:
    from schemactl.manifest.load import load_text
    from schemactl.migrations.plan import plan
    op, = plan(load_text(_CODES.replace("TYPE", before), "m.yaml"), load_text(_CODES.replace("TYPE", after), "m.yaml"))
    assert op.kind == "alter_type"
    return op.destructive


def test_a_longer_character_n_is_said_to_pad_every_value_not_to_lose_some():
    """Every character(3) value fits a character(5): the plan said "may not hold every value", sending a user
    to look for values that are not there; what the change does to them is the padding."""
    assert _alter_type_reason("character(3)", "character(5)") == \
        "character(3) -> character(5) pads every value with spaces to 5 characters"
    assert _alter_type_reason("character(5)", "character(3)") == "character(5) -> character(3) may not hold every value"
    assert _alter_type_reason("character(3)[]", "character(5)[]").endswith("may not hold every value")
