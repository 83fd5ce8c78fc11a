-- round_ranking (0201) again, with the same order and result: only its
-- count of all-correct participants is now computed once (MATERIALIZED).
-- Inlined, the planner could put that count on the inner side of a nested
-- loop when it believes the round has few attempts (statistics not yet
-- gathered on a fresh round), and recount it for every attempt: 12 s
-- instead of 5 ms for a round of 10,000 attempts.
CREATE OR REPLACE FUNCTION round_ranking(p_round_id bigint, p_final boolean)
RETURNS TABLE (
    place           bigint,
    participant_id  bigint,
    attempt_id      bigint,
    correct_count   integer,
    score           integer,
    duration_ms     bigint,
    submitted_at    timestamptz,
    prediction      integer,
    prediction_diff bigint
)
LANGUAGE sql STABLE AS $$
    WITH r AS (
        SELECT id, p_final AND prediction_question IS NOT NULL AS by_prediction
        FROM rounds
        WHERE id = p_round_id AND NOT practice
    ), done AS (
        SELECT a.id, a.participant_id, a.correct_count, a.score, a.duration_ms,
               a.submitted_at, a.prediction, a.question_count
        FROM attempts a
        JOIN r ON a.round_id = r.id
        WHERE a.status IN ('submitted', 'expired')
    ), actual AS MATERIALIZED (
        SELECT count(DISTINCT d.participant_id) AS n
        FROM done d
        WHERE d.correct_count = d.question_count
    ), keyed AS (
        SELECT d.*,
               CASE WHEN r.by_prediction THEN abs(d.prediction::bigint - actual.n) END AS diff
        FROM done d CROSS JOIN r CROSS JOIN actual
    ), best AS (
        SELECT DISTINCT ON (k.participant_id) k.*
        FROM keyed k
        ORDER BY k.participant_id, k.correct_count DESC, k.diff ASC NULLS LAST,
                 k.duration_ms ASC, k.submitted_at ASC, k.id ASC
    )
    SELECT row_number() OVER (ORDER BY b.correct_count DESC, b.diff ASC NULLS LAST,
                                       b.duration_ms ASC, b.submitted_at ASC, b.id ASC),
           b.participant_id, b.id, b.correct_count, b.score, b.duration_ms,
           b.submitted_at, b.prediction, b.diff
    FROM best b
    ORDER BY 1
$$;
