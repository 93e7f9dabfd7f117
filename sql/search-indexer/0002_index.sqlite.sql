-- The full-text index on SQLite: documents with their searchable text
-- and stored fields, an FTS5 index over them kept in step by triggers
-- (case and diacritics folded, prefixes of 2 and 3 characters indexed),
-- and filter values per document.
CREATE TABLE search_documents (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  stored TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (source, key)
);
CREATE VIRTUAL TABLE search_fts USING fts5(
  title, body, content='search_documents', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2', prefix='2 3');
CREATE TRIGGER search_documents_added AFTER INSERT ON search_documents BEGIN
  INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_documents_removed AFTER DELETE ON search_documents BEGIN
  INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_documents_changed AFTER UPDATE ON search_documents BEGIN
  INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
  INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE VIRTUAL TABLE search_vocabulary USING fts5vocab(search_fts, 'row');

CREATE TABLE search_filters (
  document_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX search_filters_value ON search_filters (name, value, document_id);
CREATE INDEX search_filters_document ON search_filters (document_id);
