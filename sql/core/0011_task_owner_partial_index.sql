-- Most tasks have no owner. PostgreSQL writes a new entry in every index
-- of a row at each state change (the state is indexed, so no update is
-- HOT): leaving ownerless tasks out spares each claim and each finish one
-- index insert. A lookup by owner (owner = ?) implies IS NOT NULL, so both
-- databases still use it. The new index is built before the old one is
-- dropped: the build blocks writes to tasks but not reads, and the drop's
-- exclusive lock is held only for the rest of the migration.
CREATE INDEX tasks_by_owner ON tasks (owner, id) WHERE owner IS NOT NULL;
DROP INDEX tasks_owner;
