"""The fast YAML reading (parser events, positions read on first use) against the node reading it
replaces for the common document: the same data, problems, YAML 1.1 surprises and positions, for every
manifest in the repository, the bad corpus, and random documents; whatever it does not handle it
leaves to the node reading (None), which then reports it as before."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from schemactl.manifest import yamlpos

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*ROOT.glob("manifests/*.yaml"), *ROOT.glob("tests/cases/*/manifest.yaml"),
                *ROOT.glob("tests/manifest/bad/*.yaml")])


def _reading(load, text):
    try:
        got = load(text)
    except yamlpos.YamlSyntaxError as exc:
        return ("error", exc.line, exc.col, exc.message)
    return got


def _paths(data, path=()):
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, path + (i,))


def _same(text: str) -> None:
    fast = _reading(yamlpos._load_fast, text)
    nodes = _reading(yamlpos._load_nodes, text)
    via_load = _reading(yamlpos.load, text)
    if isinstance(nodes, tuple):          # a syntax error: only the node reading reports it
        assert fast is None or isinstance(fast, tuple)
        assert via_load == nodes
        return
    if fast is None:
        return
    assert not isinstance(fast, tuple)
    assert fast.data == nodes.data and type(fast.data) is type(nodes.data)
    assert fast.problems == nodes.problems == []
    assert fast.surprises == nodes.surprises
    for path in list(_paths(nodes.data))[:400]:
        assert fast.at(path) == nodes.at(path), path
        if path:
            assert fast.at(path, key=True) == nodes.at(path, key=True), path
    assert fast.at(("no", "such", 1)) == nodes.at(("no", "such", 1))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_manifests(path):
    _same(path.read_text(encoding="utf-8"))


def test_the_benchmark_manifest_takes_the_fast_reading():
    text = "format: 1\nname: x\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
    assert yamlpos._load_fast(text) is not None
    _same(text)


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "<<: {a: 1}\n", "a: 1\na: 2\n", "a: 1\n---\nb: 2\n", "{[1]: 2}\n",
    "a: !!binary '***'\n", "a: !!int x\n", "", "---\n", "a:\n", "- 1\n- [2, {b: 3}]\n", "'<<': 1\n",
    "t: 12:30:00\nu: 0x1F\nv: 1_000\nw: 1.0e+3\nx: on\ny: .inf\nz: 2024-01-01\n", "a: \"x\\ty\"\nb: |\n  lit\n",
    "a: [\n", "a: b: c\n", "\ta: 1\n", "a: \x01\n", "a: 1\n...\n", "%YAML 1.1\n---\na: 1\n",
])
def test_edge_documents(text):
    _same(text)


_scalar = st.one_of(
    st.sampled_from(["1", "-2", "0x10", "1_0", "0o7", "1.5", "1e3", ".nan", "-.inf", "on", "off", "yes", "no", "y",
                     "true", "False", "~", "null", "", "12:30", "1:2:3", "2024-01-01", "2024-01-01 10:00:00",
                     "'q'", '"dq"', "'1'", "x y", "<<", "a#b", "=", "0", "00", "+1", "1.0", "3."]),
    st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True))
_key = st.one_of(st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True),
                 st.sampled_from(["1", "on", "null", "2024-01-01", "'<<'", '"k"', "a b"]))


def _doc(draw, depth: int) -> object:
    kind = draw(st.sampled_from(["scalar", "map", "seq"] if depth < 3 else ["scalar"]))
    if kind == "scalar":
        return draw(_scalar)
    if kind == "map":
        return {draw(_key): _doc(draw, depth + 1) for _ in range(draw(st.integers(0, 4)))}
    return [_doc(draw, depth + 1) for _ in range(draw(st.integers(0, 4)))]


def _emit(value, indent: int, flow: bool) -> str:
    pad = " " * indent
    if isinstance(value, dict):
        if flow or not value:
            return "{" + ", ".join(f"{k}: {_emit(v, 0, True)}" for k, v in value.items()) + "}"
        return "\n" + "".join(f"{pad}{k}:{' ' if not isinstance(v, (dict, list)) or not v else ''}"
                              f"{_emit(v, indent + 2, False)}\n".replace("\n\n", "\n") for k, v in value.items())
    if isinstance(value, list):
        if flow or not value:
            return "[" + ", ".join(_emit(v, 0, True) for v in value) + "]"
        return "\n" + "".join(f"{pad}- {_emit(v, indent + 2, True)}\n" for v in value)
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.booleans())
def test_random_documents(data, flow):
    doc = {"root": _doc(data.draw, 0)}
    text = _emit(doc, 0, flow).lstrip("\n")
    _same(text)
    _same(yaml.safe_dump(yaml.load(text, Loader=yaml.BaseLoader)) if not isinstance(
        _reading(yamlpos._load_nodes, text), tuple) else text)


HEAD = "format: 1\nname: x\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"


@pytest.mark.parametrize("text, where, says", [
    (HEAD + "    a: " + "[" * 400 + "]" * 400 + "\n", "m.yaml:8:", "nested more than 64 levels deep"),
    (HEAD + "      j: {type: jsonb, default: {value: " + "[" * 1000 + "]" * 1000 + "}}\n", "m.yaml:8:",
     "nested more than 64 levels deep"),
    (HEAD.replace("primary_key: true}", 'primary_key: true, check: "' + "(" * 60 + "id > 0" + ")" * 60 + '"}'),
     "m.yaml:7:", "nests too deeply to be read"),
], ids=["yaml-lists", "json-default", "check-parentheses"])
def test_a_value_nested_too_deeply_is_a_located_problem_not_a_crash(tmp_path, text, where, says):
    """YAML 400 lists deep, a JSON default 1,000 deep, a CHECK in 60 parentheses: RecursionError, exit 3."""
    from tests.conftest import cli
    (tmp_path / "m.yaml").write_text(text)
    for node_reading in (False, True):   # the fast reading and the node reading both stop at the limit
        if node_reading:
            (tmp_path / "m.yaml").write_text(text.replace("format: 1", "format: &f 1"))   # an anchor: node reading
        result = cli("validate", "m.yaml", cwd=tmp_path)
        assert result.exit_code == 2, result.output
        assert where in result.output and says in result.output and "Traceback" not in result.output
