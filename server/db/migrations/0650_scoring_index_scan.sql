-- The scoring reads an attempt's answers by a plain index scan.
--
-- finalize_attempts (migration 0610) counts each attempt's correct answers:
-- about nineteen rows, each on a heap page of its own, since answers come
-- minutes apart among everyone else's. For so few rows the planner's
-- bitmap scan builds a bitmap of the pages and sorts it before reading
-- them, for nothing. On the fifteenth pass's machine, submit_group over
-- 100 attempts in progress with 19 answers each (rolled back, so without
-- its commit), alternated in one session with the same function under a
-- plain index scan, 100 times each way round: median 8.52 against 7.66 ms
-- and 8.11 against 7.11 ms, the index scan about a tenth cheaper. Counting
-- the answers was about a third of submit_group's time.
--
-- The setting is the function's own, like its others (the planner
-- settings of every group commit, contest/store.go); it covers the other
-- scans of that statement too, each of which finds rows by id.

ALTER FUNCTION finalize_attempts(bigint[], timestamptz[], bigint[], text) SET enable_bitmapscan = off;
