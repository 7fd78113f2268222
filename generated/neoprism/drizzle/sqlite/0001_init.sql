-- schemactl migration 0001_init of schema "neoprism" (sqlite), for drizzle-orm's migrator; generated, do not edit.
CREATE TABLE dlt_cursor (
    id SMALLINT NOT NULL DEFAULT 1,
    slot BIGINT NOT NULL,
    block_hash BLOB NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT dlt_cursor_pkey PRIMARY KEY (id),
    CONSTRAINT dlt_cursor_id_check CHECK (id = 1)
);
--> statement-breakpoint
CREATE TABLE raw_operation (
    id TEXT NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    signed_operation_data BLOB NOT NULL,
    slot BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    cbt TEXT NOT NULL,
    absn INTEGER NOT NULL,
    osn INTEGER NOT NULL,
    is_indexed BOOLEAN NOT NULL DEFAULT 0,
    CONSTRAINT raw_operation_pkey PRIMARY KEY (id),
    CONSTRAINT raw_operation_block_number_absn_osn_key UNIQUE (block_number, absn, osn)
);
--> statement-breakpoint
CREATE INDEX raw_operation_slot_idx ON raw_operation (slot);
--> statement-breakpoint
CREATE INDEX raw_operation_unindexed_idx ON raw_operation (block_number, absn, osn) WHERE NOT is_indexed;
--> statement-breakpoint
CREATE TABLE indexed_ssi_operation (
    id TEXT NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    raw_operation_id TEXT NOT NULL,
    did BLOB NOT NULL,
    indexed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT indexed_ssi_operation_pkey PRIMARY KEY (id),
    CONSTRAINT indexed_ssi_operation_raw_operation_id_key UNIQUE (raw_operation_id),
    CONSTRAINT indexed_ssi_operation_raw_operation_id_fkey FOREIGN KEY (raw_operation_id) REFERENCES raw_operation (id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX indexed_ssi_operation_did_idx ON indexed_ssi_operation (did);
--> statement-breakpoint
CREATE TABLE indexed_vdr_operation (
    id TEXT NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    raw_operation_id TEXT NOT NULL,
    operation_hash BLOB NOT NULL,
    init_operation_hash BLOB NOT NULL,
    prev_operation_hash BLOB,
    did BLOB NOT NULL,
    indexed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT indexed_vdr_operation_pkey PRIMARY KEY (id),
    CONSTRAINT indexed_vdr_operation_raw_operation_id_key UNIQUE (raw_operation_id),
    CONSTRAINT indexed_vdr_operation_raw_operation_id_fkey FOREIGN KEY (raw_operation_id) REFERENCES raw_operation (id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX indexed_vdr_operation_did_idx ON indexed_vdr_operation (did);
--> statement-breakpoint
CREATE INDEX indexed_vdr_operation_init_operation_hash_idx ON indexed_vdr_operation (init_operation_hash);
--> statement-breakpoint
CREATE VIEW raw_operation_by_did AS SELECT ro.id, ro.signed_operation_data, ro.slot, ro.block_number, ro.cbt, ro.absn, ro.osn, ro.is_indexed, iso.did FROM raw_operation AS ro JOIN indexed_ssi_operation AS iso ON ro.id = iso.raw_operation_id;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, hash TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL);
--> statement-breakpoint
INSERT INTO schema_version (version, hash, checksum, applied_at) VALUES (1, 'sha256:34b76fd3fe28ed76b55c8a698b48468fb71114be020938dbb138d37dfdcd49b8', '6c9a0419da883d0f98748b9328f7515e813391901707b2b618ecaf0a6f93445a', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
