"""The Mermaid ER diagram (`schemactl erd`, generated/<name>/schema.md), read back by the real
Mermaid parser (the pinned npm package): every entity, column and foreign key is there, with the
cardinality the model implies."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from schemactl.manifest.load import load_text
from schemactl.project import find_project, load_feature_sets
from schemactl.render.erd import mermaid
from tests.conftest import ROOT, cli

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None or not (ROOT / "node_modules" / "mermaid").is_dir(),
                                reason="node or the pinned mermaid package is missing: run `npm ci`")


def _parse(texts: dict[str, str]) -> dict:
    res = subprocess.run([NODE, str(ROOT / "tests" / "render" / "erd_parse.mjs")], input=json.dumps(texts),
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def _expected_relationships(m) -> list[tuple]:
    rels = []
    for t in m.tables:
        cols = {c.name: c for c in t.columns}
        uniques = [set(u.columns) for u in t.uniques] + [
            {c.name for c in ix.columns} for ix in t.indexes
            if ix.unique and ix.where is None and all(c.expr is None for c in ix.columns)]
        if t.primary_key:
            uniques.append(set(t.primary_key.columns))
        for fk in t.foreign_keys:
            required = all(not cols[c].nullable for c in fk.columns)
            identifying = bool(t.primary_key) and set(fk.columns) <= set(t.primary_key.columns)
            rels.append((fk.ref_table, t.name, ", ".join(fk.columns),
                         "ZERO_OR_ONE" if any(u <= set(fk.columns) for u in uniques) else "ZERO_OR_MORE",
                         "ONLY_ONE" if required else "ZERO_OR_ONE",
                         "IDENTIFYING" if identifying else "NON_IDENTIFYING"))
    return sorted(rels)


def test_every_repo_manifest_parses_and_its_relationships_are_the_foreign_keys():
    project = find_project(ROOT)
    models = {f"{m.name}{'+' + '+'.join(m.features) if m.features else ''}": m
              for _, m in load_feature_sets(project, project.manifest_paths())}
    parsed = _parse({k: mermaid(m) for k, m in models.items()})
    assert sum(len(m.tables) for m in models.values()) > 20
    for key, m in models.items():
        got = parsed[key]
        assert "error" not in got, f"{key}: {got}"
        assert [e["name"] for e in got["entities"]] == [t.name for t in m.tables]
        for entity, table in zip(got["entities"], m.tables):
            assert [a["name"] for a in entity["attributes"]] == [c.name for c in table.columns]
            pk = set(table.primary_key.columns) if table.primary_key else set()
            assert {a["name"] for a in entity["attributes"] if "PK" in a["keys"]} == pk
        rels = sorted((r["parent"], r["child"], r["label"], r["cardA"], r["cardB"], r["relType"])
                      for r in got["relationships"])
        assert rels == _expected_relationships(m), key


def test_cardinality_follows_nullability_and_uniqueness():
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
""")
    text = mermaid(m)
    assert "users ||--o| profiles" in text        # one profile at most, identifying
    assert "users ||..o{ posts" in text           # many posts, each with exactly one author
    assert "users |o..o{ posts" in text           # an optional editor
    rels = _parse({"m": text})["m"]["relationships"]
    assert sorted((r["label"], r["cardA"], r["cardB"]) for r in rels) == [
        ("author_id", "ZERO_OR_MORE", "ONLY_ONE"), ("editor_id", "ZERO_OR_MORE", "ZERO_OR_ONE"),
        ("user_id", "ZERO_OR_ONE", "ONLY_ONE")]


def test_names_mermaid_cannot_hold_become_words_and_keep_their_text():
    m = load_text("""\
format: 1
name: hostile
version: 1
tables:
  "Mixed Case":
    columns:
      "id": {type: integer, primary_key: true}
      "it's \\"odd\\" --> }": {type: "numeric(8,2)", nullable: false}
  "9lives":
    columns:
      "x y": {type: integer, references: {table: "Mixed Case", column: id}}
""")
    text = mermaid(m)
    got = _parse({"m": text})["m"]
    assert "error" not in got, got
    labels = [e["label"] for e in got["entities"]]
    assert labels == ["Mixed Case", "9lives"]
    odd = got["entities"][0]["attributes"][1]
    assert odd["type"] == "numeric" and "it's 'odd' --> }" in odd["comment"] and "numeric(8,2)" in odd["comment"]
    assert len(got["relationships"]) == 1


def test_erd_command_and_generate_write_the_same_diagram(tmp_path):
    shutil.copy(ROOT / "manifests" / "memories.yaml", tmp_path / "m.yaml")
    result = cli("erd", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("erDiagram\n")
    assert cli("generate", "m.yaml", "-o", "out", cwd=tmp_path).exit_code == 0
    md = (tmp_path / "out" / "memories" / "schema.md").read_text()
    assert f"```mermaid\n{result.stdout}```\n" in md
    assert md == (ROOT / "generated" / "memories" / "schema.md").read_text().replace(
        "manifests/memories.yaml", "m.yaml")
