"""batch_ok (schemactl._copyhelper): the one pass that vouches for a batch SQLite joined.  It counts tabs, line
feeds, backslashes and carriage returns together, and finds a row the query left out by its line (LEFT_OUT);
these tests hold it to the check it replaced (each character counted on its own, the lines counted by SQLite)
over batches built as the batch query builds them: a line per row, its values joined by tabs, NULL as \\N
and bytes as \\\\x (the backslashes ``marks`` counts), the lines joined by line feeds."""

from __future__ import annotations

import random

import pytest

from schemactl._copyhelper import LEFT_OUT, batch_ok

# What a text value may hold: plain characters, the four COPY's text format escapes, multi-byte UTF-8.
PIECES = ["a", "kind-3", "1.50", " ", "é", "🎉", "\t", "\n", "\\", "\r", "\\N", "x\ty", "\r\n", LEFT_OUT]


def _counted_apart(blob: bytes, rows: int, lines: int, marks, tabs: int) -> bool:
    """The check before batch_ok counted in one pass: each character counted on its own."""
    if lines != rows or b"\x00" in blob or b"\r" in blob or blob.count(b"\t") != rows * tabs or \
            blob.count(b"\n") != rows - 1 or blob.count(b"\\") != marks:
        return False
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _batch(rnd: random.Random, rows: int, tabs: int, special: float, left_out: float) -> tuple[bytes, int, int]:
    """(the joined lines, their marks, the lines SQLite would have counted) of ``rows`` rows of ``tabs`` + 1
    values each; a row left out is its LEFT_OUT line (which the old query left out of the lines)."""
    out, marks, lines = [], 0, 0
    for _ in range(rows):
        if rnd.random() < left_out:
            out.append(LEFT_OUT.encode())
            continue
        lines += 1
        values = []
        for _ in range(tabs + 1):
            kind = rnd.random()
            if kind < 0.1:
                values.append(b"\\N")
                marks += 1
            elif kind < 0.2:
                values.append(b"\\\\x" + rnd.randbytes(rnd.randrange(4)).hex().encode())
                marks += 2
            else:
                pieces = [rnd.choice(PIECES) if rnd.random() < special else rnd.choice(PIECES[:6])
                          for _ in range(rnd.randrange(4))]
                values.append("".join(pieces).encode())
        out.append(b"\t".join(values))
    blob = b"\n".join(out)
    if rnd.random() < 0.05:                      # text that is not UTF-8
        blob += b"\xff"
    return blob, marks, lines


@pytest.mark.parametrize("seed", range(6))
def test_one_count_vouches_for_exactly_the_batches_the_separate_counts_did(seed):
    """The old query left a row out of the batch (NULL: no line), and a batch with fewer lines than rows was
    refused; with every row's line there, its batch was this one.  A value holding LEFT_OUT's character is
    refused now (read again, value by value)."""
    rnd = random.Random(seed)
    seen = set()
    for _ in range(1500):
        rows, tabs = rnd.randrange(1, 6), rnd.randrange(0, 4)
        blob, marks, lines = _batch(rnd, rows, tabs, rnd.choice([0.0, 0.02, 0.3]), rnd.choice([0.0, 0.1]))
        marks_as_sent = float(marks)                            # total() sends a float
        want = lines == rows and _counted_apart(blob, rows, lines, marks_as_sent, tabs)
        got = batch_ok(blob, rows, marks_as_sent, tabs)
        if lines == rows and LEFT_OUT.encode() in blob:         # (in a value)
            assert got is False, blob
        else:
            assert got is want, (blob, rows, lines, marks, tabs)
        seen.add(got)
    assert seen == {True, False}


@pytest.mark.parametrize("value", ["\t", "\n", "\\", "\r", "a\tb", "\\N", LEFT_OUT])
def test_a_value_holding_a_character_only_the_lines_may_put_is_not_vouched_for(value):
    line = "1\t" + value
    assert not batch_ok(line.encode(), 1, 0, 1)
    assert batch_ok(b"1\tplain", 1, 0, 1)


def test_a_nul_or_text_that_is_not_utf8_is_not_vouched_for():
    assert not batch_ok(b"1\ta\x00b", 1, 0, 1)
    assert not batch_ok(b"1\ta\xc3", 1, 0, 1)
    assert batch_ok("1\tżółć".encode(), 1, 0, 1)


def test_a_row_left_out_is_not_vouched_for():
    assert not batch_ok(b"1\ta\n" + LEFT_OUT.encode() + b"\n3\tc", 3, 0, 1)
    assert not batch_ok(LEFT_OUT.encode(), 1, 0, 1)
    assert batch_ok(b"1\ta\n2\tb\n3\tc", 3, 0, 1)
