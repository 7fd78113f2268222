"""The statement splitter reads PostgreSQL text as PostgreSQL's lexer does: a ';' inside a string, an E'…'
escape string, a (nested) comment or a $tag$ body does not end a statement, and one outside them always
does, so no hostile text can hide a second statement inside what schemactl takes for one (the functions:
of a manifest, the statements of import --ddl).  PostgreSQL itself is the judge: it prepares each statement
the splitter yields, and a prepared statement holds exactly one command."""

from __future__ import annotations

import pytest

from schemactl.sqlsplit import split_sql

HOSTILE = {
    # an escape string whose \' the splitter took for the end of the text
    "escape string": ("SELECT E'\\''; CREATE TABLE smuggled(x int); --'",
                      ["SELECT E'\\'';", "CREATE TABLE smuggled(x int);"]),
    "escape string, lower case": ("SELECT e'\\\\'; SELECT 2; --'", ["SELECT e'\\\\';", "SELECT 2;"]),
    # a $q$ inside an identifier opens no body
    "dollar inside an identifier": ("SELECT 1 AS a$q$; SELECT 2 AS b; --$q$",
                                    ["SELECT 1 AS a$q$;", "SELECT 2 AS b;"]),
    # comments nest: the quote after the inner */ is still comment
    "nested comment": ("/* /* */ ' */ SELECT 1; SELECT 2; -- '", ["SELECT 1;", "SELECT 2;"]),
    # a tag with digits is a tag
    "tag with a digit": ("SELECT $q1$ a; b $q1$; SELECT 2", ["SELECT $q1$ a; b $q1$;", "SELECT 2"]),
    "ordinary string": ("SELECT 'a''b;c'; SELECT 3", ["SELECT 'a''b;c';", "SELECT 3"]),
    "identifier ending in E": ("SELECT 1 AS some'; SELECT 2; --'", ["SELECT 1 AS some'; SELECT 2; --'"]),
    # a SQL-standard routine body (pg_dump since PostgreSQL 14): its ';' do not end the CREATE FUNCTION; before,
    # the function was cut at its first ';' (rejected), and what called it (a CHECK, a table) rejected with it
    "begin atomic body": ("CREATE FUNCTION f(n int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\n "
                          "SELECT CASE WHEN n > 0 THEN (CASE WHEN n > 1 THEN 2 END) ELSE 3 END;\nEND; SELECT 4",
                          ["CREATE FUNCTION f(n int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\n "
                           "SELECT CASE WHEN n > 0 THEN (CASE WHEN n > 1 THEN 2 END) ELSE 3 END;\nEND;", "SELECT 4"]),
    "or replace procedure": ("CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 2",
                             ["CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
                              "SELECT 2"]),
    # BEGIN ATOMIC inside the body is a column and its alias, not a second body: the END closes the body
    "begin atomic as a column": ("CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT begin atomic "
                                 "FROM (SELECT 1 AS begin) AS s; END; CREATE TABLE smuggled(x int)",
                                 ["CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT begin atomic "
                                  "FROM (SELECT 1 AS begin) AS s; END;", "CREATE TABLE smuggled(x int)"]),
    # a function called begin opens no body, nor does a word that goes on an identifier (a$begin)
    "function called begin": ("CREATE FUNCTION begin() RETURNS int LANGUAGE sql AS 'SELECT 1'; CREATE TABLE "
                              "smuggled(x int)", ["CREATE FUNCTION begin() RETURNS int LANGUAGE sql AS 'SELECT 1';",
                                                  "CREATE TABLE smuggled(x int)"]),
    "begin inside an identifier": ("CREATE FUNCTION h(a$begin int) RETURNS int LANGUAGE sql RETURN a$begin; "
                                   "CREATE TABLE smuggled(x int)",
                                   ["CREATE FUNCTION h(a$begin int) RETURNS int LANGUAGE sql RETURN a$begin;",
                                    "CREATE TABLE smuggled(x int)"]),
    "begin in a table": ("CREATE TABLE t (begin int, atomic int); SELECT 2", ["CREATE TABLE t (begin int, atomic "
                                                                              "int);", "SELECT 2"]),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_statements_are_where_postgresql_ends_them(name):
    text, want = HOSTILE[name]
    assert [s.text for s in split_sql(text)] == want


def test_sqlite_comments_do_not_nest():
    assert [s.text for s in split_sql("/* /* */ SELECT 1; SELECT 2;", "sqlite")] == ["SELECT 1;", "SELECT 2;"]


@pytest.mark.parametrize("name", [n for n in HOSTILE if n != "identifier ending in E"])
def test_postgresql_prepares_every_statement_as_one_command(name, pg):
    import psycopg
    for statement in split_sql(HOSTILE[name][0]):
        try:
            pg.execute(statement.text.rstrip(";").encode(), prepare=True)
        except psycopg.Error as exc:
            assert "multiple commands" not in str(exc), statement.text
            raise


@pytest.mark.parametrize("spelled, readable", [
    ("WORD_START", r"[A-Za-z_\u0080-\U0010ffff]"),
    ("TAG_CHAR", r"[A-Za-z0-9_\u0080-\U0010ffff]"),
    ("WORD_CHAR", r"[A-Za-z0-9_$\u0080-\U0010ffff]"),
])
def test_character_classes_spelled_by_what_they_leave_out_match_their_readable_spelling(spelled, readable):
    """The splitter's (and the runtime's) word classes are spelled as the ASCII characters they leave out,
    which compiles a thousand times faster: every code point, surrogates included, is in both or in neither."""
    import re

    from schemactl import typekeys
    fast, slow = re.compile(getattr(typekeys, spelled)), re.compile(readable)
    everything = "".join(map(chr, range(0x110000)))
    assert [m.start() for m in fast.finditer(everything)] == [m.start() for m in slow.finditer(everything)]
