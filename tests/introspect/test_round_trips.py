"""Reading a PostgreSQL catalog took a round trip per query: some thirty for diff's catalog and as many again for
import's extras, each as long as the network makes it (30 ms to a database in another region: a second and more
of waiting in every diff, parity --postgres-url or import --db).  The queries now go in one batch (psycopg's
pipeline mode).  A proxy in front of the real server's socket counts the round trips: each time the server
answers after the client has sent something."""

from __future__ import annotations

import selectors
import socket
import threading
from pathlib import Path

import psycopg
import pytest

from schemactl import render
from schemactl.importer import pg_extras
from schemactl.introspect import introspect
from schemactl.introspect.postgres import read_settings
from schemactl.manifest.load import load_text


class TurnCounter:
    """A Unix socket at ``directory`` that passes a connection's bytes to and from the server's socket, counting
    the server's answers to what the client sent (round trips)."""

    def __init__(self, server_socket: str, directory: Path, port: int):
        self.server_socket, self.turns = server_socket, 0
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(str(directory / f".s.PGSQL.{port}"))
        self.listener.listen(4)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:   # closed
                return
            threading.Thread(target=self._pass, args=(client,), daemon=True).start()

    def _pass(self, client: socket.socket) -> None:
        server = socket.socket(socket.AF_UNIX)
        server.connect(self.server_socket)
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, server)
        sel.register(server, selectors.EVENT_READ, client)
        last = None
        with client, server:
            while True:
                for key, _ in sel.select():
                    data = key.fileobj.recv(1 << 16)
                    if not data:
                        return
                    if key.fileobj is server and last == "client":
                        self.turns += 1
                    last = "server" if key.fileobj is server else "client"
                    key.data.sendall(data)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def counted(pg_server, pg_test_db, tmp_path):
    """(a conninfo through the counting proxy to the tests' database, the counter)."""
    proxy = TurnCounter(str(Path(pg_server.base) / f".s.PGSQL.{pg_server.port}"), tmp_path, pg_server.port)
    try:
        dbname = psycopg.conninfo.conninfo_to_dict(pg_test_db)["dbname"]
        yield f"host={tmp_path} port={pg_server.port} user=postgres dbname={dbname}", proxy
    finally:
        proxy.close()


SCHEMAS = ["public", "app"]

MANIFEST = """\
format: 1
name: rt
version: 1
enums: {state: [new, done]}
sequences: {ticket: {type: bigint}}
tables:
  items:
    columns:
      id: {type: integer, primary_key: true}
      state: {type: state, nullable: false, default: new}
      qty: {type: integer, nullable: false, default: 0, check: "qty >= 0"}
      ticket: {type: bigint, default: {nextval: ticket}}
    indexes:
      - {name: items_open, columns: [qty], where: "state <> 'done'"}
  audit:
    columns:
      id: {type: integer, primary_key: true, identity: true}
      item_id: {type: integer, nullable: false, references: items.id}
      change: {type: text, nullable: false}
triggers:
  items_audit:
    table: items
    timing: after
    on: update
    do: ["INSERT INTO audit (item_id, change) VALUES (NEW.id, 'update')"]
views:
  open_items: {sql: "SELECT id, qty FROM items WHERE state <> 'done'"}
"""


@pytest.mark.parametrize("schema", SCHEMAS)
def test_a_catalog_is_read_in_a_few_round_trips(pg, counted, schema, monkeypatch):
    """A schema of every kind the catalog reads (enum, sequence, check, partial index, foreign key, identity,
    trigger, view) in public or in schema app: diff's catalog read took 27 round trips, import's extras 29; now
    each at most 3 (the settings read and set, the queries, the settings put back), and what is read is what one
    query at a time reads."""
    named = f"version: 1\npostgres: {{schema: {schema}}}\n"
    m = load_text(MANIFEST if schema == "public" else MANIFEST.replace("version: 1\n", named), "rt.yaml")
    pg.execute(render.ddl(m, "postgres"))
    conninfo, proxy = counted

    def read() -> tuple:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            proxy.turns = 0
            catalog = introspect(conn, "postgres", schema)
            turns = proxy.turns
            with read_settings(conn):
                extras = pg_extras(conn, schema)
            return catalog, extras, turns, proxy.turns - turns
    catalog, extras, turns, extra_turns = read()
    assert turns <= 3 and extra_turns <= 3, (turns, extra_turns)
    assert [len(x) for x in (catalog.tables, catalog.enums, catalog.views, catalog.triggers, catalog.sequences)] == \
        [2, 1, 1, 1, 1]
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))   # libpq before 14
    one_by_one = read()
    assert one_by_one[:2] == (catalog, extras)
    assert one_by_one[2] > 15 and one_by_one[3] > 15, one_by_one[2:]
