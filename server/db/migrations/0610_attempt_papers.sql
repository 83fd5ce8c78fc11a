-- Papers and answer keys move out of attempts into a table of their own.
--
-- They were 1.3 KB of an attempt's 1.4 KB row, and they never change once
-- drawn, while the rest of the row changes once, when the attempt is
-- scored: that update wrote a new version of the whole row, paper
-- included, to the table and the WAL (1.5 KB of WAL per submit), filled a
-- page every five attempts and extended the table or evicted a dirty page
-- for every few submits (a machine-wide profile of the load test's submit
-- phase: a third of Postgres's time in writes to files). Now the scoring
-- rewrites a row of about 150 bytes; the paper and key are written once,
-- at the start, and read where they are needed: the scoring (the key),
-- a reload and the paper cache (the paper), the question statistics
-- (both).
--
-- Columns dropped from attempts keep their bytes in the rows written
-- before, until those rows are rewritten; new rows are narrow.

CREATE TABLE attempt_papers (
    attempt_id bigint PRIMARY KEY REFERENCES attempts (id),
    -- the drawn paper as questions.PaperRef values
    paper      jsonb NOT NULL,
    -- {question_id: correct option_id} of the drawn (immutable) versions,
    -- kept so that scoring is SQL and the sweeper needs no bank; never sent
    -- to a participant before the round closes
    answer_key jsonb NOT NULL
);

INSERT INTO attempt_papers (attempt_id, paper, answer_key)
SELECT id, paper, answer_key FROM attempts ORDER BY id;

-- finalize_attempts and start_group are defined again, to read and write
-- the new table (nothing else in them changes; 0600 has the comments on
-- what they do), and all three group functions run without JIT
-- compilation (below; submit_group, unchanged otherwise, by ALTER).
--
-- JIT: the planner settings that force index probes (enable_seqscan off,
-- and the like) and the estimates of a table without statistics (a round
-- that just opened) can make a group's plan look expensive: the scoring's
-- count of answers was estimated at 3,326 rows per attempt on a fresh
-- database, 58,833 for ten attempts, and with the paper joined it passed
-- jit_above_cost (100,000) in some sessions. Postgres then compiled the
-- statement with LLVM at every call: the load test's submit phase fell
-- from 13,000 to 4,600 submits per second, Postgres spending its time in
-- LLVM. A group is a few index probes; compiling never pays.

CREATE OR REPLACE FUNCTION finalize_attempts(p_ids bigint[], p_ats timestamptz[], p_preds bigint[], p_status text)
RETURNS TABLE (id bigint, round_id bigint, participant_id bigint, practice boolean, status text,
	correct_count integer, score integer, question_count integer, duration_ms bigint,
	submitted_at timestamptz, prediction integer, unit_id bigint, disqualified boolean)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET plan_cache_mode = force_generic_plan SET jit = off
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH f AS (
		SELECT * FROM unnest(p_ids, p_ats, p_preds) AS f(id, at, prediction)
	), s AS MATERIALIZED ( -- else the count below runs twice, for correct_count and score
		SELECT a.id, f.at, nullif(f.prediction, -1)::int AS prediction,
			CASE WHEN p_status = 'submitted' THEN least(f.at, a.deadline_at) ELSE a.deadline_at END AS ended_at,
			(SELECT count(*) FROM attempt_answers aa
			 WHERE aa.attempt_id = a.id AND p.answer_key ->> aa.question_id::text = aa.option_id) AS correct
		FROM f JOIN attempts a ON a.id = f.id JOIN attempt_papers p ON p.attempt_id = a.id
		-- finalized_at IS NULL means in progress (a CHECK says so). Not
		-- "status = 'in_progress'": with stale statistics the planner
		-- then scanned a whole partial index of attempts in progress
		-- instead of finding these by id (see migration 0500).
		WHERE a.finalized_at IS NULL
	)
	UPDATE attempts a
	SET status = p_status,
		submitted_at = s.ended_at,
		duration_ms = (extract(epoch FROM s.ended_at - a.started_at) * 1000)::bigint,
		correct_count = s.correct,
		score = s.correct * r.points_per_question,
		finalized_at = s.at,
		prediction = coalesce(s.prediction, a.prediction)
	FROM s, rounds r, users u
	WHERE a.id = s.id AND r.id = a.round_id AND u.id = a.participant_id
	RETURNING a.id, a.round_id, a.participant_id, r.practice, a.status, a.correct_count, a.score,
		a.question_count, a.duration_ms, a.submitted_at, a.prediction, coalesce(u.unit_id, 0),
		EXISTS (SELECT 1 FROM contest_disqualifications d
			WHERE d.contest_id = r.contest_id AND d.participant_id = a.participant_id);
END
$$;

ALTER FUNCTION submit_group(bigint[], bigint[], timestamptz[], timestamptz[], bigint[], boolean[],
	integer[], bigint[], text[])
	SET jit = off;

CREATE OR REPLACE FUNCTION start_group(p_rounds bigint[], p_people bigint[], p_ats timestamptz[], p_limits integer[],
	p_deadlines timestamptz[], p_papers text[], p_seeds bigint[], p_versions bigint[], p_keys text[],
	p_counts integer[])
RETURNS TABLE (outcome text, attempt_no integer, id bigint, round_id bigint, participant_id bigint,
	practice boolean, status text, correct_count integer, score integer, question_count integer,
	duration_ms bigint, submitted_at timestamptz, prediction integer, unit_id bigint, disqualified boolean)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET plan_cache_mode = force_generic_plan SET jit = off
AS $$
#variable_conflict use_column
DECLARE
	v_started integer[]; -- attempts started before, -1: the round is closed
	v_current bigint[];  -- the attempt in progress, if any
	v_current_deadline timestamptz[];
	v_kind text[];
	v_ids bigint[];
	v_ats timestamptz[];
	v_preds bigint[];
BEGIN
	-- Concurrent starts of one participant queue on their row here,
	-- whichever instance runs them. The round is share-locked and checked
	-- open in the same statement: an organizer's close may have committed
	-- since the server read the round, and an attempt started after it
	-- would escape the final ranking.
	WITH i AS (
		SELECT * FROM unnest(p_rounds, p_people, p_ats) WITH ORDINALITY AS i(round_id, participant_id, at, n)
	), r AS (
		SELECT rounds.id, rounds.closes_at FROM rounds WHERE rounds.id IN (SELECT i.round_id FROM i) FOR KEY SHARE
	), up AS (
		INSERT INTO round_participants AS rp (round_id, participant_id, attempts_started, first_started_at)
		SELECT i.round_id, i.participant_id, 0, i.at FROM i JOIN r ON r.id = i.round_id
		WHERE r.closes_at > i.at
		ORDER BY i.round_id, i.participant_id
		ON CONFLICT ON CONSTRAINT round_participants_pkey
		DO UPDATE SET attempts_started = rp.attempts_started
		RETURNING rp.round_id, rp.participant_id, rp.attempts_started
	)
	SELECT array_agg(coalesce(up.attempts_started, -1) ORDER BY i.n) INTO v_started
	FROM i LEFT JOIN up ON up.round_id = i.round_id AND up.participant_id = i.participant_id;

	-- Their attempts in progress, read after the locks (a fresh snapshot):
	-- a start that queued behind another sees the attempt it made. One
	-- index probe each; LIMIT 1 (there is at most one, by a unique index)
	-- keeps the subquery from being merged into a join.
	SELECT array_agg(a.id ORDER BY i.n), array_agg(a.deadline_at ORDER BY i.n)
	INTO v_current, v_current_deadline
	FROM unnest(p_rounds, p_people) WITH ORDINALITY AS i(round_id, participant_id, n)
	LEFT JOIN LATERAL (
		SELECT t.id, t.deadline_at FROM attempts t
		WHERE t.round_id = i.round_id AND t.participant_id = i.participant_id AND t.status = 'in_progress'
		LIMIT 1
	) a ON true;

	SELECT array_agg(CASE
			WHEN v_started[n] < 0 THEN 'closed'
			WHEN v_current[n] IS NOT NULL AND p_ats[n] < v_current_deadline[n] THEN 'resumed'
			WHEN p_limits[n] > 0 AND v_started[n] >= p_limits[n] THEN 'limited'
			ELSE 'created' END ORDER BY n)
	INTO v_kind
	FROM generate_subscripts(p_rounds, 1) AS n;

	-- An attempt in progress past its deadline is finished first, even
	-- when no attempt is left to start.
	SELECT array_agg(v_current[n] ORDER BY n), array_agg(p_ats[n] ORDER BY n), array_agg(-1::bigint)
	INTO v_ids, v_ats, v_preds
	FROM generate_subscripts(p_rounds, 1) AS n
	WHERE v_kind[n] IN ('limited', 'created') AND v_current[n] IS NOT NULL;
	IF v_ids IS NOT NULL THEN
		RETURN QUERY SELECT 'expired'::text, 0, f.* FROM finalize_attempts(v_ids, v_ats, v_preds, 'expired') f;
	END IF;

	-- Each start counted on its (locked) participant row, and its attempt
	-- and its paper inserted, in one statement.
	RETURN QUERY
	WITH i AS (
		SELECT p_rounds[n] AS round_id, p_people[n] AS participant_id, p_ats[n] AS started_at,
			p_deadlines[n] AS deadline_at, p_papers[n] AS paper, p_seeds[n] AS seed, p_versions[n] AS bank_version,
			p_keys[n] AS answer_key, p_counts[n] AS question_count
		FROM generate_subscripts(p_rounds, 1) AS n WHERE v_kind[n] = 'created'
	), c AS (
		UPDATE round_participants p SET attempts_started = p.attempts_started + 1
		FROM i WHERE p.round_id = i.round_id AND p.participant_id = i.participant_id
		RETURNING p.round_id, p.participant_id, p.attempts_started
	), ins AS (
		INSERT INTO attempts AS t (round_id, participant_id, attempt_no, status, started_at, deadline_at,
			seed, bank_version, question_count)
		SELECT i.round_id, i.participant_id, c.attempts_started, 'in_progress', i.started_at, i.deadline_at,
			i.seed, i.bank_version, i.question_count
		FROM i JOIN c ON c.round_id = i.round_id AND c.participant_id = i.participant_id
		ORDER BY i.round_id, i.participant_id
		RETURNING t.round_id, t.participant_id, t.id, t.attempt_no
	), pp AS (
		INSERT INTO attempt_papers (attempt_id, paper, answer_key)
		SELECT ins.id, i.paper::jsonb, i.answer_key::jsonb
		FROM ins JOIN i ON i.round_id = ins.round_id AND i.participant_id = ins.participant_id
		ORDER BY ins.id
	)
	SELECT 'created'::text, ins.attempt_no, ins.id, ins.round_id, ins.participant_id, false, ''::text, 0, 0, 0,
		0::bigint, 'epoch'::timestamptz, NULL::integer, 0::bigint, false
	FROM ins;

	RETURN QUERY
	SELECT v_kind[n], 0, CASE WHEN v_kind[n] = 'resumed' THEN v_current[n] ELSE 0 END, p_rounds[n], p_people[n],
		false, ''::text, 0, 0, 0, 0::bigint, 'epoch'::timestamptz, NULL::integer, 0::bigint, false
	FROM generate_subscripts(p_rounds, 1) AS n WHERE v_kind[n] <> 'created';
END
$$;

ALTER TABLE attempts DROP COLUMN paper, DROP COLUMN answer_key;
