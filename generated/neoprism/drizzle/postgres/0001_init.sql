-- schemactl migration 0001_init of schema "neoprism" (postgres), for drizzle-orm's migrator; generated, do not edit.
CREATE TABLE dlt_cursor (
    id smallint NOT NULL DEFAULT 1,
    slot bigint NOT NULL,
    block_hash bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dlt_cursor_pkey PRIMARY KEY (id),
    CONSTRAINT dlt_cursor_id_check CHECK (id = 1)
);
--> statement-breakpoint
CREATE TABLE raw_operation (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    signed_operation_data bytea NOT NULL,
    slot bigint NOT NULL,
    block_number bigint NOT NULL,
    cbt timestamptz NOT NULL,
    absn integer NOT NULL,
    osn integer NOT NULL,
    is_indexed boolean NOT NULL DEFAULT false,
    CONSTRAINT raw_operation_pkey PRIMARY KEY (id),
    CONSTRAINT raw_operation_block_number_absn_osn_key UNIQUE (block_number, absn, osn)
);
--> statement-breakpoint
CREATE INDEX raw_operation_slot_idx ON raw_operation (slot);
--> statement-breakpoint
CREATE INDEX raw_operation_unindexed_idx ON raw_operation (block_number, absn, osn) WHERE NOT is_indexed;
--> statement-breakpoint
COMMENT ON COLUMN raw_operation.cbt IS 'Cardano block time';
--> statement-breakpoint
COMMENT ON COLUMN raw_operation.absn IS 'absolute block sequence number';
--> statement-breakpoint
COMMENT ON COLUMN raw_operation.osn IS 'operation sequence number within the block';
--> statement-breakpoint
CREATE TABLE indexed_ssi_operation (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    raw_operation_id uuid NOT NULL,
    did bytea NOT NULL,
    indexed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT indexed_ssi_operation_pkey PRIMARY KEY (id),
    CONSTRAINT indexed_ssi_operation_raw_operation_id_key UNIQUE (raw_operation_id),
    CONSTRAINT indexed_ssi_operation_raw_operation_id_fkey FOREIGN KEY (raw_operation_id) REFERENCES raw_operation (id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX indexed_ssi_operation_did_idx ON indexed_ssi_operation (did);
--> statement-breakpoint
COMMENT ON COLUMN indexed_ssi_operation.did IS 'DID suffix (sha256 of the create operation)';
--> statement-breakpoint
CREATE TABLE indexed_vdr_operation (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    raw_operation_id uuid NOT NULL,
    operation_hash bytea NOT NULL,
    init_operation_hash bytea NOT NULL,
    prev_operation_hash bytea,
    did bytea NOT NULL,
    indexed_at timestamptz NOT NULL DEFAULT now(),
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
CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, hash text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
--> statement-breakpoint
INSERT INTO schema_version (version, hash, checksum) VALUES (1, 'sha256:34b76fd3fe28ed76b55c8a698b48468fb71114be020938dbb138d37dfdcd49b8', '48db0ab6d84c26f8b0d722ff0889f395723424d50be35e11539a80f748ade164');
