-- A start's paper and answer key are compressed with lz4 instead of
-- Postgres's default pglz.
--
-- Every start writes one row of attempt_papers: the drawn paper (1.4 KB
-- of JSON text, about 2 KB as jsonb) and its answer key. A row that large
-- is compressed before it is stored. On the thirteenth pass's machine the
-- paper was about 0.3 ms of a start_group call's 0.7 ms per start
-- (pgbench, one client calling start_group with three fresh participants
-- a call, against the same function without the paper's insert), and
-- lz4 took about 0.09 ms of it away: four interleaved pairs of 5-second
-- runs gave 1.68, 2.06, 2.07 and 2.28 ms a call with lz4 against 2.09,
-- 2.17, 2.49 and 2.36 with pglz.
-- lz4 compresses these papers to the same size (921 bytes against 928)
-- and decompresses them faster when a reload or the statistics read them.
--
-- Only rows written from now on use lz4; rows written before keep pglz
-- and are read as before. A Postgres built without lz4 refuses the
-- setting: it then keeps pglz, and the migration still applies.

DO $$
BEGIN
	ALTER TABLE attempt_papers
		ALTER COLUMN paper SET COMPRESSION lz4,
		ALTER COLUMN answer_key SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'this Postgres has no lz4: attempt papers stay compressed with pglz';
END
$$;
