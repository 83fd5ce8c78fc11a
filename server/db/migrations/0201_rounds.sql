-- Quiz rounds, the attempts participants take in them, their answers, and
-- the one ranking order (round_ranking) that every ranking query uses.
-- All times are UTC; attempt times are stored truncated to the millisecond
-- so that Postgres and the Redis board (which encodes milliseconds) agree.

CREATE TABLE rounds (
    id                  bigserial PRIMARY KEY,
    contest_id          bigint NOT NULL REFERENCES contests (id),
    title               text NOT NULL,
    opens_at            timestamptz NOT NULL,
    -- a round is closed from closes_at on; closing early moves it
    closes_at           timestamptz NOT NULL,
    duration_ms         bigint NOT NULL CHECK (duration_ms > 0),
    -- attempts one participant may start; NULL in practice rounds (unlimited)
    max_attempts        integer CHECK (max_attempts > 0),
    -- [{category, difficulty?, count}] as questions.Blueprint
    blueprint           jsonb NOT NULL,
    question_count      integer NOT NULL CHECK (question_count > 0),
    points_per_question integer NOT NULL CHECK (points_per_question > 0),
    prediction_question text,
    -- practice rounds: unlimited, never ranked, answers shown right away
    practice            boolean NOT NULL DEFAULT false,
    created_by          bigint REFERENCES users (id),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CHECK (closes_at > opens_at),
    CHECK (practice = (max_attempts IS NULL))
);
CREATE INDEX rounds_contest_idx ON rounds (contest_id, opens_at);

-- One row per participant who started an attempt in a round. Starting an
-- attempt locks this row, which serializes concurrent starts of one person
-- so the attempt limit holds however many phones press "start" at once.
CREATE TABLE round_participants (
    round_id         bigint NOT NULL REFERENCES rounds (id),
    participant_id   bigint NOT NULL REFERENCES users (id),
    attempts_started integer NOT NULL DEFAULT 0 CHECK (attempts_started >= 0),
    first_started_at timestamptz NOT NULL,
    PRIMARY KEY (round_id, participant_id)
);
CREATE INDEX round_participants_participant_idx ON round_participants (participant_id);

CREATE TABLE attempts (
    id             bigserial PRIMARY KEY,
    round_id       bigint NOT NULL REFERENCES rounds (id),
    participant_id bigint NOT NULL REFERENCES users (id),
    attempt_no     integer NOT NULL CHECK (attempt_no > 0),
    status         text NOT NULL DEFAULT 'in_progress'
                   CHECK (status IN ('in_progress', 'submitted', 'expired')),
    started_at     timestamptz NOT NULL,
    -- min(started_at + duration, closes_at), fixed when the attempt starts
    deadline_at    timestamptz NOT NULL,
    -- the drawn paper as questions.PaperRef values, plus what drew it
    paper          jsonb NOT NULL,
    seed           bigint NOT NULL,
    bank_version   bigint NOT NULL,
    -- {question_id: correct option_id} of the drawn (immutable) versions,
    -- kept so that scoring is one SQL statement and the sweeper needs no
    -- bank; never sent to a participant before the round closes
    answer_key     jsonb NOT NULL,
    question_count integer NOT NULL CHECK (question_count > 0),
    prediction     integer CHECK (prediction BETWEEN 0 AND 10000000),
    -- the end that counts: the submit (capped at the deadline) or, for an
    -- attempt nobody submitted, the deadline
    submitted_at   timestamptz,
    duration_ms    bigint CHECK (duration_ms >= 0),
    correct_count  integer CHECK (correct_count >= 0),
    score          integer CHECK (score >= 0),
    -- when the row was actually finalized (by the submit or the sweeper)
    finalized_at   timestamptz,
    UNIQUE (round_id, participant_id, attempt_no),
    CHECK (deadline_at > started_at),
    CHECK ((status = 'in_progress') = (submitted_at IS NULL)),
    CHECK ((status = 'in_progress') = (score IS NULL)),
    CHECK ((status = 'in_progress') = (correct_count IS NULL)),
    CHECK ((status = 'in_progress') = (duration_ms IS NULL))
);
-- At most one attempt in progress per participant per round, whatever the code does.
CREATE UNIQUE INDEX attempts_one_in_progress_idx ON attempts (round_id, participant_id)
    WHERE status = 'in_progress';
-- The sweeper's queue.
CREATE INDEX attempts_due_idx ON attempts (deadline_at) WHERE status = 'in_progress';
-- Rankings read finished attempts of one round.
CREATE INDEX attempts_finished_idx ON attempts (round_id, participant_id)
    WHERE status <> 'in_progress';
-- The participant's home lists their attempts.
CREATE INDEX attempts_participant_idx ON attempts (participant_id, started_at DESC);

-- One row per attempt and question: the latest option chosen, autosaved.
CREATE TABLE attempt_answers (
    attempt_id  bigint NOT NULL REFERENCES attempts (id),
    question_id bigint NOT NULL,
    option_id   text NOT NULL,
    saved_at    timestamptz NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);

-- round_ranking is the ranking order of API.md, written once. Each
-- participant's best attempt, ranked: higher score; then, when p_final and
-- the round has a prediction question, smaller |prediction - number of
-- participants with an all-correct attempt| (no prediction ranks last);
-- then shorter duration, earlier submission, lower attempt id. With
-- p_final false it is the live order of the Redis board. Practice rounds
-- are never ranked (no rows). place runs 1..n with no ties.
CREATE FUNCTION round_ranking(p_round_id bigint, p_final boolean)
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
    ), actual AS (
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
