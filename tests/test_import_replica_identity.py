"""pg_dump writes a table's REPLICA IDENTITY (FULL, NOTHING, USING INDEX) and its clustering index (ALTER TABLE …
CLUSTER ON) as their own statements: import dropped both without a word (the table and index counted exact) and
diff of the same database said "no differences", though a published table without its replica identity refuses
logical replication's UPDATE and DELETE, and CLUSTER without an index name fails.  Both are now listed with their
table or index and reported by diff as held beyond the manifest (SC105)."""

from __future__ import annotations

from schemactl import render
from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from tests.conftest import cli

DDL = """CREATE TABLE public.accounts (id integer NOT NULL, email text NOT NULL);
CREATE TABLE public.events (at timestamp with time zone, msg text);
CREATE TABLE public.plain (id integer NOT NULL);
CREATE TABLE public.quiet (id integer NOT NULL);
ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.plain ADD CONSTRAINT plain_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.quiet ADD CONSTRAINT quiet_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX accounts_email ON public.accounts USING btree (email);
ALTER TABLE ONLY public.accounts REPLICA IDENTITY USING INDEX accounts_email;
ALTER TABLE public.accounts CLUSTER ON accounts_pkey;
ALTER TABLE ONLY public.events REPLICA IDENTITY FULL;
ALTER TABLE ONLY public.quiet REPLICA IDENTITY NOTHING;
"""


def test_replica_identity_and_cluster_on_are_listed_and_reported(pg, pg_server, tmp_path):
    pg.execute(DDL)
    src = tmp_path / "schema.sql"
    src.write_text(DDL)
    out = tmp_path / "app.yaml"
    result = cli("import", "--ddl", src, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("import: approximately: ")]
    for at, said in ((1, 'table "accounts": REPLICA IDENTITY USING INDEX accounts_email left out: the manifest\'s '
                         "table has the default replica identity"),
                     (5, 'table "accounts", index "accounts_pkey": CLUSTER ON left out'),
                     (2, 'table "events": REPLICA IDENTITY FULL left out'),
                     (4, 'table "quiet": REPLICA IDENTITY NOTHING left out')):
        assert any(f"{src}:{at}: {said}" in line for line in lines), (said, lines)
    assert "plain" not in result.output.replace("written", "")
    m = load_file(out)
    found = sorted(f"{f.code} {f.message}" for f in diff(expect(m, "postgres"), introspect(pg, "postgres")))
    assert found == sorted(['SC105 table "accounts" holds what the manifest cannot declare',
                            'SC105 index "accounts_pkey" on "accounts" holds what the manifest cannot declare',
                            'SC105 table "events" holds what the manifest cannot declare',
                            'SC105 table "quiet" holds what the manifest cannot declare'])
    # the manifest's own DDL holds none of them: a database built from it is clean
    pg.execute("DROP TABLE accounts, events, plain, quiet")
    pg.execute(render.ddl(m, "postgres"))
    assert list(diff(expect(m, "postgres"), introspect(pg, "postgres"))) == []
