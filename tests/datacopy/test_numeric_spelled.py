"""datafast.numeric_spelled: the SQL that lets a numeric(p,s) value through copy's fast path must be true for
exactly the texts spelled as PostgreSQL and Decimal spell that value (so the text goes to PostgreSQL as it is
and means what the neutral path would send), evaluated by SQLite itself over every short string of an
alphabet that holds the near misses (signs, points, blanks, letters), plus NUL, line breaks and digits of
other scripts."""

from __future__ import annotations

import itertools
import re
import sqlite3

import pytest

from schemactl.datafast import _NUMERIC_DIGITS, numeric_spelled

ALPHABET = "019-. a"
EXTRA = ["1.50\x007", "0.5\x00", "\x00", "١.50", "١", "1.50\n", "\n1", "1e2", "+1", "1.", ".5", "-", "-.5",
         "0" * 40, "1" + "0" * 35, "9" * _NUMERIC_DIGITS, "9" * (_NUMERIC_DIGITS + 1),
         "-" + "9" * _NUMERIC_DIGITS, "-" + "9" * (_NUMERIC_DIGITS + 1),
         # numeric(38,10)'s: zero, -0, a leading zero, the widest, one digit too many, and at the other scales
         "1.0000000000", "-12.3456789012", "0.0000000000", "-0.0000000000", "01.0000000000", "1.000000000",
         "1234567890123456789012345678.0123456789", "-1234567890123456789012345678.0123456789",
         "12345678901234567890123456789.0123456789", "1.00", "-123456789012345678901234567890.00"]


@pytest.fixture(scope="module")
def texts():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE v (x)")
    values = {"".join(t) for n in range(7) for t in itertools.product(ALPHABET, repeat=n)} | set(EXTRA)
    conn.executemany("INSERT INTO v VALUES (?)", [(v,) for v in values])
    conn.executemany("INSERT INTO v VALUES (?)", [(1,), (1.5,), (b"1.50",), (None,)])   # not text: never
    yield conn
    conn.close()


def _spelled(v, p: int, s: int) -> bool:
    """The specification: -?(0|[1-9][0-9]*)(.[0-9]{s})?, at most p - s digits before the point (one 0 where
    p = s, and no more than numeric_spelled spells out), not -0."""
    if not isinstance(v, str):
        return False
    most = min(max(p - s, 1), _NUMERIC_DIGITS)
    whole = "0" if p == s else rf"(0|[1-9][0-9]{{0,{most - 1}}})"
    frac = rf"\.[0-9]{{{s}}}" if s else ""
    m = re.fullmatch(rf"(-?){whole}{frac}", v, re.ASCII)
    return bool(m) and not (m[1] and set(v[1:]) <= {"0", "."})


@pytest.mark.parametrize("p,s", [(12, 2), (5, 0), (1, 0), (3, 1), (4, 2), (6, 3), (2, 2), (4, 4), (40, 2),
                                 (38, 10)])
def test_exactly_the_spelled_texts(texts, p, s):
    rows = texts.execute(f"SELECT x, coalesce(typeof(x) = 'text' AND {numeric_spelled('x', p, s)}, 0) "
                         "FROM v").fetchall()
    wrong = [(x, got) for x, got in rows if bool(got) != _spelled(x, p, s)]
    assert wrong == []
    assert sum(1 for _, got in rows if got) >= 5   # (something is let through)


@pytest.mark.parametrize("p,s", [(12, 2), (5, 0), (3, 1), (4, 2), (6, 3), (9, 4)])
def test_the_same_as_the_printf_check_it_replaced(texts, p, s):
    """Where p > s and a double holds every value exactly, the check of earlier versions (equal to its own
    printf at the scale, and not longer than the type allows) said the same of every text."""
    longest = (p - s) + (s + 1 if s else 0)
    before = (f"typeof(x) = 'text' AND printf('%.{s}f', x) = x COLLATE BINARY AND "
              f"length(x) <= {longest} + (x COLLATE BINARY GLOB '-*')")
    now = f"typeof(x) = 'text' AND {numeric_spelled('x', p, s)}"
    differ = texts.execute(f"SELECT x FROM v WHERE coalesce({before}, 0) <> coalesce({now}, 0)").fetchall()
    assert differ == []
