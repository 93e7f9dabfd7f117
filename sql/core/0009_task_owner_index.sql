-- A user's own tasks, newest first (a plugin listing what it ran for them).
CREATE INDEX tasks_owner ON tasks (owner, id);
