-- An answer sent again unchanged is left as it is.
--
-- The quiz page used to send every chosen answer with its submit, and a
-- phone whose acknowledgement was lost sends an autosave again. Each such
-- answer was rewritten as it was: a new row version, its WAL, and a dead
-- row for the vacuum, at every submit nineteen of them. The upserts of the
-- autosave statement (contest/store.go, saveAnswerGroup) and of
-- submit_group now update a row only when the option differs. The row is
-- still locked, as before, and the answer is still acknowledged (both
-- statements report what they found, not what they wrote). Its saved_at
-- stays the time that option was first saved, which is when it was chosen.
--
-- submit_group is migration 0600's, with that clause and the jit setting
-- that 0610 gave it (CREATE OR REPLACE sets the settings anew).

CREATE OR REPLACE FUNCTION submit_group(p_ids bigint[], p_people bigint[], p_ats timestamptz[], p_cutoffs timestamptz[],
	p_preds bigint[], p_fits boolean[],
	p_answer_items integer[], p_answer_questions bigint[], p_answer_options text[])
RETURNS TABLE (outcome text, id bigint, round_id bigint, participant_id bigint, practice boolean, status text,
	correct_count integer, score integer, question_count integer, duration_ms bigint,
	submitted_at timestamptz, prediction integer, unit_id bigint, disqualified boolean)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET plan_cache_mode = force_generic_plan SET jit = off
AS $$
#variable_conflict use_column
DECLARE
	v_kind text[];
	v_ids bigint[];
	v_ats timestamptz[];
	v_preds bigint[];
BEGIN
	-- Lock each attempt, in the given order, and sort the submits out. A
	-- row another transaction finished while this one waited is read as
	-- it is now (Postgres rechecks a locked row's latest version).
	SELECT array_agg(CASE
			WHEN a.id IS NULL OR a.participant_id <> i.participant_id THEN 'not_found'
			WHEN a.status <> 'in_progress' THEN 'done'
			WHEN a.deadline_at < i.cutoff THEN 'expired'
			WHEN NOT i.fits THEN 'unfit'
			ELSE 'submitted' END ORDER BY i.n)
	INTO v_kind
	FROM unnest(p_ids, p_people, p_cutoffs, p_fits) WITH ORDINALITY AS i(id, participant_id, cutoff, fits, n)
	LEFT JOIN LATERAL (
		SELECT t.id, t.participant_id, t.status, t.deadline_at FROM attempts t WHERE t.id = i.id FOR UPDATE
	) a ON true;

	-- The body's answers win over the autosaved ones. One the same as the
	-- saved one is left as it is (see the head of this file).
	INSERT INTO attempt_answers AS aa (attempt_id, question_id, option_id, saved_at)
	SELECT p_ids[x.item], x.question_id, x.option_id, p_ats[x.item]
	FROM unnest(p_answer_items, p_answer_questions, p_answer_options) AS x(item, question_id, option_id)
	WHERE v_kind[x.item] = 'submitted'
	ORDER BY 1, 2
	ON CONFLICT (attempt_id, question_id)
	DO UPDATE SET option_id = EXCLUDED.option_id, saved_at = EXCLUDED.saved_at
	WHERE aa.option_id <> EXCLUDED.option_id;

	SELECT array_agg(p_ids[n] ORDER BY n), array_agg(p_ats[n] ORDER BY n), array_agg(p_preds[n] ORDER BY n)
	INTO v_ids, v_ats, v_preds
	FROM generate_subscripts(p_ids, 1) AS n WHERE v_kind[n] = 'submitted';
	IF v_ids IS NOT NULL THEN
		RETURN QUERY SELECT 'submitted'::text, f.* FROM finalize_attempts(v_ids, v_ats, v_preds, 'submitted') f;
	END IF;

	SELECT array_agg(p_ids[n] ORDER BY n), array_agg(p_ats[n] ORDER BY n), array_agg(-1::bigint)
	INTO v_ids, v_ats, v_preds
	FROM generate_subscripts(p_ids, 1) AS n WHERE v_kind[n] = 'expired';
	IF v_ids IS NOT NULL THEN
		RETURN QUERY SELECT 'expired'::text, f.* FROM finalize_attempts(v_ids, v_ats, v_preds, 'expired') f;
	END IF;

	RETURN QUERY
	SELECT v_kind[n], p_ids[n], 0::bigint, 0::bigint, false, ''::text, 0, 0, 0, 0::bigint,
		'epoch'::timestamptz, NULL::integer, 0::bigint, false
	FROM generate_subscripts(p_ids, 1) AS n WHERE v_kind[n] IN ('done', 'not_found', 'unfit');
END
$$;
