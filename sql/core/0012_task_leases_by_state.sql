-- Expired leases are found among the running tasks through tasks_state;
-- the running tasks are the handful the workers hold. A partial index of
-- them cost an insert at every claim, and during a burst it fills with
-- entries of tasks that finished before vacuum came: PostgreSQL, finding
-- the running tasks through it by bitmap, read every one of those rows.
DROP INDEX tasks_leases;
