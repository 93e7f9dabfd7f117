-- The steam-sync plugin: every app Steam lists, the details fetched for
-- it and its prices per country. Times are Unix milliseconds; an app
-- never fetched has last_updated 0 (1970-01-01).
CREATE TABLE steam_apps (
  app_id BIGINT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  listed_at BIGINT NOT NULL,
  last_updated BIGINT NOT NULL DEFAULT 0,
  -- never (not fetched yet), ok, unavailable (Steam answered success:false),
  -- error (an answer no retry could mend; the reason in data_problems)
  fetch_status TEXT NOT NULL DEFAULT 'never',
  -- A fetch holds the app until lease_until, so no two fetch it at once.
  lease_token TEXT,
  lease_until BIGINT NOT NULL DEFAULT 0,
  -- 0 while the fetch task holding the lease has not started (a hand fetch
  -- may take such an app over), 1 once it has.
  lease_started INTEGER NOT NULL DEFAULT 0,
  type TEXT,
  is_free INTEGER,
  short_description TEXT,
  developers TEXT,   -- JSON arrays of strings
  publishers TEXT,
  genres TEXT,
  categories TEXT,
  platforms TEXT,
  release_date TEXT,
  coming_soon INTEGER,
  data_problems TEXT,  -- JSON array: fields Steam sent with unexpected types
  details_fetched_at BIGINT
);
CREATE INDEX steam_apps_stalest ON steam_apps (last_updated, app_id);
CREATE INDEX steam_apps_type ON steam_apps (type, app_id);

CREATE TABLE steam_app_prices (
  app_id BIGINT NOT NULL REFERENCES steam_apps (app_id),
  country TEXT NOT NULL,
  currency TEXT NOT NULL,
  initial_price BIGINT NOT NULL,  -- minor units (cents)
  final_price BIGINT NOT NULL,
  discount_percent INTEGER NOT NULL,
  fetched_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, country)
);
