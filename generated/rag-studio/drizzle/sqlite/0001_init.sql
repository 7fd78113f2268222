-- schemactl migration 0001_init of schema "rag-studio" (sqlite), for drizzle-orm's migrator; generated, do not edit.
CREATE TABLE aggregate_snapshots (
    aggregate_id TEXT,
    aggregate_type TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    snapshot_data JSON NOT NULL,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT aggregate_snapshots_pkey PRIMARY KEY (aggregate_id)
);
--> statement-breakpoint
CREATE TABLE event_checkpoints (
    processor_name TEXT,
    last_processed_sequence INTEGER NOT NULL DEFAULT 0,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT event_checkpoints_pkey PRIMARY KEY (processor_name)
);
--> statement-breakpoint
CREATE TABLE events (
    id INTEGER NOT NULL CONSTRAINT events_pkey PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    event_data JSON NOT NULL,
    metadata JSON,
    trace_id TEXT,
    user_id TEXT,
    "timestamp" DATETIME DEFAULT CURRENT_TIMESTAMP,
    checksum TEXT NOT NULL,
    CONSTRAINT events_event_id_key UNIQUE (event_id)
);
--> statement-breakpoint
CREATE INDEX idx_events_aggregate ON events (aggregate_id, aggregate_type, sequence_number);
--> statement-breakpoint
CREATE UNIQUE INDEX idx_events_sequence ON events (aggregate_id, aggregate_type, sequence_number);
--> statement-breakpoint
CREATE INDEX idx_events_timestamp ON events ("timestamp");
--> statement-breakpoint
CREATE INDEX idx_events_trace_id ON events (trace_id);
--> statement-breakpoint
CREATE INDEX idx_events_type ON events (event_type);
--> statement-breakpoint
CREATE TABLE flows (
    id TEXT,
    name TEXT NOT NULL,
    description TEXT,
    definition JSON NOT NULL,
    enabled BOOLEAN DEFAULT 1,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT flows_pkey PRIMARY KEY (id),
    CONSTRAINT flows_name_key UNIQUE (name)
);
--> statement-breakpoint
CREATE TABLE knowledge_bases (
    id TEXT,
    name TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL,
    embedder_model TEXT NOT NULL,
    chunk_size INTEGER NOT NULL DEFAULT 512,
    chunk_overlap INTEGER NOT NULL DEFAULT 50,
    description TEXT,
    metadata JSON,
    health_score REAL DEFAULT 1.0,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    pinned_version INTEGER,
    CONSTRAINT knowledge_bases_pkey PRIMARY KEY (id),
    CONSTRAINT knowledge_bases_name_version_key UNIQUE (name, version),
    CONSTRAINT knowledge_bases_status_check CHECK (status IN ('active', 'inactive', 'building', 'error'))
);
--> statement-breakpoint
CREATE INDEX idx_kb_name_version ON knowledge_bases (name, version);
--> statement-breakpoint
CREATE INDEX idx_kb_status ON knowledge_bases (status);
--> statement-breakpoint
CREATE TABLE documents (
    id TEXT,
    kb_id TEXT NOT NULL,
    title TEXT NOT NULL,
    source_path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    license_info TEXT,
    metadata JSON,
    chunk_count INTEGER DEFAULT 0,
    size_bytes INTEGER DEFAULT 0,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT documents_pkey PRIMARY KEY (id),
    CONSTRAINT documents_kb_id_fkey FOREIGN KEY (kb_id) REFERENCES knowledge_bases (id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX idx_documents_hash ON documents (content_hash);
--> statement-breakpoint
CREATE INDEX idx_documents_kb_id ON documents (kb_id);
--> statement-breakpoint
CREATE TABLE document_chunks (
    id TEXT,
    document_id TEXT NOT NULL,
    kb_id TEXT NOT NULL,
    chunk_index INTEGER NOT NULL,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    token_count INTEGER,
    metadata JSON,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT document_chunks_pkey PRIMARY KEY (id),
    CONSTRAINT document_chunks_document_id_chunk_index_key UNIQUE (document_id, chunk_index),
    CONSTRAINT document_chunks_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE,
    CONSTRAINT document_chunks_kb_id_fkey FOREIGN KEY (kb_id) REFERENCES knowledge_bases (id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX idx_chunks_document_id ON document_chunks (document_id);
--> statement-breakpoint
CREATE INDEX idx_chunks_hash ON document_chunks (content_hash);
--> statement-breakpoint
CREATE INDEX idx_chunks_kb_id ON document_chunks (kb_id);
--> statement-breakpoint
CREATE TABLE pipelines (
    id TEXT,
    name TEXT NOT NULL,
    description TEXT,
    config JSON NOT NULL,
    status TEXT NOT NULL,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pipelines_pkey PRIMARY KEY (id),
    CONSTRAINT pipelines_name_key UNIQUE (name),
    CONSTRAINT pipelines_status_check CHECK (status IN ('active', 'inactive', 'draft'))
);
--> statement-breakpoint
CREATE TABLE pipeline_runs (
    id TEXT,
    pipeline_id TEXT NOT NULL,
    kb_id TEXT,
    status TEXT NOT NULL,
    started_at DATETIME,
    completed_at DATETIME,
    error_message TEXT,
    metrics JSON,
    artifacts JSON,
    CONSTRAINT pipeline_runs_pkey PRIMARY KEY (id),
    CONSTRAINT pipeline_runs_kb_id_fkey FOREIGN KEY (kb_id) REFERENCES knowledge_bases (id),
    CONSTRAINT pipeline_runs_pipeline_id_fkey FOREIGN KEY (pipeline_id) REFERENCES pipelines (id),
    CONSTRAINT pipeline_runs_status_check CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE INDEX idx_pipeline_runs_pipeline_id ON pipeline_runs (pipeline_id);
--> statement-breakpoint
CREATE INDEX idx_pipeline_runs_started_at ON pipeline_runs (started_at);
--> statement-breakpoint
CREATE INDEX idx_pipeline_runs_status ON pipeline_runs (status);
--> statement-breakpoint
CREATE TABLE schedules (
    id TEXT,
    name TEXT NOT NULL,
    cron_expression TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    enabled BOOLEAN DEFAULT 1,
    last_run DATETIME,
    next_run DATETIME,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT schedules_pkey PRIMARY KEY (id),
    CONSTRAINT schedules_name_key UNIQUE (name),
    CONSTRAINT schedules_pipeline_id_fkey FOREIGN KEY (pipeline_id) REFERENCES pipelines (id)
);
--> statement-breakpoint
CREATE INDEX idx_schedules_next_run ON schedules (next_run);
--> statement-breakpoint
CREATE TABLE schema_migrations (
    version INTEGER,
    applied_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    description TEXT,
    CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
);
--> statement-breakpoint
CREATE TABLE settings (
    id INTEGER,
    "key" TEXT NOT NULL,
    value TEXT NOT NULL,
    schema_version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT settings_pkey PRIMARY KEY (id),
    CONSTRAINT settings_key_key UNIQUE ("key")
);
--> statement-breakpoint
CREATE TABLE tools (
    id TEXT,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    config JSON NOT NULL,
    schema JSON NOT NULL,
    enabled BOOLEAN DEFAULT 1,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT tools_pkey PRIMARY KEY (id),
    CONSTRAINT tools_name_key UNIQUE (name)
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, hash TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL);
--> statement-breakpoint
INSERT INTO schema_version (version, hash, checksum, applied_at) VALUES (1, 'sha256:ff5640181e98e0e187b25a2304e9a33c80cfb972a3c685011cbccf1200d8bd16', 'c503054c5d9569d349d4a00af2af73f899e0c707ad0e83d4ad3943effeae518b', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
