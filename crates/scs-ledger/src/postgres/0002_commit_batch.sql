-- Migration 2: the writer's batch as one statement (docs/DECISIONS.md, "Item 7, fourth part:
-- one transaction a batch"): its log entries, its index writes and its checkpoint's
-- compare-and-swap, all or nothing, in one round trip and one commit. The compare-and-swap
-- fails the statement (SQLSTATE SCS01), rather than changing no row, when the stored
-- checkpoint is not the one expected: another writer moved the log.
--
-- Entries are kept as they are, not compressed, up to the largest row a page holds: pglz took
-- about 40 % of the time of storing them (pg_stat_statements), and the file log does not
-- compress them either. Larger rows are still compressed and moved out of line (TOAST).
ALTER TABLE log_entries SET (toast_tuple_target = 8160);
CREATE FUNCTION commit_batch(
    entry_idx bigint[], entry_offsets bigint[], entry_leaves bytea[], entry_bodies bytea[],
    removed_keys bytea[], written_keys bytea[], written_values bytea[],
    expected_size bigint, new_size bigint, new_note bytea
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO log_entries (idx, byte_offset, leaf, entry)
        SELECT * FROM unnest(entry_idx, entry_offsets, entry_leaves, entry_bodies);
    DELETE FROM index_kv WHERE key = ANY(removed_keys);
    INSERT INTO index_kv (key, value)
        SELECT * FROM unnest(written_keys, written_values)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    UPDATE log_checkpoint SET size = new_size, note = new_note
        WHERE id = 1 AND size = expected_size;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the stored checkpoint no longer has tree size %', expected_size
            USING ERRCODE = 'SCS01';
    END IF;
END
$$;
