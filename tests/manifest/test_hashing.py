"""The schema hash ignores presentation and follows every schema change."""

from __future__ import annotations

import pytest

from schemactl.manifest.hashing import canonical, rewrite_hash, schema_hash
from schemactl.manifest.load import load_text

BASE = """\
format: 1
name: shop
version: 1
description: a shop
enums:
  state: [open, closed]
tables:
  customers:
    columns:
      id: {type: integer, primary_key: true, identity: true}
      email: {type: varchar(200), nullable: false}
  orders:
    description: orders placed by customers
    columns:
      id: {type: uuid, primary_key: true, default: {fn: uuid}}
      customer_id: {type: integer, nullable: false, references: {table: customers, column: id, on_delete: cascade}}
      state: {type: state, nullable: false, default: open}
      total: {type: "numeric(10,2)", nullable: false, default: 0, check: "total >= 0"}
      placed_at: {type: timestamptz, nullable: false, default: {fn: now}}
    indexes:
      - columns: [customer_id, {column: placed_at, order: desc}]
        where: "state = 'open'"
"""

# Same schema: block style, other key order, comments, other descriptions,
# tables in another order, expression spacing and case of keywords.
SAME = """\
# the shop
version: 7            # version is not part of the hash
name: other-name
format: 1
tables:
  orders:
    indexes:
      - where: "state='open'"
        columns:
          - customer_id
          - column: placed_at
            order: desc
    columns:
      id:
        default: {fn: uuid}
        primary_key: true
        type: uuid
      customer_id:
        references: {on_delete: cascade, column: id, table: customers}
        type: integer
        nullable: false
      state: {default: open, nullable: false, type: state}
      total: {check: "total>=0", type: "numeric(10, 2)", default: 0.0, nullable: false}
      placed_at: {type: timestamptz, default: {fn: now}, nullable: false}
  customers:
    description: changed text
    columns:
      id: {identity: true, primary_key: true, type: integer}
      email: {nullable: false, type: varchar(200)}
enums:
  state: [open, closed]
"""


def h(text: str) -> str:
    return schema_hash(load_text(text))


def test_presentation_does_not_change_the_hash():
    assert h(BASE) == h(SAME)


def test_hash_format():
    value = h(BASE)
    assert value.startswith("sha256:") and len(value) == 71


