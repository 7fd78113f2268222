"""Chains of several migrations on the repo's seed manifests (memories, neoprism), each with a parent-table
rebuild on SQLite while child rows are present, and rows to populate them with."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tests.conftest import ROOT
from tests.migrations.chain_support import Chain

UUID = "{:08x}-0000-4000-8000-{:012x}"


def uuid(i: int, j: int = 0) -> str:
    return UUID.format(i, j)


def _memories():
    text = (ROOT / "manifests" / "memories.yaml").read_text()
    v2 = text.replace("      title: {type: varchar(200), nullable: false}\n      description: text\n",
                      "      title: {type: varchar(200)}\n      description: text\n", 1)
    v3 = v2.replace("    primary_key: [capsule_id, principal]\n",
                    "    primary_key: [capsule_id, principal]\n    indexes:\n      - columns: [role]\n", 1) \
        .replace("      added_at: {type: timestamptz, nullable: false, default: {fn: now}}\n",
                 "      added_at: {type: timestamptz, nullable: false, default: {fn: now}}\n      note: text\n", 1)
    rows = []
    for i in range(1, 4):
        rows.append(("capsules", {"id": uuid(i), "owner_principal": f"p{i}", "title": f"capsule {i}",
                                  "description": None if i == 2 else f"d{i}", "is_public": i % 2 == 0}))
    for i in range(1, 4):
        for j in range(1, 5):
            rows.append(("memories", {"id": uuid(i, j), "capsule_id": uuid(i), "kind": "note", "title": f"m{i}.{j}",
                                      "body": f"body {i} {j}", "size_bytes": i * j}))
        rows.append(("capsule_members", {"capsule_id": uuid(i), "principal": f"friend{i}", "role": "editor"}))
    return [("init", text), ("nullable_title", v2), ("member_notes", v3)], rows


def _neoprism():
    text = (ROOT / "manifests" / "neoprism.yaml").read_text()
    v2 = text.replace("      cbt: {type: timestamptz, nullable: false, comment: Cardano block time}\n",
                      "      cbt: {type: timestamptz, comment: Cardano block time}\n", 1)
    vdr_last = "      indexed_at: {type: timestamptz, nullable: false, default: {fn: now}}\n    indexes:\n" \
        "      - columns: [init_operation_hash]\n"
    v3 = v2.replace(vdr_last, vdr_last.replace("    indexes:", "      note: text\n    indexes:"), 1) \
        .replace("      - columns: [init_operation_hash]\n",
                 "      - columns: [init_operation_hash]\n      - columns: [prev_operation_hash]\n", 1)
    rows = [("dlt_cursor", {"id": 1, "slot": 99, "block_hash": b"\x00\x01\xff"})]
    for i in range(1, 6):
        rows.append(("raw_operation", {"id": uuid(i), "signed_operation_data": bytes([i]) * 4, "slot": 100 + i,
                                       "block_number": 7, "cbt": "2024-05-0%dT10:00:00+00:00" % i, "absn": i,
                                       "osn": 0}))
        rows.append(("indexed_ssi_operation", {"id": uuid(i, 1), "raw_operation_id": uuid(i), "did": b"d" + bytes([i])}))
        rows.append(("indexed_vdr_operation", {"id": uuid(i, 2), "raw_operation_id": uuid(i),
                                               "operation_hash": b"h" + bytes([i]), "init_operation_hash": b"i",
                                               "prev_operation_hash": None if i == 1 else b"p", "did": b"v"}))
    return [("init", text), ("nullable_cbt", v2), ("vdr_note", v3)], rows


SEEDS = {"memories": _memories, "neoprism": _neoprism}


def build(name: str, root: Path) -> tuple[Path, Path, list]:
    """(out dir at version 1, out dir at the last version, rows) for seed ``name``."""
    releases, rows = SEEDS[name]()
    chain = Chain(root / "chain")
    chain.out = root / "chain" / "generated" / name
    first = None
    for i, (slug, text) in enumerate(releases):
        chain.release(text, slug)
        if i == 0:
            first = root / "v1"
            shutil.copytree(chain.out, first)
    return first, chain.out, rows


def insert(conn, engine: str, rows) -> None:
    ph = "?" if engine == "sqlite" else "%s"
    for table, values in rows:
        cols = ", ".join(values)
        conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join([ph] * len(values))})",
                     [_param(v, engine) for v in values.values()])
    if engine == "sqlite":
        conn.commit()


def _param(v, engine):
    if engine == "sqlite" and isinstance(v, bool):
        return int(v)
    return v


def fingerprint(conn, rows) -> dict:
    """Row count and SHA-256 per table over the columns the rows were written with (ordered by them)."""
    out = {}
    for table in dict.fromkeys(t for t, _ in rows):
        cols = list(next(v for t, v in rows if t == table))
        got = conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(cols[:2])}").fetchall()
        norm = [tuple(bytes(x) if isinstance(x, memoryview) else x for x in r) for r in got]
        out[table] = (len(norm), hashlib.sha256(repr(norm).encode()).hexdigest())
    return out
