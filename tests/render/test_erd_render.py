"""`schemactl erd --format dot|svg|png`: the Graphviz DOT text (golden files), read back by the real
Graphviz (`dot -Tjson` for the attributes its parser saw, `dot -Tsvg` parsed with xml.etree for what it
drew), hostile names that must neither break the file nor inject attributes, and the SVG/PNG pictures
with their failures: no renderer on PATH, a renderer that fails or hangs, a terminal as standard output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from schemactl.manifest.load import load_file, load_text
from schemactl.project import find_project, load_feature_sets
from schemactl.render import erd_image
from schemactl.render.erd import entity_names, mermaid
from schemactl.render.erd_dot import dot
from tests.conftest import ROOT, cli, golden

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz `dot` is not installed: apt-get install graphviz "
                                                   "(scripts/install.sh does)")
GOLDEN = Path(__file__).parent / "golden_erd"
MANIFESTS = sorted((ROOT / "manifests").glob("*.yaml"))
SVG = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

HOSTILE = r'''
format: 1
name: hostile
version: 1
tables:
  "a\"b <TABLE> & c":
    columns:
      "id\\": {type: integer, primary_key: true}
      "x\"]; evil [color=red": {type: "numeric(8,2)", nullable: false}
      "line\nbreak\ttab\u0001|{}": {type: text}
      "<B>bold</B> &#65; &amp; ]]> <!-- c -->": {type: text}
  "node":
    columns:
      "\\N\\G\\E\\": {type: integer, primary_key: true}
      "p -> q; r": {type: integer, nullable: false, references: {table: "a\"b <TABLE> & c", column: "id\\"}}
      "}>]; \"edge\" [": {type: integer, unique: true, references: {table: "node", column: "\\N\\G\\E\\"}}
  "node ":
    columns:
      "\u0085\u2028\uFFFE": {type: integer, primary_key: true, references: {table: "node", column: "\\N\\G\\E\\"}}
'''


def _run_dot(fmt: str, text: str) -> subprocess.CompletedProcess:
    res = subprocess.run([DOT, f"-T{fmt}"], input=text.encode("utf-8"), capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    assert b"Error" not in res.stderr and b"Warning" not in res.stderr, res.stderr.decode()
    return res


def _svg(text: str) -> tuple[list, list]:
    """(nodes, edges) Graphviz drew: a node as (title, [its header, then the texts of its first column]),
    an edge as (title, [texts])."""
    root = ET.fromstring(_run_dot("svg", text).stdout)
    drawn: dict[str, list] = {"node": [], "edge": []}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") in drawn:
            spans = [((t.text or "").replace("\xa0", " "), t.get("text-anchor"), float(t.get("x")))
                     for t in g.iter(f"{SVG}text")]
            texts = [s for s, _, _ in spans]
            if g.get("class") == "node":   # the header is centred; the column names are the leftmost texts
                left = min(x for _, anchor, x in spans if anchor == "start")
                texts = [spans[0][0]] + [s for s, anchor, x in spans[1:] if anchor == "start" and x == left]
            drawn[g.get("class")].append((g.find(f"{SVG}title").text, texts))
    return drawn["node"], drawn["edge"]


def _parsed(text: str) -> dict:
    """The graph as Graphviz's own parser read it."""
    return json.loads(_run_dot("json", text).stdout)


def _expected_edges(m) -> list[tuple]:
    """(parent, child, label, arrowtail, arrowhead, style) per foreign key, derived here from the model."""
    out = []
    names = entity_names(m)
    for t in m.tables:
        cols = {c.name: c for c in t.columns}
        uniques = [set(u.columns) for u in t.uniques] + [
            {c.name for c in ix.columns} for ix in t.indexes
            if ix.unique and ix.where is None and all(c.expr is None for c in ix.columns)]
        if t.primary_key:
            uniques.append(set(t.primary_key.columns))
        for fk in t.foreign_keys:
            required = all(not cols[c].nullable for c in fk.columns)
            one = any(u <= set(fk.columns) for u in uniques)
            identifying = bool(t.primary_key) and set(fk.columns) <= set(t.primary_key.columns)
            out.append((names[fk.ref_table], names[t.name], ", ".join(fk.columns),
                        "teetee" if required else "teeodot", "teeodot" if one else "crowodot",
                        "solid" if identifying else "dashed"))
    return sorted(out)


