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
