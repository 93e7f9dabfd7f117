-- The words of the PostgreSQL index, for typo tolerance: a query word
-- also matches the words a typo or two away, found here. A word stays
-- after its last document goes: a correction to it then matches nothing.
-- "C" collation: candidates are read as one range by their first letter.
CREATE TABLE search_words (word TEXT COLLATE "C" PRIMARY KEY);
INSERT INTO search_words (word)
  SELECT DISTINCT unnest(tsvector_to_array(searchable)) FROM search_documents
  ON CONFLICT DO NOTHING;
