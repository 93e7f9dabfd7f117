-- The change feed (a transactional outbox): document changes plugins
-- publish in the transaction of the change itself, read by consumers in
-- order. Concurrent transactions commit in any order, so readers order by
-- (txn, position) and read only rows of transactions older than the oldest
-- one still in progress: every such row is final, and every row still to
-- come has a larger txn. Times are Unix ms; a null document is a removal.
CREATE TABLE change_feed (
  position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  txn xid8 NOT NULL DEFAULT pg_current_xact_id(),
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  document TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX change_feed_source ON change_feed (source, txn, position);
CREATE INDEX change_feed_order ON change_feed (txn, position);
