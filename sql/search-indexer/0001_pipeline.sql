-- The search indexer's pipeline: where each stage of each source stands,
-- the changes between stages, and the documents that could not be
-- indexed. Times are Unix ms.
CREATE TABLE search_checkpoints (
  source TEXT PRIMARY KEY,
  position TEXT NOT NULL,            -- the feed position extracted up to
  extracted BIGINT NOT NULL DEFAULT 0,
  indexed BIGINT NOT NULL DEFAULT 0, -- documents written or removed by loads
  next_seq BIGINT NOT NULL DEFAULT 1,
  last_error TEXT,
  updated_at BIGINT NOT NULL
);

-- A change between stages: `stage` is extracted (the feed entry as read)
-- or transformed (the search document, or a removal when null).
CREATE TABLE search_staged (
  source TEXT NOT NULL,
  seq BIGINT NOT NULL,               -- the feed's order within the source
  position TEXT NOT NULL,
  key TEXT NOT NULL,
  stage TEXT NOT NULL,
  payload TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (source, seq)
);
CREATE INDEX search_staged_stage ON search_staged (source, stage, seq);

-- The feed position last applied to the index per document (removals
-- included), so an older change arriving late, a revived dead one, can
-- never overwrite a newer one or bring back a removed document.
CREATE TABLE search_applied (
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  txn BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (source, key)
);

CREATE TABLE search_dead (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  position TEXT NOT NULL,
  stage TEXT NOT NULL,
  error TEXT NOT NULL,
  payload TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX search_dead_source ON search_dead (source, created_at);
