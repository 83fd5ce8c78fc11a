-- The answers and papers of attempts lose their foreign keys to attempts.
--
-- A foreign key is checked by a trigger per inserted row: a query of its
-- own (SELECT ... FROM attempts WHERE id = $1 FOR KEY SHARE) run through
-- SPI at the end of the statement. Every autosave inserts an answer row,
-- so a contest's 20 autosaves per attempt made 20 such queries, and on
-- the eleventh pass's machine those checks were 3.7 % of the whole
-- machine's CPU in the load test's mixed load (machine-wide perf,
-- AfterTriggerEndQuery), about 8 % of an autosave's cost.
--
-- They checked nothing the writers do not check already:
--   attempt_answers  written by the autosave statement (contest/store.go,
--                    saveAnswerGroup) and by submit_group, each of which
--                    locks the attempt row itself first (FOR KEY SHARE,
--                    FOR UPDATE) and writes answers only for the attempts
--                    its lock found in progress; the key's check then
--                    looked the same row up again.
--   attempt_papers   written by start_group in the statement that inserts
--                    the attempt, from that INSERT's RETURNING.
-- What else the keys guarded was the deletion of an attempt that has
-- answers or a paper. No path deletes attempts (results, appeals and the
-- audit rest on them); the trigger below makes that a rule of the
-- database, checked once per statement, so the writers pay nothing.
--
-- The other keys of attempts (to rounds and users) stay: one check each
-- per start, not per answer.

ALTER TABLE attempt_answers DROP CONSTRAINT attempt_answers_attempt_id_fkey;
ALTER TABLE attempt_papers DROP CONSTRAINT attempt_papers_attempt_id_fkey;

CREATE FUNCTION refuse_attempt_deletion() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'attempts are never deleted (their answers and papers rest on them)'
		USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER attempts_never_deleted
	BEFORE DELETE OR TRUNCATE ON attempts
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_attempt_deletion();
