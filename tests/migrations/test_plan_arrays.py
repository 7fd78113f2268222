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
