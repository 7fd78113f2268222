"""Catalog reads come back in one order whatever order the objects were created in: same-named triggers
on several tables (pg_dumps have many: pagila's 14 `last_updated`) are ordered by their table too, so an
import writes the same manifest from the same database every time."""

from __future__ import annotations

from schemactl.introspect import introspect


def test_same_named_triggers_come_back_ordered_by_table(pg):
    pg.execute("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$")
    for table in ("zeta", "alpha", "mid"):   # created in an order that is neither sorted nor reversed
        pg.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
        pg.execute(f"CREATE TRIGGER last_updated BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION touch()")
    cat = introspect(pg, "postgres", "public")
    assert [(t.name, t.table) for t in cat.triggers] == [("last_updated", "alpha"), ("last_updated", "mid"),
                                                         ("last_updated", "zeta")]
