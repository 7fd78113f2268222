-- schemactl migration 0001_init of schema "memories" (postgres), for drizzle-orm's migrator; generated, do not edit.
CREATE TYPE capsule_role AS ENUM ('owner', 'editor', 'viewer');
--> statement-breakpoint
CREATE TYPE memory_kind AS ENUM ('note', 'image', 'video', 'audio', 'document');
--> statement-breakpoint
CREATE TABLE capsules (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    owner_principal varchar(64) NOT NULL,
    title varchar(200) NOT NULL,
    description text,
    is_public boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT capsules_pkey PRIMARY KEY (id)
);
--> statement-breakpoint
CREATE INDEX capsules_owner_principal_created_at_idx ON capsules (owner_principal, created_at DESC);
--> statement-breakpoint
COMMENT ON TABLE capsules IS 'A container of memories owned by one principal.';
--> statement-breakpoint
CREATE TABLE capsule_members (
    capsule_id uuid NOT NULL,
    principal varchar(64) NOT NULL,
    role capsule_role NOT NULL DEFAULT 'viewer',
    added_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT capsule_members_pkey PRIMARY KEY (capsule_id, principal),
    CONSTRAINT capsule_members_capsule_id_fkey FOREIGN KEY (capsule_id) REFERENCES capsules (id) ON DELETE CASCADE
);
--> statement-breakpoint
COMMENT ON TABLE capsule_members IS 'Who may see or edit a capsule.';
--> statement-breakpoint
CREATE TABLE memories (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    capsule_id uuid NOT NULL,
    kind memory_kind NOT NULL DEFAULT 'note',
    title varchar(200) NOT NULL,
    body text,
    metadata jsonb NOT NULL DEFAULT '{}',
    size_bytes bigint NOT NULL DEFAULT 0,
    is_deleted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memories_pkey PRIMARY KEY (id),
    CONSTRAINT memories_capsule_id_fkey FOREIGN KEY (capsule_id) REFERENCES capsules (id) ON DELETE CASCADE,
    CONSTRAINT memories_size_bytes_check CHECK (size_bytes >= 0)
);
--> statement-breakpoint
CREATE INDEX memories_capsule_id_created_at_idx ON memories (capsule_id, created_at DESC) WHERE NOT is_deleted;
--> statement-breakpoint
CREATE INDEX memories_kind_idx ON memories (kind);
--> statement-breakpoint
CREATE INDEX memories_title_idx ON memories (title);
--> statement-breakpoint
COMMENT ON TABLE memories IS 'One memory (note, media, document) inside a capsule.';
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, hash text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
--> statement-breakpoint
INSERT INTO schema_version (version, hash, checksum) VALUES (1, 'sha256:7143449ba4545ec98e49f4558a38f180287c9ce1382d960136c659643773fe33', 'f3c635335908a87e42353eab6530b41c82bc95dd0eff6bf1bbf3ec8000eb5b88');
