-- Identity (DESIGN.md §7): users, rotating refresh tokens grouped in
-- families, and service tokens for machine clients. Tokens are stored only
-- as SHA-256 hashes. Times are Unix milliseconds. The same text runs on
-- SQLite and PostgreSQL.
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  -- lower(login): logins are unique regardless of case.
  login_key TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  scopes TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);

CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  -- Every token rotated from one login shares the family of that login.
  family_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  rotated_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id, expires_at);

CREATE TABLE service_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT
);
-- One live token per name, so `token revoke NAME` is unambiguous.
CREATE UNIQUE INDEX service_tokens_live_name ON service_tokens (name) WHERE revoked_at IS NULL;
