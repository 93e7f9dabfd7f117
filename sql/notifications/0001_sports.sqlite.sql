-- The notifications plugin's sports data: teams, the matches they play
-- and the live events (status and score changes) of matches, kept until
-- every follower was told (a transactional outbox). Times are Unix ms.
-- The tables with generated ids differ by dialect only in the id column.
CREATE TABLE notification_teams (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  short_name TEXT NOT NULL,
  country TEXT NOT NULL,
  logo_url TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE notification_matches (
  id INTEGER PRIMARY KEY,
  competition TEXT NOT NULL,
  home_team_id BIGINT NOT NULL REFERENCES notification_teams (id),
  away_team_id BIGINT NOT NULL REFERENCES notification_teams (id),
  starts_at BIGINT NOT NULL,
  venue TEXT,
  status TEXT NOT NULL,
  home_score INTEGER,
  away_score INTEGER,
  version INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX notification_matches_starts ON notification_matches (starts_at, id);
CREATE INDEX notification_matches_home ON notification_matches (home_team_id, starts_at);
CREATE INDEX notification_matches_away ON notification_matches (away_team_id, starts_at);

-- One row per live event; fanned_out_at is set once its fan-out tasks exist.
CREATE TABLE notification_events (
  id INTEGER PRIMARY KEY,
  match_id BIGINT NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  fanned_out_at BIGINT
);
CREATE INDEX notification_events_pending ON notification_events (fanned_out_at, created_at);
CREATE INDEX notification_events_match ON notification_events (match_id, id);

-- The delivery batches of a fanned-out event still to finish: a match's
-- later events wait for them, so followers hear its events in order.
CREATE TABLE notification_event_batches (
  event_id BIGINT NOT NULL,
  batch INTEGER NOT NULL,
  PRIMARY KEY (event_id, batch)
);
