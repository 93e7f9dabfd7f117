-- The calculator plugin: expressions users submit, the per-operation
-- results of their evaluation, per-operator durations and the agents
-- (worker processes) computing operations. Times are Unix milliseconds.
CREATE TABLE calculator_expressions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  req_uid TEXT NOT NULL,
  expression TEXT NOT NULL,
  status TEXT NOT NULL,
  result DOUBLE PRECISION,
  error_message TEXT,
  error_position INTEGER,
  operations_total INTEGER NOT NULL,
  operations_done INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  eval_started_at BIGINT,
  eval_finished_at BIGINT
);
-- Idempotent resubmission: one expression per (user, req_uid).
CREATE UNIQUE INDEX calculator_expressions_request ON calculator_expressions (user_id, req_uid);
CREATE INDEX calculator_expressions_by_user ON calculator_expressions (user_id, id);

-- One row per finished operation: counts operations_done exactly once even
-- when a task runs twice. Deleted after the retention period.
CREATE TABLE calculator_operations (
  expression_id TEXT NOT NULL,
  operation INTEGER NOT NULL,
  finished_at BIGINT NOT NULL,
  PRIMARY KEY (expression_id, operation)
);
CREATE INDEX calculator_operations_finished ON calculator_operations (finished_at);

CREATE TABLE calculator_durations (
  operator TEXT PRIMARY KEY,
  milliseconds INTEGER NOT NULL
);
INSERT INTO calculator_durations (operator, milliseconds) VALUES ('+', 0), ('-', 0), ('*', 0), ('/', 0);

CREATE TABLE calculator_agents (
  name TEXT PRIMARY KEY,
  slots INTEGER NOT NULL,
  running INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  last_heartbeat_at BIGINT NOT NULL
);
