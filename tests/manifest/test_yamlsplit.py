"""A large manifest read in two processes (yamlsplit): exactly the whole document's reading, or nothing
(then the whole text is read as before)."""

from __future__ import annotations

import os
import random
import sys
import threading

import pytest

from schemactl import cores
from schemactl.errors import ManifestInvalid
from schemactl.manifest import yamlpos, yamlsplit
from schemactl.manifest.load import load_text

from tests.synthetic import manifest as synthetic

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked reading on Linux only")

TEXT = synthetic(12) + "views:\n  open_t0000:\n    sql: SELECT id FROM t0000 WHERE state <> 'closed'\n"


@pytest.fixture(autouse=True)
def small_and_forking(monkeypatch):
    """Split from a small size on, with a second core and no other thread (as the command line runs)."""
    monkeypatch.setattr(yamlpos, "SPLIT_FROM", 100)
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    yield
    yamlsplit.drop_ahead()


def _whole(text: str):
    got = yamlpos.fast_reading(text)
    return None if got is None else (got.data, list(got.data), got.surprises, got.built)


def _split(text: str):
    got = yamlsplit.load(text)
    return None if got is None else (got.data, list(got.data), got.surprises, got.built)


def test_the_two_halves_read_as_the_whole_document():
    at = yamlsplit.cut(TEXT)
    assert at is not None and TEXT[at:].startswith("  t00") and 0.3 < at / len(TEXT) < 0.7
    split = _split(TEXT)
    assert split is not None and split == _whole(TEXT)
    assert list(split[0]["tables"]) == [f"t{i:04d}" for i in range(12)]


def test_surprises_in_both_halves_are_kept_at_their_paths():
    text = TEXT.replace("nullable: false, default: new}", "nullable: false, default: new, comment: on}")
    split = _split(text)
    assert split == _whole(text)
    assert {p[:2] for p in split[2]} >= {("tables", "t0000"), ("tables", "t0011")}


@pytest.mark.parametrize("change", [
    "\t", "\r", "---\n", "%YAML 1.1\n",
], ids=["tab", "carriage-return", "document-marker", "directive"])
def test_no_cut_in_a_text_that_is_not_plain_block_yaml(change):
    assert yamlsplit.cut(change + TEXT if change.endswith("\n") else TEXT.replace(" ", change, 1)) is None


def test_no_cut_without_exactly_one_tables_line_and_two_tables():
    assert yamlsplit.cut(TEXT.replace("tables:", "tables:  # all of them")) is not None
    assert yamlsplit.cut(TEXT + "tables:\n") is None
    assert yamlsplit.cut(synthetic(1)) is None


def test_a_table_named_in_both_halves_is_left_to_the_whole_reading():
    at = yamlsplit.cut(TEXT)
    name = TEXT[at:].split(":", 1)[0].strip()
    text = TEXT.replace("  t0000:", f"  {name}:", 1)
    assert _split(text) is None
    with pytest.raises(ManifestInvalid, match=f'duplicate key "{name}"'):
        load_text(text, "m.yaml")


def test_a_top_level_key_in_both_halves_is_left_to_the_whole_reading():
    text = "views: {}\n" + TEXT
    assert _split(text) is None
    with pytest.raises(ManifestInvalid, match='duplicate key "views"'):
        load_text(text, "m.yaml")


def test_a_quoted_string_across_the_cut_is_left_to_the_whole_reading():
    at = yamlsplit.cut(TEXT)
    text = TEXT[:at].rstrip("\n") + '\n    comment: "a long\n' + TEXT[at:].replace("\n", "\n", 1)
    text = text.replace("      id: {type: bigint", '      id: {type: bigint', 1)
    # the comment opened before the cut is closed after it, several lines on
    at2 = text.index("\n", text.index("  t0", at + 20)) + 1
    text = text[:at2] + '    still the comment"\n' + text[at2:]
    assert _split(text) is None
    whole = yamlpos.load(text)   # whatever the whole reading makes of it, the loader gives that
    assert whole.data == (yamlpos.fast_reading(text) or yamlpos._load_nodes(text)).data


