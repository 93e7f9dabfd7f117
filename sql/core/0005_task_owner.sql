-- The principal a task runs for (identity's subject), recorded by plugins
-- that enqueue on a user's behalf; that user may read and cancel the task.
ALTER TABLE tasks ADD COLUMN owner TEXT;
