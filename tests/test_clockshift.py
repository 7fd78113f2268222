"""schemactl.clockshift: PostgreSQL interval texts and clock defaults as SQLite date modifiers."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl.clockshift import clock_default, interval_parts


@pytest.mark.parametrize("text, parts", [
    ("1 day", (0, 1, 0.0)),
    ("7 days", (0, 7, 0.0)),
    ("02:00:00", (0, 0, 7200.0)),
    ("-00:30:00", (0, 0, -1800.0)),
    ("1 year 2 mons 3 days 04:05:06.5", (14, 3, 14706.5)),
    ("-1 days +02:00:00", (0, -1, 7200.0)),
    ("2 weeks", (0, 14, 0.0)),
    ("90 minutes", (0, 0, 5400.0)),
])
def test_interval_texts_are_read_as_months_days_seconds(text, parts):
    assert interval_parts(text) == parts


@pytest.mark.parametrize("text", ["", "1.5 days", "1 fortnight", "P1D", "1 day and more", "2 centuries"])
def test_an_interval_this_reading_does_not_know_is_none(text):
    assert interval_parts(text) is None


@pytest.mark.parametrize("sql, kind, storage, expected", [
    ("(now() + '1 day'::interval)", "timestamptz", "integer_ms",
     "CAST(ROUND((julianday('now', '+1 days') - 2440587.5) * 86400000) AS INTEGER)"),
    ("(now() + '1 day'::interval)", "timestamptz", "iso_text", "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 days')"),
    ("(now() + '1 day'::interval)", "timestamptz", "integer_s", "CAST(strftime('%s', 'now', '+1 days') AS INTEGER)"),
    ("(CURRENT_DATE + 7)", "date", "integer_ms", "date('now', 'start of day', '+7 days')"),
    ("(CURRENT_DATE - 7)", "date", "integer_ms", "date('now', 'start of day', '-7 days')"),
    ("(now() - '1 year 2 mons'::interval)", "date", "integer_ms", "date('now', '-14 months')"),
    ("(LOCALTIMESTAMP + '00:00:01.5'::interval)", "timestamp", "integer_ms", "datetime('now', '+1.5 seconds')"),
    ("(CURRENT_TIME + '01:00:00'::interval)", "time", "integer_ms", "time('now', '+3600 seconds')"),
])
def test_a_shifted_clock_is_sqlites_date_function_with_modifiers(sql, kind, storage, expected):
    got, clock = clock_default(sql, kind, storage)
    assert (got, clock) == (expected, True)
    assert sqlite3.connect(":memory:").execute(f"SELECT {got}").fetchone()[0] is not None   # SQLite reads it


@pytest.mark.parametrize("sql, kind", [
    ("date_trunc('day'::text, now())", "timestamptz"),           # another shape: not carried
    ("(now() + ('1 day'::interval * 2))", "timestamptz"),
    ("(CURRENT_TIME + '01:00:00'::interval)", "timestamp"),      # a time of day on a timestamp column
    ("(now() + '1.5 days'::interval)", "timestamptz"),           # a fractional day
])
def test_a_clock_default_of_another_shape_is_said_to_read_the_clock(sql, kind):
    assert clock_default(sql, kind, "integer_ms") == (None, True)


@pytest.mark.parametrize("sql", ["'2020-01-01'::date", "(1 + 2)", "lower('x'::text)"])
def test_a_default_without_a_clock_is_not_this_readings(sql):
    assert clock_default(sql, "date", "integer_ms") == (None, False)
