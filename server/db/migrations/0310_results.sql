-- Final results of quiz rounds (contest/results*.go): the final ranking
-- computed once when a round closes, prizes, disqualified accounts, and the
-- published lists, each kept for ever once published.

-- Prize counts of a ranked round (Nhất, Nhì, Ba, Khuyến khích). No row: the
-- defaults of contest.DefaultPrizes.
CREATE TABLE round_prize_settings (
    round_id    bigint PRIMARY KEY REFERENCES rounds (id),
    first       smallint NOT NULL CHECK (first BETWEEN 0 AND 1000),
    second      smallint NOT NULL CHECK (second BETWEEN 0 AND 1000),
    third       smallint NOT NULL CHECK (third BETWEEN 0 AND 1000),
    consolation smallint NOT NULL CHECK (consolation BETWEEN 0 AND 10000),
    updated_by  bigint REFERENCES users (id),
    updated_at  timestamptz NOT NULL
);

-- A ranked round that has been closed and ranked. Closing is done once (the
-- round's row lock serializes instances); this row says it was.
CREATE TABLE round_closings (
    round_id                  bigint PRIMARY KEY REFERENCES rounds (id),
    closed_at                 timestamptz NOT NULL,
    -- NULL when the round closed on its own at closes_at
    closed_by                 bigint REFERENCES users (id),
    -- participants whose best attempt was all correct: the true answer to
    -- the prediction question (counted for every round, shown where it has one)
    correct_prediction_answer integer NOT NULL CHECK (correct_prediction_answer >= 0),
    has_prediction            boolean NOT NULL,
    participants              integer NOT NULL CHECK (participants >= 0)
);

-- The final ranking of a closed round, round_ranking(round_id, true) as it
-- was at closing: every participant's best attempt with its place. It never
-- changes afterwards (attempts cannot change once the round is closed).
-- No foreign keys: the rows come from rounds, users and attempts in the
-- same statement (under the round's row lock), and a per-row check of a
-- million keys would cost more than the ranking itself.
CREATE TABLE round_standings (
    round_id        bigint NOT NULL,
    place           bigint NOT NULL CHECK (place > 0),
    participant_id  bigint NOT NULL,
    attempt_id      bigint NOT NULL,
    correct_count   integer NOT NULL,
    score           integer NOT NULL,
    duration_ms     bigint NOT NULL,
    submitted_at    timestamptz NOT NULL,
    prediction      integer,
    prediction_diff bigint,
    PRIMARY KEY (round_id, place),
    UNIQUE (round_id, participant_id)
);

-- Accounts disqualified from a contest (several accounts of one person,
-- false registration data): they disappear from its results and the next
-- people move up. Lifting one deletes the row; both are audited.
CREATE TABLE contest_disqualifications (
    contest_id      bigint NOT NULL REFERENCES contests (id),
    participant_id  bigint NOT NULL REFERENCES users (id),
    reason          text NOT NULL CHECK (reason <> ''),
    disqualified_by bigint REFERENCES users (id),
    disqualified_at timestamptz NOT NULL,
    PRIMARY KEY (contest_id, participant_id)
);

-- Each publication of a round's results. The newest version is the public
-- one; a republication (with its reason) adds a version and keeps the old.
CREATE TABLE round_publications (
    id                        bigserial PRIMARY KEY,
    round_id                  bigint NOT NULL REFERENCES round_closings (round_id),
    version                   integer NOT NULL CHECK (version > 0),
    published_at              timestamptz NOT NULL,
    published_by              bigint REFERENCES users (id),
    reason                    text NOT NULL DEFAULT '',
    -- NULL when the round has no prediction question
    correct_prediction_answer integer,
    entries                   integer NOT NULL,
    UNIQUE (round_id, version),
    CHECK (version = 1 OR reason <> '')
);

-- The published list: a frozen copy, names and units as they were when it
-- was published (masked when shown), so later corrections of an account do
-- not change what was announced. No foreign key, for the reason given at
-- round_standings: the lines are written with their publication, in its
-- transaction.
CREATE TABLE round_published_results (
    publication_id  bigint NOT NULL,
    rank            integer NOT NULL CHECK (rank > 0),
    participant_id  bigint NOT NULL,
    attempt_id      bigint NOT NULL,
    full_name       text NOT NULL,
    unit_id         bigint,
    unit_name       text NOT NULL,
    correct_count   integer NOT NULL,
    score           integer NOT NULL,
    duration_ms     bigint NOT NULL,
    submitted_at    timestamptz NOT NULL,
    prediction      integer,
    prediction_diff bigint,
    prize           text CHECK (prize IN ('first', 'second', 'third', 'consolation')),
    PRIMARY KEY (publication_id, rank)
);
CREATE INDEX round_published_results_prize_idx ON round_published_results (publication_id, participant_id)
    WHERE prize IS NOT NULL;

-- The organizer's live page counts attempts that ended in the last minute
-- and in each of the last sixty, every few seconds: without this index
-- each count reads every finished attempt of the round.
CREATE INDEX attempts_round_ended_idx ON attempts (round_id, submitted_at) WHERE status <> 'in_progress';
