-- The change feed (a transactional outbox): document changes plugins
-- publish in the transaction of the change itself, read by consumers in
-- order. SQLite has one writer at a time, so positions commit in order and
-- `txn` is always 0. Times are Unix ms; a null document is a removal.
CREATE TABLE change_feed (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  txn BIGINT NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  document TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX change_feed_source ON change_feed (source, txn, position);
