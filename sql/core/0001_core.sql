-- The core's own tables. schema_migrations is created by the migration
-- runner itself; this first migration records the deployment's identity.
CREATE TABLE orchestra_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO orchestra_meta (key, value) VALUES ('schema_owner', 'orchestra');
