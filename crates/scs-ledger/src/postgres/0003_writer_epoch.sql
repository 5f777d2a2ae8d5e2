-- Migration 3: the writer's epoch, a fence (docs/DECISIONS.md, "The writer's epoch"). Each
-- process that takes the sequencer lease adds one to it, and every statement that writes the
-- log, the checkpoint or the indexes names the epoch its process took: one that names an older
-- epoch — a writer that lost its lease without noticing, or work it sent before — fails whole,
-- so that never two writers write, whatever either believes.
CREATE TABLE log_writer (
    id    smallint PRIMARY KEY CHECK (id = 1),
    epoch bigint   NOT NULL CHECK (epoch >= 0)
);
INSERT INTO log_writer (id, epoch) VALUES (1, 0);

-- True if `claimed` is the epoch in force; otherwise fails the statement that asked, with
-- SQLSTATE SCS01. FOR SHARE: a take-over's increment waits for a statement that passed the
-- fence to end, and a statement that comes after the increment reads the new epoch, so a
-- batch either lands before the take-over reads the log or not at all.
CREATE FUNCTION scs_writer_holds(claimed bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    in_force bigint;
BEGIN
    SELECT epoch INTO in_force FROM log_writer WHERE id = 1 FOR SHARE;
    IF in_force IS DISTINCT FROM claimed THEN
        RAISE EXCEPTION 'another process took the sequencer lease (writer epoch %, this writer''s %)',
            in_force, claimed USING ERRCODE = 'SCS01';
    END IF;
    RETURN true;
END
$$;
