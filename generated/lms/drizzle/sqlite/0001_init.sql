-- schemactl migration 0001_init of schema "lms" (sqlite), for drizzle-orm's migrator; generated, do not edit.
CREATE TABLE core_entities (
    id TEXT,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT core_entities_pkey PRIMARY KEY (id)
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, hash TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL);
--> statement-breakpoint
INSERT INTO schema_version (version, hash, checksum, applied_at) VALUES (1, 'sha256:cf3f68b17de2f8b808efef5eb0dd31560800956d082bebd53560a41e74cdf72e', '23889ba900629a8d38900ba0f76a404dc529068bee0fb38d8830d7d3c679f34f', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
