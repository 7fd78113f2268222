-- schemactl migration 0001_init of schema "lms" (postgres), for drizzle-orm's migrator; generated, do not edit.
CREATE TABLE core_entities (
    id text NOT NULL,
    content text NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    CONSTRAINT core_entities_pkey PRIMARY KEY (id)
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, hash text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
--> statement-breakpoint
INSERT INTO schema_version (version, hash, checksum) VALUES (1, 'sha256:cf3f68b17de2f8b808efef5eb0dd31560800956d082bebd53560a41e74cdf72e', 'dcf1ff60b28ee146e45bdd56d50612e073362427fbb037c348cc4db9832056ca');
