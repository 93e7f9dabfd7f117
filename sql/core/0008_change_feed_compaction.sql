-- The change feed keeps the latest entry of each document (a compacted
-- log, removals included): a consumer behind still gets every document's
-- final state, a consumer starting from the beginning reads a snapshot,
-- and the table grows with the documents, not with their history.
CREATE INDEX change_feed_document ON change_feed (source, key);
