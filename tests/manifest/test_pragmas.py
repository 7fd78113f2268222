"""sqlite.pragmas values: SQLite refuses none of them, it sets something else or nothing (foreign_keys =
maybe leaves foreign keys OFF).  Every value the table in schemactl/manifest/pragmas.py accepts is set
on a real SQLite with the statement schemactl writes and read back as meant; every value it refuses
is refused by validate at the value, naming the accepted ones."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl.errors import ManifestInvalid
from schemactl.manifest.load import load_text
from schemactl.manifest.pragmas import PRAGMAS, Bool, Int, Words
from schemactl.render import pragma_sql

HEAD = "format: 1\nname: p\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"


def manifest(name, value) -> str:
    import json
    return HEAD + f"sqlite:\n  pragmas:\n    {name}: {json.dumps(value)}\n"


def accepted(domain):
    """(value, what SQLite reads back) for values of the domain, edges included."""
    if isinstance(domain, Bool):
        return [(True, 1), (False, 0), (1, 1), (0, 0)] + [
            (w, 1) for w in ("on", "ON", "Yes", "true", "TRUE", "1")] + [(w, 0) for w in ("off", "No", "false", "0")]
    if isinstance(domain, Int):
        return [(v, v) for v in (domain.low, domain.high, max(domain.low, 0) + 7)] + [(str(domain.high), domain.high)]
    out = []
    for i, word in enumerate(domain.words):
        back = domain.numbers[i] if domain.numbers else None
        out += [(word, back), (word.lower(), back), (word.capitalize(), back)]
    out += [(n, n) for n in domain.numbers] + [(str(n), n) for n in domain.numbers]
    if domain.boolean:
        out += [(True, 1), (False, 0), ("on", 1), ("off", 0)]
    elif "OFF" in domain.words:
        out.append((False, domain.numbers[0] if domain.numbers else None))
    return out


def refused(domain):
    if isinstance(domain, Bool):
        return ["maybe", "extra", "full", 2, -1, "2", "none", "1.0"]
    if isinstance(domain, Int):
        return [domain.low - 1, domain.high + 1, "soon", True, False, "1.5", "12abc", "-"]
    if domain.boolean:          # secure_delete: 2 is read as true (1), not as FAST
        return ["wall", "x", "maybe", 2, -1, "FASTER"]
    return ["wall", "x", "ON", max(domain.numbers, default=-1) + 1, -1, True]


ACCEPTED = [(name, value, back) for name, domain in sorted(PRAGMAS.items()) for value, back in accepted(domain)]
REFUSED = [(name, value) for name, domain in sorted(PRAGMAS.items()) for value in refused(domain)]


def read_back(tmp_path, name, value):
    path = tmp_path / f"{name}.db"
    for leftover in tmp_path.glob(f"{name}.db*"):
        leftover.unlink()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE TABLE t (id integer)")        # a real database file (journal_mode WAL needs one)
        conn.execute(pragma_sql(name, value).rstrip(";"))
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def test_every_setting_is_one_sqlite_knows():
    conn = sqlite3.connect(":memory:")
    known = {row[0] for row in conn.execute("PRAGMA pragma_list")}
    assert set(PRAGMAS) <= known


@pytest.mark.parametrize("name,value,back", ACCEPTED, ids=[f"{n}={v!r}" for n, v, _ in ACCEPTED])
def test_an_accepted_value_is_what_sqlite_sets(tmp_path, name, value, back):
    load_text(manifest(name, value))                        # validate takes it ...
    got = read_back(tmp_path, name, value)                  # ... and SQLite sets exactly it
    if back is None:         # journal_mode, locking_mode: read back as the word; secure_delete FAST as 2
        back = (value if isinstance(value, str) else "off").lower()
        back = {("secure_delete", "fast"): 2}.get((name, back), back)
    assert got == back


@pytest.mark.parametrize("name,value", REFUSED, ids=[f"{n}={v!r}" for n, v in REFUSED])
def test_a_refused_value_is_refused_at_the_value(tmp_path, name, value):
    with pytest.raises(ManifestInvalid) as info:
        load_text(manifest(name, value), "m.yaml")
    (d,) = info.value.diagnostics
    assert (d.line, d.col) == (10, 5 + len(name) + 2)
    assert d.message.startswith(f"sqlite.pragmas: {name}: ") and f"; use {PRAGMAS[name].describe()}" in d.message


@pytest.mark.parametrize("name,value,meant,got", [
    ("foreign_keys", "maybe", 1, 0), ("foreign_keys", "enabled", 1, 0), ("busy_timeout", -5, -5, 0),
    ("synchronous", "soon", None, 1), ("temp_store", 3, 3, 0), ("mmap_size", 2 ** 63 - 1, 2 ** 63 - 1, 0x7fff0000),
    ("journal_mode", "wall", "wall", "delete"), ("wal_autocheckpoint", -1, -1, 0),
])
def test_sqlite_takes_a_wrong_value_without_a_word(tmp_path, name, value, meant, got):
    """Why the values are checked: the engine raises nothing and sets something else."""
    assert read_back(tmp_path, name, value) == got != meant
    with pytest.raises(ManifestInvalid):
        load_text(manifest(name, value))


def test_the_issue_example_is_refused_with_the_accepted_values():
    text = HEAD + "sqlite: {pragmas: {foreign_keys: maybe, busy_timeout: soon, journal_mode: wall}}\n"
    with pytest.raises(ManifestInvalid) as info:
        load_text(text, "m.yaml")
    assert [f"{d.line}:{d.col}: {d.message}" for d in info.value.diagnostics] == [
        '8:34: sqlite.pragmas: foreign_keys: "maybe" is not one of its values (SQLite would not refuse it but set '
        "something else, or nothing); use true or false (or ON/OFF, YES/NO, 1/0)",
        '8:55: sqlite.pragmas: busy_timeout: "soon" is not one of its values (SQLite would not refuse it but set '
        "something else, or nothing); use a whole number from 0 to 2147483647 (milliseconds)",
        '8:75: sqlite.pragmas: journal_mode: "wall" is not one of its values (SQLite would not refuse it but set '
        "something else, or nothing); use one of DELETE, TRUNCATE, PERSIST, MEMORY, WAL, OFF"]


@pytest.mark.parametrize("name", ["page_size", "query_only", "ignore_check_constraints", "writable_schema",
                                  "user_version", "legacy_alter_table"])
def test_a_pragma_that_is_not_a_connection_setting_is_refused(name):
    with pytest.raises(ManifestInvalid) as info:
        load_text(manifest(name, 1), "m.yaml")
    (d,) = info.value.diagnostics
    assert d.message.startswith(f'sqlite.pragmas: "{name}" is not a connection setting schemactl applies (it takes '
                                "automatic_index, busy_timeout, ")
    assert (d.line, d.col) == (10, 5)


def test_the_repository_manifests_settings_are_accepted():
    text = HEAD + ("sqlite:\n  pragmas: {journal_mode: WAL, synchronous: NORMAL, foreign_keys: true, busy_timeout: "
                   "5000, temp_store: MEMORY, cache_size: -64000, mmap_size: 134217728, wal_autocheckpoint: 1000}\n")
    assert len(load_text(text).pragmas) == 8
