-- Migration 2: entries are kept as they are, not compressed, up to the largest row a page
-- holds (docs/DECISIONS.md, "Item 7, fourth part"): pglz took about 40 % of the time of storing
-- them (pg_stat_statements), and the file log does not compress them either. Larger rows are
-- still compressed and moved out of line (TOAST). Needs PostgreSQL 11 or later.
ALTER TABLE log_entries SET (toast_tuple_target = 8160);