def _models() -> dict:
    project = find_project(ROOT)
    return {f"{m.name}{'+' + '+'.join(m.features) if m.features else ''}": m
            for _, m in load_feature_sets(project, project.manifest_paths())}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.stem)
def test_dot_golden(path, update_golden):
    golden(GOLDEN / f"{path.stem}.dot", dot(load_file(path)), update_golden)


def test_dot_is_deterministic_and_the_command_prints_it(tmp_path):
    shutil.copy(ROOT / "manifests" / "memories.yaml", tmp_path / "m.yaml")
    result = cli("erd", "m.yaml", "--format", "dot", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == dot(load_file(tmp_path / "m.yaml")) == (GOLDEN / "memories.dot").read_text()
    assert cli("erd", "m.yaml", "--format", "dot", "-o", "m.dot", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "m.dot").read_text() == result.stdout
    # mermaid stays the default, unchanged
    assert cli("erd", "m.yaml", cwd=tmp_path).stdout == mermaid(load_file(tmp_path / "m.yaml"))


@needs_dot
def test_every_repo_manifest_draws_one_node_per_table_and_one_edge_per_foreign_key():
    models = _models()
    assert sum(len(m.tables) for m in models.values()) > 20
    for key, m in models.items():
        text = dot(m)
        names = entity_names(m)
        nodes, edges = _svg(text)
        drawn = dict(nodes)   # Graphviz draws the nodes in an order of its own
        assert sorted(drawn) == sorted(names.values()) and len(nodes) == len(m.tables), key
        for table in m.tables:
            texts = drawn[names[table.name]]
            assert texts[0] == table.name
            assert texts[1:] == [c.name for c in table.columns], key
        n_fks = sum(1 for t in m.tables for fk in t.foreign_keys if fk.ref_table in names)
        assert len(edges) == n_fks, key
        # the crow's-foot ends, line style and label as Graphviz's parser read them
        graph = _parsed(text)
        ids = [o["name"] for o in graph["objects"]]
        got = sorted((ids[e["tail"]], ids[e["head"]], e["label"], e["arrowtail"], e["arrowhead"], e["style"])
                     for e in graph.get("edges", []))
        assert got == _expected_edges(m), key


@needs_dot
def test_cardinality_ends_follow_nullability_and_uniqueness():
    m = load_text("""\
format: 1
name: shapes
version: 1
tables:
  users:
    columns: {id: {type: integer, primary_key: true}}
  profiles:
    columns:
      user_id: {type: integer, primary_key: true, references: users.id}
  posts:
    columns:
      id: {type: integer, primary_key: true}
      author_id: {type: integer, nullable: false, references: users.id}
      editor_id: {type: integer, references: users.id}
      parent_id: {type: integer, references: posts.id}
""")
    graph = _parsed(dot(m))
    edges = {e["label"]: (e["arrowtail"], e["arrowhead"], e["style"], e["tailport"], e["headport"])
             for e in graph["edges"]}
    assert edges == {
        "user_id": ("teetee", "teeodot", "solid", "r0:e", "l0:w"),        # one profile at most, identifying
        "author_id": ("teetee", "crowodot", "dashed", "r0:e", "l1:w"),    # exactly one author, many posts
        "editor_id": ("teeodot", "crowodot", "dashed", "r0:e", "l2:w"),   # an optional editor
        "parent_id": ("teeodot", "crowodot", "dashed", "r0:e", "r3:e"),   # a table's own key: both on the right
    }


def _shown(name: str) -> str:
    """How a name is written in the picture: characters XML cannot carry, and line separators, as visible
    escapes."""
    out = []
    for ch in name:
        o = ord(ch)
        if ch in "\n\t\r":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch])
        elif o < 0x20 or 0x7F <= o < 0xA0 or 0xD800 <= o < 0xE000 or o in (0x2028, 0x2029, 0xFFFE, 0xFFFF):
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


