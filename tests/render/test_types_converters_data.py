"""Rows written and read back through the converters `import --drizzle` writes (a74ef0d), on real engines.

The file not in the team's dialect converts its engine's stored value as the team's mode does (a customType,
or that builder's own mode).  tests/render/test_types_assignable.py proves the types; this proves the
values: for a manifest using every converter (PostgreSQL team: the SQLite file's customTypes, under each
SQLite timestamptz storage; SQLite team: the PostgreSQL file's customTypes), the generated DDL is applied to
a SQLite file and to the suite's PostgreSQL, the same rows (New<Table> values) are inserted through
drizzle-orm into both and selected back through drizzle-orm (tsx; better-sqlite3 and node-postgres), and

  1. each engine reads back what was written (what the team's own engine keeps of it),
  2. both engines read back the same values,
  3. each database holds what schemactl's other tools (copy, diff, datavalues) expect for the portable
     type, read past drizzle with sqlite3 and psycopg: SQLite timestamptz as Unix ms / s integers or UTC
     ISO text of the same instant, numeric as decimal text within its scale, booleans 0/1, ...
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import subprocess
from decimal import Decimal

import pytest

from schemactl import render
from schemactl.manifest.load import load_text
from tests.conftest import ROOT

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
BIG = 2 ** 53 + 1

SCRIPT = r'''// Writes rows through drizzle-orm into PostgreSQL (schema.pg.ts) and SQLite (schema.sqlite.ts), reads them
// back through drizzle-orm, and prints {"postgres": rows | {error}, "sqlite": rows | {error}} as JSON.
//   tsx types_converters_data.ts <dir with the generated files> <pg conninfo> <sqlite file> <rows.json>
// Values in rows.json and in the output are tagged: {"$date": iso}, {"$bigint": digits}, {"$bytes": hex}.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";

function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$date === "string") return new Date(o.$date);
    if (typeof o.$bigint === "string") return BigInt(o.$bigint);
    if (typeof o.$bytes === "string") return Buffer.from(o.$bytes, "hex");
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

function encode(v: unknown): unknown {
  if (v instanceof Date) return { $date: Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString() };
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("hex") };
  if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

function pgConfig(conninfo: string) {
  const pairs = new Map<string, string>();
  for (const m of conninfo.matchAll(/([A-Za-z_]+)=(\S*)/g)) pairs.set(m[1], m[2]);
  return { host: pairs.get("host"), port: Number(pairs.get("port")), user: pairs.get("user"),
           database: pairs.get("dbname") };
}

async function main() {
  const [dir, conninfo, sqliteFile, rowsFile] = process.argv.slice(2);
  const rows = decode(JSON.parse(readFileSync(rowsFile, "utf8"))) as Record<string, unknown>[];
  const pgSchema = await import(join(dir, "schema.pg.ts"));
  const liteSchema = await import(join(dir, "schema.sqlite.ts"));
  const out: Record<string, unknown> = {};

  const { Client } = (await import("pg")).default;
  const { drizzle: pgDrizzle } = await import("drizzle-orm/node-postgres");
  const client = new Client(pgConfig(conninfo));
  await client.connect();
  try {
    const db = pgDrizzle(client);
    const t = pgSchema.things;
    await db.insert(t).values(rows);
    const got = [];
    for (const r of rows) {   // one row a select: a converter that refuses a value fails its row only
      try { got.push(encode((await db.select().from(t).where(eq(t.id, r.id)))[0])); }
      catch (e) { got.push({ $error: String((e as Error)?.message ?? e) }); }
    }
    out.postgres = got;
  } catch (e) {
    out.postgres = { error: String((e as Error)?.stack ?? e) };
  } finally {
    await client.end();
  }

  const Database = (await import("better-sqlite3")).default;
  const { drizzle: liteDrizzle } = await import("drizzle-orm/better-sqlite3");
  const sqlite = new Database(sqliteFile);
  try {
    const db = liteDrizzle(sqlite);
    const t = liteSchema.things;
    db.insert(t).values(rows).run();
    const got = [];
    for (const r of rows) {
      try { got.push(encode(db.select().from(t).where(eq(t.id, r.id)).get())); }
      catch (e) { got.push({ $error: String((e as Error)?.message ?? e) }); }
    }
    out.sqlite = got;
  } catch (e) {
    out.sqlite = { error: String((e as Error)?.stack ?? e) };
  } finally {
    sqlite.close();
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
'''

PG_TEAM = """\
      tz_string: {type: timestamptz, drizzle: {mode: string}}
      tz_date: {type: timestamptz}
      ts_date: {type: timestamp, drizzle: {mode: date}}
      date_date: {type: date, drizzle: {mode: date}}
      big_bigint: {type: bigint, drizzle: {mode: bigint}}
      num_number: {type: 'numeric(10,2)', drizzle: {mode: number}}
      num_bigint: {type: 'numeric(30,0)', drizzle: {mode: bigint}}
      own_numeric: {type: text, postgres_type: numeric, drizzle: {mode: number}}
