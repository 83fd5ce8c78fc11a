-- attempts_finished_idx (round_id, participant_id) of finished attempts
-- repeated the first two columns of the unique index on (round_id,
-- participant_id, attempt_no), which serves the same lookups (a
-- participant's attempts in a round, a round's attempts in participant
-- order for its ranking). Every submit writes a new version of its
-- attempt row, and every index on attempts takes an entry for it: one
-- index fewer is one index entry and one WAL record fewer per submit (the
-- load test's submit phase is bound by Postgres's CPU).
DROP INDEX attempts_finished_idx;