@needs_dot
def test_hostile_names_are_text_never_syntax():
    m = load_text(HOSTILE)
    text = dot(m)
    names = entity_names(m)
    nodes, edges = _svg(text)
    drawn = dict(nodes)
    assert sorted(drawn) == sorted(names.values()) and len(nodes) == len(m.tables)
    for table in m.tables:
        texts = drawn[names[table.name]]
        assert texts[0] == _shown(table.name)
        assert texts[1:] == [_shown(c.name) for c in table.columns]
    assert sorted(texts for _, texts in edges) == sorted(
        [[_shown(", ".join(fk.columns))] for t in m.tables for fk in t.foreign_keys])
    # nothing was injected: every node and edge carries exactly the attributes schemactl writes
    graph = _parsed(text)
    assert len(graph["objects"]) == len(m.tables) and len(graph["edges"]) == 3
    for node in graph["objects"]:
        assert "color" not in node and node["shape"] == "plain"
    for edge in graph["edges"]:
        assert {k for k in edge if not k.startswith("_")} == {
            "tail", "head", "arrowhead", "arrowtail", "color", "dir", "fontname", "fontsize", "headport",
            "label", "lp", "pos", "style", "tailport"}
        assert edge["color"] == "#555555"


@needs_dot
def test_svg_and_png_through_the_command(tmp_path):
    shutil.copy(ROOT / "manifests" / "rag_studio.yaml", tmp_path / "m.yaml")
    m = load_file(tmp_path / "m.yaml")
    result = cli("erd", "m.yaml", "--format", "svg", "--renderer", "dot", "-o", "erd.svg", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    root = ET.parse(tmp_path / "erd.svg").getroot()
    classes = [g.get("class") for g in root.iter(f"{SVG}g")]
    assert classes.count("node") == len(m.tables)
    assert classes.count("edge") == sum(len(t.foreign_keys) for t in m.tables)
    result = cli("erd", "m.yaml", "--format", "png", "--renderer", "dot", "-o", "erd.png", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "erd.png").read_bytes().startswith(PNG_MAGIC)
    # standard output that is not a terminal takes the picture
    result = cli("erd", "m.yaml", "--format", "png", "--renderer", "dot", cwd=tmp_path)
    assert result.exit_code == 0 and result.stdout_bytes.startswith(PNG_MAGIC)


def _python_only_path(tmp_path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    return bin_dir


@pytest.mark.parametrize("renderer,says", [
    (None, ["apt-get install graphviz", "npm i -g @mermaid-js/mermaid-cli"]),
    ("dot", ["apt-get install graphviz"]),
    ("mmdc", ["npm i -g @mermaid-js/mermaid-cli"]),
])
def test_no_renderer_on_path_is_exit_2_and_writes_nothing(tmp_path, renderer, says):
    bin_dir = _python_only_path(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "manifests" / "memories.yaml", work / "m.yaml")
    args = [str(bin_dir / "python3"), "-m", "schemactl", "erd", "m.yaml", "--format", "svg", "-o", "erd.svg"]
    args += ["--renderer", renderer] if renderer else []
    res = subprocess.run(args, cwd=work, env={**os.environ, "PATH": str(bin_dir)}, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and all(s in lines[0] for s in says), res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    assert sorted(p.name for p in work.iterdir()) == ["m.yaml"]


def _stand_in(bin_dir: Path, name: str, script: str) -> None:
    """A stand-in renderer (a shell script) for behaviours the real ones cannot be made to show on demand."""
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


def test_a_failing_renderer_is_exit_2_with_its_first_line_and_the_old_file_kept(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _stand_in(bin_dir, "dot", "cat >/dev/null\necho >&2\necho \"Error: <stdin>: syntax error in line 3\" >&2\n"
                              "echo 'second line' >&2\nexit 3\n")
    shutil.copy(ROOT / "manifests" / "memories.yaml", tmp_path / "m.yaml")
    (tmp_path / "erd.svg").write_text("old")
    result = cli("erd", "m.yaml", "--format", "svg", "--renderer", "dot", "-o", "erd.svg", cwd=tmp_path,
                 env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert result.exit_code == 2, result.output
    assert result.stderr == ("error: dot failed (exit 3): Error: <stdin>: syntax error in line 3; "
                             "nothing was written\n")
    assert (tmp_path / "erd.svg").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "erd.svg", "m.yaml"]


def test_a_renderer_that_hangs_is_stopped_and_nothing_is_written(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _stand_in(bin_dir, "dot", "exec sleep 60\n")
    monkeypatch.setattr(erd_image, "TIMEOUT", 0.5)
    shutil.copy(ROOT / "manifests" / "memories.yaml", tmp_path / "m.yaml")
    result = cli("erd", "m.yaml", "--format", "png", "--renderer", "dot", "-o", "erd.png", cwd=tmp_path,
                 env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: dot did not finish within 0.5 s; nothing was written\n"
    assert not (tmp_path / "erd.png").exists()


def test_mmdc_is_preferred_and_gets_the_mermaid_text(tmp_path):
    """mmdc (with its headless browser) is not installed here: a stand-in records what it was given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _stand_in(bin_dir, "mmdc", 'echo "$@" > "$(dirname "$0")/argv"\nout=""\n'
                               'while [ $# -gt 0 ]; do [ "$1" = --output ] && out="$2"; shift; done\n'
                               '{ echo "<svg><!--"; cat; echo "--></svg>"; } > "$out"\n'
                               'echo "Generating single mermaid chart"\n')
    _stand_in(bin_dir, "dot", "exit 9\n")
    shutil.copy(ROOT / "manifests" / "memories.yaml", tmp_path / "m.yaml")
    result = cli("erd", "m.yaml", "--format", "svg", "-o", "erd.svg", cwd=tmp_path,
                 env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert result.exit_code == 0, result.output
    text = mermaid(load_file(tmp_path / "m.yaml"))
    assert (tmp_path / "erd.svg").read_text() == f"<svg><!--\n{text}--></svg>\n"
    argv = (bin_dir / "argv").read_text().split()
    assert argv[:2] == ["--input", "-"] and argv[-2:] == ["--outputFormat", "svg"]
    # --renderer dot picks the other one
    result = cli("erd", "m.yaml", "--format", "svg", "--renderer", "dot", "-o", "erd.svg", cwd=tmp_path,
                 env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert result.exit_code == 2 and "dot failed (exit 9): no message" in result.stderr


def test_a_picture_to_a_terminal_is_refused():
    import pty
    main, secondary = pty.openpty()
    try:
        res = subprocess.run([sys.executable, "-m", "schemactl", "erd", "manifests/memories.yaml", "--format", "png"],
                             cwd=ROOT, stdout=secondary, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(secondary)
        os.close(main)
    assert res.returncode == 2
    assert res.stderr == ("error: --format png writes a binary picture: give -o FILE or redirect standard output; "
                          "nothing was written\n")


def test_renderer_needs_a_picture_format(tmp_path):
    shutil.copy(ROOT / "manifests" / "memories.yaml", tmp_path / "m.yaml")
    result = cli("erd", "m.yaml", "--format", "dot", "--renderer", "dot", cwd=tmp_path)
    assert result.exit_code == 2 and "--renderer applies to --format svg or png only" in result.stderr
