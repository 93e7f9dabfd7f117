-- Shared token buckets (orchestra/limits.hpp) for the sql queue backend.
-- Times are Unix milliseconds.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  tokens DOUBLE PRECISION NOT NULL,
  updated_at BIGINT NOT NULL,
  blocked_until BIGINT NOT NULL DEFAULT 0
);
