-- A reindex per source: the source's documents rebuilt beside the index
-- from a snapshot of the feed, then switched in by one transaction.
-- `state` is building (reading the feed from `position`), ready (caught
-- up, waiting for the switch), switched, or failed (the switch could not
-- write `failures` times; `error` is the last one). Times are Unix ms.
CREATE TABLE search_reindex (
  source TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  position TEXT NOT NULL,
  built BIGINT NOT NULL DEFAULT 0,
  requested_at BIGINT NOT NULL,
  finished_at BIGINT,
  failures BIGINT NOT NULL DEFAULT 0,
  error TEXT
);

-- The rebuilt documents: each key's latest search document at its feed
-- position, or a removal (null payload).
CREATE TABLE search_reindex_documents (
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  txn BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  payload TEXT,
  PRIMARY KEY (source, key)
);
