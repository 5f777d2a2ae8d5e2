-- Migration 1: the ledger's log, its checkpoint and its indexes (docs/DECISIONS.md, "PostgreSQL").

-- The log, the source of truth: each entry (the signed request, as logged) with its RFC 6962
-- leaf hash and its byte offset (where it would start were the entries laid end to end, as in
-- entries.bin: what a credential's span in its entry is counted from).
CREATE TABLE log_entries (
    idx         bigint PRIMARY KEY CHECK (idx >= 0),
    byte_offset bigint NOT NULL CHECK (byte_offset >= 0),
    leaf        bytea  NOT NULL CHECK (octet_length(leaf) = 32),
    entry       bytea  NOT NULL
);

-- The last checkpoint written: one row, replaced by compare-and-swap on its tree size.
CREATE TABLE log_checkpoint (
    id   smallint PRIMARY KEY CHECK (id = 1),
    size bigint   NOT NULL CHECK (size >= 0),
    note bytea    NOT NULL
);
INSERT INTO log_checkpoint (id, size, note) VALUES (1, 0, '');

-- The indexes (scs_ledger::IndexStore): byte keys in byte order, as sled keeps them.
CREATE TABLE index_kv (
    key   bytea PRIMARY KEY,
    value bytea NOT NULL
);
