-- Essay contests (rows of contests with kind 'essay'): their settings, a
-- rubric per stage, essays, judges' seats and scores, marks and the
-- published results. Owned by contest/essay.

-- One row per essay contest; a contest without a row uses the defaults.
-- Typed columns rather than contests.settings so Postgres checks them.
CREATE TABLE essay_settings (
    contest_id            bigint PRIMARY KEY REFERENCES contests (id) ON DELETE CASCADE,
    word_limit            integer NOT NULL DEFAULT 2000 CHECK (word_limit BETWEEN 50 AND 20000),
    judges_per_essay      smallint NOT NULL DEFAULT 2 CHECK (judges_per_essay BETWEEN 1 AND 5),
    -- two final scores this far apart bring in one more judge
    discrepancy_threshold numeric(7,2) NOT NULL DEFAULT 20 CHECK (discrepancy_threshold > 0),
    final_rule            text NOT NULL DEFAULT 'closest_two_mean'
                          CHECK (final_rule IN ('closest_two_mean', 'mean', 'median')),
    prize_first           smallint NOT NULL DEFAULT 1 CHECK (prize_first >= 0),
    prize_second          smallint NOT NULL DEFAULT 2 CHECK (prize_second >= 0),
    prize_third           smallint NOT NULL DEFAULT 3 CHECK (prize_third >= 0),
    prize_consolation     smallint NOT NULL DEFAULT 4 CHECK (prize_consolation >= 0),
    -- a preliminary stage shortlists essays into a final stage
    two_stage             boolean NOT NULL DEFAULT false,
    updated_at            timestamptz NOT NULL
);

CREATE TABLE essay_rubrics (
    contest_id bigint NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    stage      smallint NOT NULL CHECK (stage IN (1, 2)),
    -- [{key, name, max_points, description}] in the order judges see them
    criteria   jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (contest_id, stage)
);

CREATE TABLE essays (
    id                  bigserial PRIMARY KEY,
    contest_id          bigint NOT NULL REFERENCES contests (id),
    author_id           bigint NOT NULL REFERENCES users (id),
    -- the author's unit when they submitted: judges of it may not score it
    author_unit_id      bigint REFERENCES units (id),
    -- the receipt code, and the only name judges know the essay by
    code                text NOT NULL UNIQUE,
    title               text NOT NULL,
    body                text NOT NULL,
    -- what judges read: phones, e-mails, ids and the author's name masked
    masked_title        text NOT NULL,
    masked_body         text NOT NULL,
    word_count          integer NOT NULL CHECK (word_count >= 0),
    declared_at         timestamptz NOT NULL,
    submitted_at        timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    -- 2 once shortlisted into the final stage of a two-stage contest
    stage               smallint NOT NULL DEFAULT 1 CHECK (stage IN (1, 2)),
    disqualified_at     timestamptz,
    disqualified_reason text NOT NULL DEFAULT '',
    UNIQUE (contest_id, author_id)
);
CREATE INDEX essays_author_idx ON essays (author_id);

CREATE TABLE essay_assignments (
    id           bigserial PRIMARY KEY,
    essay_id     bigint NOT NULL REFERENCES essays (id) ON DELETE CASCADE,
    stage        smallint NOT NULL CHECK (stage IN (1, 2)),
    judge_id     bigint NOT NULL REFERENCES users (id),
    -- 'panel' seats come from an assignment run, 'third' from the discrepancy rule
    seat         text NOT NULL CHECK (seat IN ('panel', 'third')),
    status       text NOT NULL DEFAULT 'assigned' CHECK (status IN ('assigned', 'draft', 'final')),
    scores       jsonb NOT NULL DEFAULT '{}',
    total        numeric(7,2),
    comment      text NOT NULL DEFAULT '',
    assigned_at  timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    finalized_at timestamptz,
    UNIQUE (essay_id, stage, judge_id),
    CHECK ((status = 'final') = (finalized_at IS NOT NULL)),
    CHECK (status <> 'final' OR total IS NOT NULL)
);
CREATE INDEX essay_assignments_judge_idx ON essay_assignments (judge_id, stage);

-- An essay's mark in a stage, kept current as judges finalize: 'pending'
-- until every panel seat is final, 'third_needed' while a discrepancy waits
-- for its extra judge, 'final' with the mark.
CREATE TABLE essay_marks (
    essay_id   bigint NOT NULL REFERENCES essays (id) ON DELETE CASCADE,
    stage      smallint NOT NULL CHECK (stage IN (1, 2)),
    status     text NOT NULL CHECK (status IN ('pending', 'third_needed', 'final')),
    mark       numeric(7,2),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (essay_id, stage),
    CHECK ((status = 'final') = (mark IS NOT NULL))
);

-- Published results are a frozen copy: what was announced cannot change.
CREATE TABLE essay_publications (
    contest_id   bigint PRIMARY KEY REFERENCES contests (id) ON DELETE CASCADE,
    stage        smallint NOT NULL,
    published_at timestamptz NOT NULL,
    published_by bigint REFERENCES users (id)
);

CREATE TABLE essay_results (
    contest_id bigint NOT NULL REFERENCES essay_publications (contest_id) ON DELETE CASCADE,
    essay_id   bigint NOT NULL REFERENCES essays (id),
    rank       integer NOT NULL CHECK (rank > 0),
    mark       numeric(7,2) NOT NULL,
    prize      text CHECK (prize IN ('first', 'second', 'third', 'consolation')),
    PRIMARY KEY (contest_id, essay_id),
    UNIQUE (contest_id, rank)
);
