-- The tasks table churns like a queue: every row is inserted, updated two or
-- three times and finally deleted. With the default autovacuum settings (20%
-- dead rows) claims walk long runs of dead index entries after a burst;
-- vacuum and analyze it far more eagerly.
ALTER TABLE tasks SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_analyze_scale_factor = 0.02
);
