"""import applies drizzle-kit's DDL in batches: the same database and the same rejected statements (each with its
own message) as one statement at a time; the parts of a file that may be unterminated always run alone."""

from __future__ import annotations

from schemactl.importer import _apply, split_sql
from schemactl.introspect import introspect

DDL = """
CREATE TYPE "public"."mood" AS ENUM('a', 'b');
CREATE TABLE "a" ("id" integer PRIMARY KEY, "m" "mood");
CREATE TABLE "b" ("id" integer PRIMARY KEY, "a_id" integer);
CREATE TABLE "a" ("id" integer);
ALTER TABLE "b" ADD CONSTRAINT "b_a_fk" FOREIGN KEY ("a_id") REFERENCES "a"("id");
CREATE INDEX "b_nope_idx" ON "b" ("nope");
CREATE INDEX "b_a_idx" ON "b" ("a_id");
CREATE VIEW "v" AS SELECT id FROM "a"
"""


def _state(pg):
    cat = introspect(pg, "postgres", "public")
    return [(t.name, t.columns, t.foreign_keys, t.indexes) for t in cat.tables], cat.enums, cat.views


def _run(pg, batch: bool, tails=frozenset()):
    from tests.conftest import RESET_SQL
    pg.execute(RESET_SQL)
    statements = [("f.sql", s) for s in split_sql(DDL)]
    rejected = _apply(pg, statements, batch=batch, tails=tails)
    return [(s.line, msg) for _, s, msg in rejected], _state(pg)


def test_batches_leave_what_one_at_a_time_leaves(pg):
    one = _run(pg, batch=False)
    assert [line for line, _ in one[0]] == [5, 7]   # the second "a", the index on a missing column
    assert _run(pg, batch=True) == one
    statements = split_sql(DDL)
    assert _run(pg, batch=True, tails=frozenset({id(statements[-1])})) == one


def test_a_clean_run_is_one_round_trip(pg):
    sent = []

    class Counting:
        def execute(self, sql):
            sent.append(sql)
            return pg.execute(sql)

    from tests.conftest import RESET_SQL
    pg.execute(RESET_SQL)
    statements = [("f.sql", s) for s in split_sql(DDL) if '"a" ("id" integer)' not in s.text and "nope" not in s.text]
    assert _apply(Counting(), statements, batch=True) == []
    assert len(sent) == 2          # the run, then the view: the file's last statement has no ';' of its own
    assert {t.name for t in introspect(pg, "postgres", "public").tables} == {"a", "b"}


def test_on_commit_and_concurrently_run_alone(pg):
    from tests.conftest import RESET_SQL
    pg.execute(RESET_SQL)
    ddl = ('CREATE TABLE "t" ("id" integer);\nCREATE INDEX CONCURRENTLY "t_idx" ON "t" ("id");\n'
           'CREATE TABLE "u" ("id" integer);\n')
    assert _apply(pg, [("f.sql", s) for s in split_sql(ddl)], batch=True) == []
    assert [i.name for t in introspect(pg, "postgres", "public").tables for i in t.indexes] == ["t_idx"]