"""
SQLITE_TEAM = """\
      tz_date: {type: timestamptz}
      int_bool: {type: integer, drizzle: {mode: boolean}}
      big_bool: {type: bigint, drizzle: {mode: boolean}}
      small_bool: {type: smallint, drizzle: {mode: boolean}}
      big_ts: {type: bigint, drizzle: {mode: timestamp}}
      big_ts_ms: {type: bigint, drizzle: {mode: timestamp_ms}}
      int_ts: {type: integer, drizzle: {mode: timestamp}}
      text_json: {type: text, drizzle: {mode: json}}
      blob_json: {type: bytes, drizzle: {mode: json}}
      blob_buffer: {type: bytes, drizzle: {mode: buffer}}
      blob_bigint: {type: bytes, drizzle: {mode: bigint}}
"""


def manifest(core: str, storage: str) -> str:
    return (f"format: 1\nname: conv_{core}\nversion: 1\nsqlite: {{timestamptz: {storage}}}\ntables:\n"
            f"  things:\n    columns:\n      id: {{type: integer, primary_key: true}}\n"
            f"{PG_TEAM if core == 'postgres' else SQLITE_TEAM}drizzle:\n  core: {core}\n")


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def D(iso: str) -> dict:
    return {"$date": iso}


def B(n: int) -> dict:
    return {"$bigint": str(n)}


def ms(t: dt.datetime) -> int:
    return (t - EPOCH) // dt.timedelta(milliseconds=1)


def secs(t: dt.datetime) -> int:
    return (t - EPOCH) // dt.timedelta(seconds=1)


def iso_z(t: dt.datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- PostgreSQL team: the SQLite file's converters ----------------------------------------------------------
# an instant with milliseconds written with a +05:30 offset; epoch 0; before 1970 (with ms); NULLs
INSTANTS = ["2024-03-05T14:07:08.123+05:30", "1970-01-01T00:00:00.000Z", "1960-06-15T23:59:58.001-03:00"]


def pg_team_rows(storage: str) -> list[dict]:
    whole = storage == "integer_s"   # Unix seconds cannot hold a fraction (copy refuses one; see its test)
    tz = [re.sub(r"\.\d+", "", s) if whole else s for s in INSTANTS]
    rows = [
        {"id": 1, "tz_string": tz[0], "tz_date": D(tz[0]), "ts_date": D("2024-03-05T08:37:08.123Z"),
         "date_date": D("2024-03-05T00:00:00.000Z"), "big_bigint": B(2 ** 53 - 1), "num_number": 12345678.91,
         "num_bigint": B(123456789012345678901234567890), "own_numeric": 3.141592653589793},
        {"id": 2, "tz_string": tz[1], "tz_date": D(tz[1]), "ts_date": D("1970-01-01T00:00:00.000Z"),
         "date_date": D("1970-01-01T00:00:00.000Z"), "big_bigint": B(-(2 ** 53 - 1)), "num_number": 0,
         "num_bigint": B(-1), "own_numeric": 0},
        {"id": 3, "tz_string": tz[2], "tz_date": D(tz[2]), "ts_date": D("1960-06-16T02:59:58.001Z"),
         "date_date": D("1960-06-16T00:00:00.000Z"), "big_bigint": B(0), "num_number": -0.5,
         "num_bigint": B(10 ** 29), "own_numeric": -1234.5678},
        {"id": 4, **dict.fromkeys(("tz_string", "tz_date", "ts_date", "date_date", "big_bigint", "num_number",
                                   "num_bigint", "own_numeric"))},
        # beyond Number.MAX_SAFE_INTEGER: better-sqlite3 reads an INTEGER as a number (2^53+1 -> 2^53), so
        # SQLite's asBigintInteger must refuse it rather than return another value (PostgreSQL reads it exactly)
        {"id": 5, **dict.fromkeys(("tz_string", "tz_date", "ts_date", "date_date", "num_number", "num_bigint",
                                   "own_numeric")), "big_bigint": B(BIG)},
        {"id": 6, **dict.fromkeys(("tz_string", "tz_date", "ts_date", "date_date", "num_number", "num_bigint",
                                   "own_numeric")), "big_bigint": B(-BIG)},
    ]
    return rows


UNSAFE = "beyond Number.MAX_SAFE_INTEGER"


def compare(col: str, v):
    """A value as compared: a Date and a mode "string" timestamptz are instants (PostgreSQL spells the
    string its own way: the type agrees, the spelling does not)."""
    if isinstance(v, dict) and "$date" in v:
        return instant(v["$date"])
    if col == "tz_string" and v is not None:
        return instant(v)
    return v


def pg_team_raw_sqlite(col: str, raw, written, storage: str):
    """What SQLite must hold for the written value (schemactl's storage of the portable type)."""
    if written is None:
        return raw is None
    if col in ("tz_string", "tz_date"):
        t = instant(written if col == "tz_string" else written["$date"])
        if storage == "integer_ms":
            return raw == ms(t)
        if storage == "integer_s":
            return raw == secs(t)
        return isinstance(raw, str) and raw.endswith("Z") and instant(raw) == t   # UTC ISO text
    if col == "ts_date":
        t = instant(written["$date"]).replace(tzinfo=None)
        return isinstance(raw, str) and dt.datetime.fromisoformat(raw) == t
    if col == "date_date":
        return raw == written["$date"][:10]
    if col == "big_bigint":
        return raw == int(written["$bigint"])
    if col == "num_bigint":
        return raw == written["$bigint"]
    if col in ("num_number", "own_numeric"):
        ok = isinstance(raw, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", raw) is not None
        return ok and Decimal(raw) == Decimal(repr(written)) and (col == "own_numeric" or
                                                                  -Decimal(raw).as_tuple().exponent <= 2)
    raise AssertionError(col)


def pg_team_raw_pg(col: str, raw, written):
    if written is None:
        return raw is None
    if col in ("tz_string", "tz_date"):
        return raw == instant(written if col == "tz_string" else written["$date"])
    if col == "ts_date":
        return raw == instant(written["$date"]).replace(tzinfo=None)
    if col == "date_date":
        return raw == dt.date.fromisoformat(written["$date"][:10])
    if col in ("big_bigint", "num_bigint"):
        return raw == int(written["$bigint"])
    if col in ("num_number", "own_numeric"):
        return raw == Decimal(repr(written))
    raise AssertionError(col)


# -- SQLite team: the PostgreSQL file's converters ----------------------------------------------------------
def sqlite_team_rows(storage: str) -> list[dict]:
    tz = [re.sub(r"\.\d+", "", s) if storage == "integer_s" else s for s in INSTANTS]
    return [
        {"id": 1, "tz_date": D(tz[0]), "int_bool": True, "big_bool": True, "small_bool": True,
         "big_ts": D("2024-03-05T14:07:08.000Z"), "big_ts_ms": D("2024-03-05T14:07:08.123Z"),
         "int_ts": D("2024-03-05T14:07:08.000Z"), "text_json": {"a": [1, "x", None], "b": 1.5},
         "blob_json": {"v": [1, 2]}, "blob_buffer": {"$bytes": "00ff10"}, "blob_bigint": B(BIG)},
        {"id": 2, "tz_date": D(tz[1]), "int_bool": False, "big_bool": False, "small_bool": False,
         "big_ts": D("1970-01-01T00:00:00.000Z"), "big_ts_ms": D("1970-01-01T00:00:00.000Z"),
         "int_ts": D("1970-01-01T00:00:00.000Z"), "text_json": [], "blob_json": "s",
         "blob_buffer": {"$bytes": ""}, "blob_bigint": B(-BIG)},
        {"id": 3, "tz_date": D(tz[2]), "int_bool": True, "big_bool": False, "small_bool": True,
         "big_ts": D("1960-06-16T02:59:58.000Z"), "big_ts_ms": D("1960-06-16T02:59:58.001Z"),
         "int_ts": D("1960-06-16T02:59:58.000Z"), "text_json": 0, "blob_json": {"é": "ü"},
         "blob_buffer": {"$bytes": "ff"}, "blob_bigint": B(0)},
        {"id": 4, **dict.fromkeys(("tz_date", "int_bool", "big_bool", "small_bool", "big_ts", "big_ts_ms",
                                   "int_ts", "text_json", "blob_json", "blob_buffer", "blob_bigint"))},
    ]


def sqlite_team_raw(col: str, raw, written, storage: str, engine: str):
    if written is None:
        return raw is None
    if col == "tz_date":
        t = instant(written["$date"])
        if engine == "postgres":
            return raw == t
        return pg_team_raw_sqlite("tz_date", raw, written, storage)
    if col.endswith("_bool"):
        return raw == int(written) and type(raw) is int
    if col in ("big_ts", "int_ts"):
        return raw == secs(instant(written["$date"]))
    if col == "big_ts_ms":
        return raw == ms(instant(written["$date"]))
    if col == "text_json":
        return isinstance(raw, str) and json.loads(raw) == written
    if col == "blob_json":
        return isinstance(raw, bytes) and json.loads(raw.decode()) == written
    if col == "blob_buffer":
        return bytes(raw) == bytes.fromhex(written["$bytes"])
    if col == "blob_bigint":
        return bytes(raw) == written["$bigint"].encode()
    raise AssertionError(col)


# -------------------------------------------------------------------------------------------------------------
def run(tmp_path, pg, pg_test_db, core: str, storage: str, rows: list[dict]) -> tuple[dict, str]:
    if not (ROOT / "node_modules" / ".bin" / "tsx").exists():
        pytest.fail("Node tool chain missing; run `npm ci` at the repository root")
    m = load_text(manifest(core, storage), "m.yaml")
    out = render.outputs(m)
    work = tmp_path / f"{core}_{storage}"
    work.mkdir()
    for name, content in out.items():
        (work / name).write_text(content)
    (work / "node_modules").symlink_to(ROOT / "node_modules")
    (work / "run.ts").write_text(SCRIPT)
    (work / "rows.json").write_text(json.dumps([{camel(k): v for k, v in r.items()} for r in rows]))
    pg.execute(out["postgres.sql"])
    db = work / "test.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(out["sqlite.sql"])
    conn.close()
    res = subprocess.run([str(ROOT / "node_modules" / ".bin" / "tsx"), "run.ts", str(work), pg_test_db, str(db),
                          str(work / "rows.json")], cwd=work, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    result = json.loads(res.stdout.strip().splitlines()[-1])
    for engine in ("postgres", "sqlite"):
        assert isinstance(result[engine], list), f"{engine}: {result[engine]}"
    return result, str(db)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def raw_rows(pg, db: str, cols: list[str]) -> dict:
    q = f"SELECT {', '.join(cols)} FROM things ORDER BY id"
    with sqlite3.connect(db) as conn:
        lite = conn.execute(q).fetchall()
    conn.close()
    return {"postgres": pg.execute(q).fetchall(), "sqlite": lite}


def check(result: dict, raws: dict, rows: list[dict], compare, raw_ok, refused=()) -> None:
    """``refused``: (engine, row id) whose drizzle read must fail (the value is stored right, see raw)."""
    bad = []
    cols = [c for c in rows[0] if c != "id"]
    for i, written in enumerate(rows):
        for engine in ("postgres", "sqlite"):
            got = result[engine][i]
            if (engine, written["id"]) in refused:
                if UNSAFE not in got.get("$error", ""):
                    bad.append(f"row {written['id']}: {engine} read {got!r}, not a refusal ({UNSAFE})")
                result[engine][i] = {camel(c): written[c] for c in written}   # checked: the raw value below
            elif "$error" in got:
                bad.append(f"row {written['id']}: {engine} select failed: {got['$error']}")
                result[engine][i] = {camel(c): None for c in written}
        for col in cols:
            key = camel(col)
            got = {e: result[e][i][key] for e in ("postgres", "sqlite")}
            for engine in ("postgres", "sqlite"):
                if compare(col, got[engine]) != compare(col, written[col]):
                    bad.append(f"row {written['id']} {col}: {engine} read back {got[engine]!r}, "
                               f"wrote {written[col]!r}")
                raw = raws[engine][i][cols.index(col)]
                if not raw_ok(col, raw, written[col], engine):
                    bad.append(f"row {written['id']} {col}: {engine} stores {raw!r} for {written[col]!r}")
            if compare(col, got["postgres"]) != compare(col, got["sqlite"]):
                bad.append(f"row {written['id']} {col}: postgres read {got['postgres']!r}, "
                           f"sqlite read {got['sqlite']!r}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("storage", ["integer_ms", "integer_s", "iso_text"])
def test_sqlite_files_converters_keep_postgres_teams_values(tmp_path, pg, pg_test_db, storage):
    rows = pg_team_rows(storage)
    result, db = run(tmp_path, pg, pg_test_db, "postgres", storage, rows)
    cols = [c for c in rows[0] if c != "id"]

    def raw_ok(col, raw, written, engine):
        if engine == "sqlite":
            return pg_team_raw_sqlite(col, raw, written, storage)
        return pg_team_raw_pg(col, raw, written)
    check(result, raw_rows(pg, db, cols), rows, compare, raw_ok, refused={("sqlite", 5), ("sqlite", 6)})


@pytest.mark.parametrize("storage", ["integer_ms", "integer_s", "iso_text"])
def test_postgres_files_converters_keep_sqlite_teams_values(tmp_path, pg, pg_test_db, storage):
    rows = sqlite_team_rows(storage)
    result, db = run(tmp_path, pg, pg_test_db, "sqlite", storage, rows)
    cols = [c for c in rows[0] if c != "id"]

    def raw_ok(col, raw, written, engine):
        return sqlite_team_raw(col, raw, written, storage, engine)
    check(result, raw_rows(pg, db, cols), rows, compare, raw_ok)


def test_the_manifests_use_every_converter():
    """Each customType a74ef0d writes in the other file is among the columns above."""
    seen = set()
    for core in ("postgres", "sqlite"):
        for storage in ("integer_ms", "integer_s", "iso_text"):
            out = render.outputs(load_text(manifest(core, storage), "m.yaml"))
            other = out["schema.sqlite.ts" if core == "postgres" else "schema.pg.ts"]
            seen |= set(re.findall(r"^const (\w+) = customType<", other, re.M))
    assert seen >= {"asStringInteger", "asSecondsInteger", "asTimestampText", "asDateText", "asBigintInteger",
                    "asNumberText", "asBigintText", "isoTimestamp", "asBooleanInteger", "asBooleanBigint",
                    "asBooleanSmallint", "asSecondsBigint", "asMsBigint", "asJsonText", "asJsonBytea",
                    "asBufferBytea", "asBigintBytea"}, seen


def test_every_conversion_row_is_reachable():
    """render.drizzle.CONVERSIONS is read first match first: no row is hidden by one above it."""
    from types import SimpleNamespace

    from schemactl.render.drizzle import CONVERSIONS, DrizzleRenderer
    for (natural, want, when), conversion in CONVERSIONS:
        facts = {"type": "none", "engine": "none", "mode": None, "storage": "none"}
        facts.update({k: v.split("|")[0] for k, v in when.items()})
        fake = SimpleNamespace(engine=facts["engine"], m=SimpleNamespace(time_storage=facts["storage"]))
        column = SimpleNamespace(type=SimpleNamespace(name=facts["type"]))
        for one in natural.split("|"):
            assert DrizzleRenderer._conversion(fake, column, one, want, facts["mode"]) is conversion, (natural, want)
