-- Most tasks have no owner. PostgreSQL writes a new entry in every index
-- of a row at each state change (the state is indexed, so no update is
-- HOT): leaving ownerless tasks out spares each claim and each finish one
-- index insert. A lookup by owner (owner = ?) implies IS NOT NULL, so both
-- databases still use it.
DROP INDEX tasks_owner;
CREATE INDEX tasks_owner ON tasks (owner, id) WHERE owner IS NOT NULL;
