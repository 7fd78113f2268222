-- schemactl migration 0001_init of schema "lms" (postgres).
-- Schema hash after this migration: sha256:cf3f68b17de2f8b808efef5eb0dd31560800956d082bebd53560a41e74cdf72e
-- Applied by schemactl.runtime in one transaction. Never edit an applied migration.

CREATE TABLE core_entities (
    id text NOT NULL,
    content text NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    CONSTRAINT core_entities_pkey PRIMARY KEY (id)
);
