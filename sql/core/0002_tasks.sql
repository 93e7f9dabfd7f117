-- The task system's tables for the sql queue backend (DESIGN.md §5).
-- Times are Unix milliseconds. The same text runs on SQLite and PostgreSQL.
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at BIGINT NOT NULL,
  unique_key TEXT,
  lease_owner TEXT,
  lease_until BIGINT,
  lease_ms BIGINT NOT NULL,
  token BIGINT NOT NULL DEFAULT 0,
  progress DOUBLE PRECISION NOT NULL DEFAULT 0,
  progress_message TEXT NOT NULL DEFAULT '',
  result TEXT,
  error TEXT,
  dependency_count INTEGER NOT NULL DEFAULT 0,
  pending_deps INTEGER NOT NULL DEFAULT 0,
  on_dependency_failure TEXT NOT NULL DEFAULT 'fail',
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT
);

-- Claiming: due tasks of one queue by priority, or oldest first.
CREATE INDEX tasks_ready_by_priority ON tasks (queue, priority DESC, run_at, id)
  WHERE state IN ('scheduled', 'queued', 'retrying') AND pending_deps = 0;
CREATE INDEX tasks_ready_by_age ON tasks (queue, run_at, id)
  WHERE state IN ('scheduled', 'queued', 'retrying') AND pending_deps = 0;
CREATE INDEX tasks_leases ON tasks (lease_until) WHERE state = 'running';
-- At most one live task per unique key.
CREATE UNIQUE INDEX tasks_unique_live ON tasks (unique_key)
  WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'queued', 'running', 'retrying');
CREATE INDEX tasks_finished ON tasks (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX tasks_state ON tasks (state, id);
CREATE INDEX tasks_type ON tasks (type, id);

CREATE TABLE task_dependencies (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  depends_on TEXT NOT NULL,
  PRIMARY KEY (task_id, depends_on)
);
CREATE INDEX task_dependencies_parent ON task_dependencies (depends_on);

CREATE TABLE task_workers (
  name TEXT PRIMARY KEY,
  queues TEXT NOT NULL,
  current_tasks TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);

-- One row per schedule firing: whoever inserts it enqueues the task.
CREATE TABLE schedule_firings (
  name TEXT NOT NULL,
  fire_at BIGINT NOT NULL,
  task_id TEXT NOT NULL,
  PRIMARY KEY (name, fire_at)
);
