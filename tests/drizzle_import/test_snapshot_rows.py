"""import --drizzle reads a pg-core schema from drizzle-kit's snapshot, without a scratch PostgreSQL, only where it
knows the server's answer exactly: these tests apply drizzle-kit's DDL to a real server and compare every catalog
row it returns with the rows schemactl.drizzle_snapshot makes of the snapshot."""

from __future__ import annotations

import json
import shutil

import pytest

from schemactl import drizzle_module
from schemactl.drizzle_snapshot import Unsupported, rows
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "drizzle_import" / "fixtures"


def _plain(value):
    return json.loads(json.dumps(value, default=str))


def _module(tmp_path, name: str, text: str | None = None):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    path = tmp_path / "schema.ts"
    if text is None:
        shutil.copy(FIXTURES / name, path)
    else:
        path.write_text(text)
    out = drizzle_module.read_module(path)
    ddl = drizzle_module.exported(path, path.read_text("utf-8"))
    return out["snapshot"], ddl


def _server_rows(pg, ddl: str):
    from schemactl.importer import pg_extras
    from schemactl.introspect.postgres import _queries, read_settings
    pg.cursor().execute(ddl.replace("--> statement-breakpoint", "").encode(), prepare=False)
    with read_settings(pg):
        return _queries(pg, "public"), pg_extras(pg, "public")


def _differences(mine: dict, server: dict) -> list[str]:
    out = []
    for key in sorted(set(mine) | set(server)):
        a, b = _plain(mine.get(key)), _plain(server.get(key))
        if a != b:
            out += [f"{key}: snapshot {row}" for row in a if row not in b]
            out += [f"{key}: server   {row}" for row in b if row not in a]
            if not out:
                out.append(f"{key}: same rows in another order")
    return out


def test_every_form_it_reads_is_what_postgresql_returns(tmp_path, pg):
    snapshot, ddl = _module(tmp_path, "snapshot_forms.ts")
    q, x = rows(snapshot)
    sq, sx = _server_rows(pg, ddl)
    differences = _differences(q, sq) + _differences(x, sx)
    assert not differences, "\n".join(differences)
    # what the fixture covers (so that a rule left out of rows() fails here, not silently)
    assert len(q["columns"]) == 92 and len(q["constraints"]) == 31 and len(q["indexes"]) == 10
    assert len(q["sequences"]) == 3 and len(x["identities"]) == 3


# Every pg-core Drizzle file of the tests: where the snapshot is read without a server, the manifest (and the
# import's summary) is byte for byte the one the server's reading gives
PG_CORE = sorted([*ROOT.glob("tests/cases/*/schema.pg.ts"), *ROOT.glob("tests/fixtures/corpus/*/schema.ts"),
                  FIXTURES / "snapshot_forms.ts", FIXTURES / "team_pg.ts", FIXTURES / "pg_types.ts"])


def _name(path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", [p for p in PG_CORE if "pg-core" in p.read_text("utf-8")], ids=_name)
def test_the_manifest_read_from_the_snapshot_is_the_servers(path, scratch_server):
    from schemactl import importer
    if (importer.drizzle_dialect(path) or ("",))[0] != "postgres":
        pytest.skip("not a pg-core schema")
    text = path.read_text("utf-8")
    module = drizzle_module.read_module(path)
    snapshot = module.pop("snapshot")
    keys = {(t["name"], c["name"]): c["key"] for t in module["tables"] for c in t["columns"] if c["key"] != c["name"]}
    fast = importer.from_snapshot(snapshot, "app")
    if fast is not None:
        fast[1].locate = importer.SourceLocator(str(path), text, keys)
    ddl = drizzle_module.exported(path, text)
    slow = importer.from_ddl([(str(path), ddl)], "postgres", "app", locator=importer.SourceLocator(str(path), text, keys),
                             server=scratch_server)[:2]
    if fast is None:
        with pytest.raises(Unsupported):
            rows(snapshot)
        return
    for doc, summary in (fast, slow):
        drizzle_module.annotate(doc, module, str(path))
    texts = [importer.finish(doc, summary, str(path))[0] for doc, summary in (fast, slow)]
    assert texts[0] == texts[1]
    assert fast[1].lines() == slow[1].lines()


def test_most_of_the_tests_drizzle_files_are_read_without_a_server():
    """(what the test above compares: a rows() that refused everything would pass it)"""
    from schemactl import importer
    read = 0
    for path in PG_CORE:
        if (importer.drizzle_dialect(path) or ("",))[0] == "postgres":
            module = drizzle_module.read_module(path)
            drizzle_module.done_with(path, path.read_text("utf-8"))
            try:
                rows(module["snapshot"])
                read += 1
            except Unsupported:
                pass
    assert read >= 20


def test_the_keywords_postgresql_quotes_are_naming_s(pg):
    """drizzle_snapshot writes a name as quote_ident does by naming.PG_KEYWORDS (and leaves the words some
    versions only quote to the server): the server's own list of keywords it does not take as a name."""
    from schemactl.drizzle_snapshot import _VARIES
    from schemactl.naming import PG_KEYWORDS
    words = {w for (w,) in pg.execute("SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'")}
    assert words - _VARIES == PG_KEYWORDS - _VARIES