CHANGES = {
    "column type": ("email: {type: varchar(200)", "email: {type: varchar(201)"),
    "nullability": ("email: {type: varchar(200), nullable: false}", "email: {type: varchar(200)}"),
    "default": ("default: open", "default: closed"),
    "check": ('check: "total >= 0"', 'check: "total > 0"'),
    "fk action": ("on_delete: cascade", "on_delete: restrict"),
    "index order": ("order: desc", "order: asc"),
    "index predicate": ("where: \"state = 'open'\"", "where: \"state = 'closed'\""),
    "enum member": ("[open, closed]", "[open, closed, void]"),
    "enum order": ("[open, closed]", "[closed, open]"),
    "column added": ("      email: {type: varchar(200), nullable: false}\n",
                     "      email: {type: varchar(200), nullable: false}\n      name: text\n"),
    "identity": ("{type: integer, primary_key: true, identity: true}", "{type: integer, primary_key: true}"),
    "numeric scale": ('"numeric(10,2)"', '"numeric(10,3)"'),
    "postgres schema": ("enums:", "postgres: {schema: shop}\nenums:"),
    "sqlite strict": ("enums:", "sqlite: {strict: true}\nenums:"),
    "sqlite time storage": ("enums:", "sqlite: {timestamptz: iso_text}\nenums:"),
    "comment": ("  customers:\n", "  customers:\n    comment: people who buy\n"),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_schema_changes_change_the_hash(change):
    old, new = CHANGES[change]
    assert old in BASE
    assert h(BASE) != h(BASE.replace(old, new, 1))


def test_column_order_is_part_of_the_schema():
    swapped = BASE.replace("      id: {type: integer, primary_key: true, identity: true}\n"
                           "      email: {type: varchar(200), nullable: false}\n",
                           "      email: {type: varchar(200), nullable: false}\n"
                           "      id: {type: integer, primary_key: true, identity: true}\n")
    assert swapped != BASE and h(swapped) != h(BASE)


def test_canonical_form_has_no_presentation_fields():
    text = repr(canonical(load_text(BASE)))
    assert "a shop" not in text and "orders placed" not in text and "'shop'" not in text


def test_rewrite_hash_keeps_everything_else():
    text = "format: 1\nname: x  # c\nversion: 2\nhash: sha256:old # keep\ntables: {}\n"
    assert rewrite_hash(text, "sha256:new") == "format: 1\nname: x  # c\nversion: 2\nhash: sha256:new # keep\ntables: {}\n"


# ---------------------------------------------------------------- hash --write edits the YAML structure

import os  # noqa: E402

import yaml  # noqa: E402

from tests.conftest import cli  # noqa: E402

TABLES = "tables: {t: {columns: {id: {type: integer, primary_key: true}}}}"
STALE = "sha256:" + "0" * 64


@pytest.mark.parametrize("text", [
    f"{{format: 1, name: x, version: 1, {TABLES}}}\n",                                            # flow, no hash
    f"{{format: 1, name: x, version: 1, hash: {STALE}, {TABLES}}}\n",
    f'format: 1\nname: x\nversion: 1\n"hash": {STALE}\n{TABLES}\n',                               # quoted key
    f"format: 1\nname: x\nversion: 1\nhash:\n  {STALE}\n{TABLES}\n",                               # next line
    f'format: 1\nname: x\ndescription: "about\nhash: {STALE}"\nversion: 1\n{TABLES}\n',            # in a string
    f"format: 1\nname: x\ndescription: |\n  text\n  hash: y\nversion: 1  # v\n{TABLES}\n",
    f"format: 1\nname: x\nversion: 1\nhash: '{STALE}'  # c\n{TABLES}\n",
    f"\ufeffformat: 1\nname: x\ndescription: caf\u00e9 \U0001F600\nversion: 1\nhash: {STALE}\n{TABLES}\n",  # BOM
    f"\ufeffformat: 1\r\nname: x\r\nversion: 1\r\n{TABLES}\r\n",
], ids=["flow-no-hash", "flow", "quoted-key", "next-line", "multi-line-string", "block-string", "single-quoted",
        "bom", "bom-crlf-no-hash"])
def test_hash_write_sets_exactly_the_top_level_hash(tmp_path, text):
    path = tmp_path / "m.yaml"
    path.write_text(text)
    before = load_text(text)
    result = cli("hash", "--write", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    after = load_text(path.read_text())
    assert after.hash == schema_hash(before)
    old, new = yaml.safe_load(text), yaml.safe_load(path.read_text())
    assert new == {**old, "hash": after.hash}           # nothing else changed: descriptions, version, tables
    assert cli("hash", "--write", "m.yaml", cwd=tmp_path).exit_code == 0      # idempotent
    assert "hash updated" not in cli("hash", "--write", "m.yaml", cwd=tmp_path).output


def test_hash_write_replaces_an_alias_not_its_anchor(tmp_path):
    text = f"format: 1\nname: x\nversion: 1\ndescription: &h {STALE}\nhash: *h  # c\n{TABLES}\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    assert cli("hash", "--write", "m.yaml", cwd=tmp_path).exit_code == 0
    assert path.read_text() == text.replace("hash: *h", f"hash: {schema_hash(load_text(text))}")


def test_hash_write_refuses_what_it_cannot_change_alone(tmp_path):
    text = f"format: 1\nname: x\nversion: 1\nhash: &h {STALE}\ndescription: *h\n{TABLES}\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = cli("hash", "--write", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "m.yaml:" in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert path.read_text() == text


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_hash_write_on_an_unwritable_file_is_exit_2(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(f"format: 1\nname: x\nversion: 1\n{TABLES}\n")
    tmp_path.chmod(0o500)
    try:
        result = cli("hash", "--write", "m.yaml", cwd=tmp_path)
    finally:
        tmp_path.chmod(0o700)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


class _Reads:
    """A manifest that records which of its fields are read."""

    def __init__(self, m):
        self._m, self.read = m, set()

    def __getattr__(self, name):
        self.read.add(name)
        return getattr(self._m, name)


def test_the_hash_reads_only_the_fields_it_is_remembered_by():
    """schema_hash remembers a hash by the identity of HASHED_FIELDS' objects: canonical() reads no other."""
    from dataclasses import replace
    from pathlib import Path

    from schemactl.manifest.hashing import HASHED_FIELDS
    root = Path(__file__).resolve().parents[2]
    read = set()
    for path in [*root.glob("tests/cases/*/manifest.yaml"), *root.glob("manifests/*.yaml")]:
        m = load_text(path.read_text(encoding="utf-8"), str(path))
        proxy = _Reads(m)
        assert canonical(proxy) == canonical(m)
        read |= proxy.read
        assert schema_hash(replace(m, version=m.version + 1, source="elsewhere")) == schema_hash(m)
        if m.tables:
            assert schema_hash(replace(m, tables=m.tables[1:])) != schema_hash(m)
    assert read <= set(HASHED_FIELDS), read - set(HASHED_FIELDS)


# ---------------------------------------------------------------- hash --write mends a malformed hash:

CONFLICT = f"<<<<<<< HEAD {STALE} ======= sha256:{'1' * 64} >>>>>>> theirs"
MALFORMED = [
    'hash: "sha256:abc"', 'hash: ""', "hash:", "hash: 12", "hash: sha256:ABC", f"hash: {CONFLICT}",
    f"hash: |\n  <<<<<<< HEAD\n  {STALE}\n  =======\n  sha256:{'1' * 64}\n  >>>>>>> theirs",
]
MALFORMED_IDS = ["short", "empty", "null", "number", "upper-case", "conflict-text", "conflict-block"]


@pytest.mark.parametrize("line", MALFORMED, ids=MALFORMED_IDS)
def test_load_for_hash_loads_a_manifest_whose_only_problem_is_its_hash(tmp_path, line):
    """What `hash` and `hash --write` load with: validate refuses the manifest and sends the user to
    `hash --write`, which loads it with the hash set aside and rewrites that one scalar."""
    from schemactl.errors import ManifestInvalid
    from schemactl.manifest.hashing import load_for_hash, write_hash
    from schemactl.project import find_project, load_all
    text = f"format: 1\nname: x\nversion: 1\n{line}\n{TABLES}\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    project = find_project(tmp_path)
    with pytest.raises(ManifestInvalid) as info:
        load_all(project, [path])
    assert [(d.line, d.col) for d in info.value.diagnostics] == [(4, 6 if line == "hash:" else 7)]
    ((got_path, m),) = load_for_hash(project, [path])
    digest = schema_hash(load_text(text.replace(line, f"hash: {STALE}")))
    assert got_path == path and schema_hash(m) == digest
    assert path.read_text() == text                      # loading writes nothing
    assert write_hash(path, digest)
    lines, got = text.split("\n"), path.read_text().split("\n")
    assert got[:3] == lines[:3] and got[4:] == lines[3 + line.count("\n") + 1:]     # that one scalar only
    assert got[3] in (f"hash: {digest}", f'hash: "{digest}"')
    assert load_all(project, [path])[0][1].hash == digest


def test_load_for_hash_names_the_other_problems_of_a_manifest_with_a_malformed_hash(tmp_path):
    from schemactl.errors import ManifestInvalid
    from schemactl.manifest.hashing import load_for_hash
    from schemactl.project import find_project
    text = f'format: 1\nname: x\nversion: 1\nhash: "sha256:abc"\ntables: {{t: {{columns: {{id: {{type: intger}}}}}}}}\n'
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(ManifestInvalid) as info:
        load_for_hash(find_project(tmp_path), [path])
    messages = [f"{d.line}: {d.message}" for d in info.value.diagnostics]
    assert any(m.startswith("5: ") and 'unknown type "intger"' in m for m in messages), messages
    assert not any("hash --write" in m for m in messages)      # not sent round in a circle


def test_load_for_hash_leaves_a_hash_it_cannot_replace_alone_to_validate(tmp_path):
    from schemactl.errors import ManifestInvalid
    from schemactl.manifest.hashing import load_for_hash
    from schemactl.project import find_project
    path = tmp_path / "m.yaml"
    path.write_text(f"format: 1\nname: x\nversion: 1\nhash: {{a: 1}}\n{TABLES}\n")
    with pytest.raises(ManifestInvalid):
        load_for_hash(find_project(tmp_path), [path])
