-- Users as the notifications plugin knows them: their preferences, when
-- their next digests are due and the sequence number of their inbox (one
-- counter per user, advanced under the row's lock, so a user's inbox ids
-- commit in order and without gaps: a stream never skips one).
CREATE TABLE notification_users (
  user_id TEXT PRIMARY KEY,
  time_zone TEXT NOT NULL,
  daily_enabled INTEGER NOT NULL,
  daily_hour INTEGER NOT NULL,
  weekly_enabled INTEGER NOT NULL,
  weekly_weekday INTEGER NOT NULL,
  weekly_hour INTEGER NOT NULL,
  reminders TEXT NOT NULL,
  live_start INTEGER NOT NULL,
  live_score INTEGER NOT NULL,
  live_end INTEGER NOT NULL,
  next_daily_at BIGINT,
  next_weekly_at BIGINT,
  last_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notification_users_daily ON notification_users (next_daily_at);
CREATE INDEX notification_users_weekly ON notification_users (next_weekly_at);

CREATE TABLE notification_follows (
  user_id TEXT NOT NULL,
  team_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, team_id)
);
CREATE INDEX notification_follows_team ON notification_follows (team_id, user_id);

-- Every notification a user got, once: dedupe_key names what it is about
-- (a digest's period, a reminder's match and time, a live event).
CREATE TABLE notification_inbox (
  user_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  title TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  read_at BIGINT,
  PRIMARY KEY (user_id, seq)
);
CREATE UNIQUE INDEX notification_inbox_once ON notification_inbox (user_id, dedupe_key);

CREATE TABLE notification_webhooks (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  disabled_reason TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX notification_webhooks_user ON notification_webhooks (user_id);

-- One message to one endpoint; its id is the webhook-id header, the same
-- on every attempt.
CREATE TABLE notification_deliveries (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  attempts_allowed INTEGER NOT NULL,
  next_attempt_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX notification_deliveries_webhook ON notification_deliveries (webhook_id, created_at);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);

CREATE TABLE notification_delivery_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at BIGINT NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
