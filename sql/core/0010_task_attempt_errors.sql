-- Why each failed attempt of a task failed (the task keeps only the last
-- error), for its page; purged with the task. Times are Unix ms.
CREATE TABLE task_attempt_errors (
  task_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  error TEXT NOT NULL,
  failed_at BIGINT NOT NULL
);
CREATE INDEX task_attempt_errors_task ON task_attempt_errors (task_id, failed_at);
