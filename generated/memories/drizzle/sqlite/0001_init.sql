-- schemactl migration 0001_init of schema "memories" (sqlite), for drizzle-orm's migrator; generated, do not edit.
CREATE TABLE capsules (
    id TEXT NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    owner_principal VARCHAR(64) NOT NULL,
    title VARCHAR(200) NOT NULL,
    description TEXT,
    is_public BOOLEAN NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL DEFAULT (CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)),
    updated_at INTEGER NOT NULL DEFAULT (CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)),
    CONSTRAINT capsules_pkey PRIMARY KEY (id)
);
--> statement-breakpoint
CREATE INDEX capsules_owner_principal_created_at_idx ON capsules (owner_principal, created_at DESC);
--> statement-breakpoint
CREATE TABLE capsule_members (
    capsule_id TEXT NOT NULL,
    principal VARCHAR(64) NOT NULL,
    role TEXT NOT NULL DEFAULT 'viewer',
    added_at INTEGER NOT NULL DEFAULT (CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)),
    CONSTRAINT capsule_members_pkey PRIMARY KEY (capsule_id, principal),
    CONSTRAINT capsule_members_capsule_id_fkey FOREIGN KEY (capsule_id) REFERENCES capsules (id) ON DELETE CASCADE,
    CONSTRAINT capsule_members_role_enum_check CHECK (role IN ('owner', 'editor', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE memories (
    id TEXT NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    capsule_id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'note',
    title VARCHAR(200) NOT NULL,
    body TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    size_bytes BIGINT NOT NULL DEFAULT 0,
    is_deleted BOOLEAN NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL DEFAULT (CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)),
    updated_at INTEGER NOT NULL DEFAULT (CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)),
    CONSTRAINT memories_pkey PRIMARY KEY (id),
    CONSTRAINT memories_capsule_id_fkey FOREIGN KEY (capsule_id) REFERENCES capsules (id) ON DELETE CASCADE,
    CONSTRAINT memories_kind_enum_check CHECK (kind IN ('note', 'image', 'video', 'audio', 'document')),
    CONSTRAINT memories_size_bytes_check CHECK (size_bytes >= 0)
);
--> statement-breakpoint
CREATE INDEX memories_capsule_id_created_at_idx ON memories (capsule_id, created_at DESC) WHERE NOT is_deleted;
--> statement-breakpoint
CREATE INDEX memories_kind_idx ON memories (kind);
--> statement-breakpoint
CREATE INDEX memories_title_idx ON memories (title);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, hash TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL);
--> statement-breakpoint
INSERT INTO schema_version (version, hash, checksum, applied_at) VALUES (1, 'sha256:7143449ba4545ec98e49f4558a38f180287c9ce1382d960136c659643773fe33', '3fdd7ff10d054dd70efe7b9fdc3431da30b09f02a4fbaebee787b93d8c55619f', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