def test_anchors_are_left_to_the_node_reading():
    text = TEXT.replace("payload: {type: jsonb}", "payload: &p {type: jsonb}", 1).rstrip("\n")
    text = text.replace("  t0011:\n", "  t0011:\n", 1)
    assert _split(text) is None


def test_random_cuts_read_as_the_whole_document_or_not_at_all():
    """Multi-line strings, block scalars, comments and blank lines sprinkled over the tables: the joined
    reading is the whole document's whenever there is one."""
    rng = random.Random(20261203)
    lines = TEXT.splitlines(keepends=True)
    extras = ['    comment: "two\n      lines"\n', "    comment: |\n      block\n  not_a_table: 1\n",
              "# a comment\n", "\n", "  # an indented comment\n", "    comment: >-\n      folded\n      text\n",
              "    comment: 'single\n\n      quoted'\n", "    comment: plain\n      continued\n"]
    agreed = 0
    for _ in range(120):
        body = list(lines)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(8, len(body))
            if body[at - 1].startswith("  t") and body[at - 1].rstrip().endswith(":"):
                continue   # never between a table's name and its first key
            body.insert(at, rng.choice(extras))
        text = "".join(body)
        whole, split = _whole(text), _split(text)
        assert split is None or split == whole, text
        agreed += split is not None
    assert agreed >= 10   # (many texts are no valid YAML, or repeat a key: nothing to join)


def test_reading_ahead_is_used_by_the_load_of_the_same_text(tmp_path, monkeypatch):
    path = tmp_path / "m.yaml"
    path.write_text(TEXT)
    yamlsplit.read_ahead(path)
    assert len(yamlsplit._ahead) == 1
    forks = []
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or (_ for _ in ()).throw(AssertionError))
    assert _split(TEXT) == _whole(TEXT) and forks == [] and yamlsplit._ahead == []


def test_reading_ahead_of_a_file_changed_since_is_not_used(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(TEXT)
    yamlsplit.read_ahead(path)
    child = yamlsplit._ahead[0][2].pid
    changed = TEXT.replace("t0011", "t0099")
    assert _split(changed) == _whole(changed)
    assert yamlsplit._ahead == [] and not _runs(child)


def test_an_unused_reading_ahead_is_ended(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(TEXT)
    yamlsplit.read_ahead(path)
    child = yamlsplit._ahead[0][2].pid
    yamlsplit.drop_ahead()
    assert yamlsplit._ahead == [] and not _runs(child)


def test_positions_come_from_the_whole_text():
    last = TEXT.rindex("type: state")
    text = TEXT[:last] + "type: stat" + TEXT[last + len("type: state"):]
    line = text[:last].count("\n") + 1
    col = last - text.rindex("\n", 0, last) + len("type: ")   # the value's column
    with pytest.raises(ManifestInvalid, match=rf"m.yaml:{line}:{col}: error: .*unknown type \"stat\""):
        load_text(text, "m.yaml")


def _runs(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return os.path.exists(f"/proc/{pid}")


def test_a_manifest_from_a_pipe_is_not_read_ahead(tmp_path):
    """generate <(cat manifest.yaml): the pipe's bytes are read once, by the loader (reading ahead had taken
    them, and the loader then found an empty manifest or waited for a writer that was gone)."""
    fifo = tmp_path / "m.yaml"
    os.mkfifo(fifo)
    yamlsplit.read_ahead(fifo)   # returns at once: no writer is waited for, nothing is read
    assert yamlsplit._ahead == []
    import threading as th
    writer = th.Thread(target=lambda: fifo.write_text(TEXT))
    writer.start()
    try:
        assert fifo.read_text() == TEXT   # all of it is still there for the loader
    finally:
        writer.join()


def test_generate_of_a_manifest_given_as_a_pipe(tmp_path):
    import subprocess
    import sys as _sys
    (tmp_path / "m.yaml").write_text(TEXT.replace("name: bench", "name: piped"))
    res = subprocess.run(["bash", "-c", f"{_sys.executable} -m schemactl generate --no-hash -o out <(cat m.yaml)"],
                         cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "SCHEMACTL_NO_CACHE": "1"})
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out" / "piped" / "postgres.sql").is_file()
