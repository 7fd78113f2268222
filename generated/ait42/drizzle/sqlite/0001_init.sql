-- schemactl migration 0001_init of schema "ait42" (sqlite), for drizzle-orm's migrator; generated, do not edit.
CREATE TABLE workspaces (
    id TEXT NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT workspaces_pkey PRIMARY KEY (id),
    CONSTRAINT workspaces_path_key UNIQUE (path)
) STRICT;
--> statement-breakpoint
CREATE INDEX workspaces_name_idx ON workspaces (name);
--> statement-breakpoint
CREATE TABLE sessions (
    id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    task TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running',
    type TEXT NOT NULL,
    instance_count INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    completed_at TEXT,
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_workspace_id_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
    CONSTRAINT sessions_instance_count_check CHECK (instance_count >= 0),
    CONSTRAINT sessions_message_count_check CHECK (message_count >= 0),
    CONSTRAINT sessions_status_check CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    CONSTRAINT sessions_task_check CHECK (LENGTH(task) > 0),
    CONSTRAINT sessions_type_check CHECK (type IN ('competition', 'ensemble', 'debate'))
) STRICT;
--> statement-breakpoint
CREATE INDEX sessions_created_at_idx ON sessions (created_at DESC);
--> statement-breakpoint
CREATE INDEX sessions_running_idx ON sessions (workspace_id) WHERE status = 'running';
--> statement-breakpoint
CREATE INDEX sessions_status_idx ON sessions (status);
--> statement-breakpoint
CREATE INDEX sessions_type_idx ON sessions (type);
--> statement-breakpoint
CREATE INDEX sessions_workspace_id_created_at_idx ON sessions (workspace_id, created_at DESC);
--> statement-breakpoint
CREATE INDEX sessions_workspace_id_idx ON sessions (workspace_id);
--> statement-breakpoint
CREATE TABLE chat_messages (
    id INTEGER NOT NULL CONSTRAINT chat_messages_pkey PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    instance_id INTEGER,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT chat_messages_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE,
    CONSTRAINT chat_messages_role_check CHECK (role IN ('user', 'assistant', 'system'))
) STRICT;
--> statement-breakpoint
CREATE INDEX chat_messages_role_idx ON chat_messages (role);
--> statement-breakpoint
CREATE INDEX chat_messages_session_id_created_at_idx ON chat_messages (session_id, created_at);
--> statement-breakpoint
CREATE INDEX chat_messages_session_id_instance_id_idx ON chat_messages (session_id, instance_id);
--> statement-breakpoint
CREATE TABLE instances (
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    instance_id INTEGER NOT NULL,
    agent TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'idle',
    worktree_path TEXT,
    started_at TEXT,
    finished_at TEXT,
    CONSTRAINT instances_pkey PRIMARY KEY (id),
    CONSTRAINT instances_session_id_instance_id_key UNIQUE (session_id, instance_id),
    CONSTRAINT instances_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE,
    CONSTRAINT instances_status_check CHECK (status IN ('idle', 'running', 'completed', 'failed'))
) STRICT;
--> statement-breakpoint
CREATE INDEX instances_agent_idx ON instances (agent);
--> statement-breakpoint
CREATE INDEX instances_session_id_status_idx ON instances (session_id, status);
--> statement-breakpoint
CREATE INDEX instances_status_idx ON instances (status);
--> statement-breakpoint
CREATE VIRTUAL TABLE sessions_search USING fts5(task, content='sessions', content_rowid='rowid');
--> statement-breakpoint
CREATE TRIGGER sessions_search_ai AFTER INSERT ON sessions BEGIN INSERT INTO sessions_search (rowid, task) VALUES (new.rowid, new.task); END;
--> statement-breakpoint
CREATE TRIGGER sessions_search_ad AFTER DELETE ON sessions BEGIN INSERT INTO sessions_search (sessions_search, rowid, task) VALUES ('delete', old.rowid, old.task); END;
--> statement-breakpoint
CREATE TRIGGER sessions_search_au AFTER UPDATE ON sessions BEGIN INSERT INTO sessions_search (sessions_search, rowid, task) VALUES ('delete', old.rowid, old.task); INSERT INTO sessions_search (rowid, task) VALUES (new.rowid, new.task); END;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, hash TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL);
--> statement-breakpoint
INSERT INTO schema_version (version, hash, checksum, applied_at) VALUES (1, 'sha256:1cee2cf7032ed90d1b3afe618fd02d8f3c799fbdc4b95bcc07567bb3389df397', '8bb743f92ffbd27eaeae309054486c93f5e2cde90c0d4f35f3aff0086ec9040e', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
