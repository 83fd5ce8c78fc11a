-- The question bank. A question is a stable identity (questions) whose
-- content lives in immutable versions (question_versions): editing makes a
-- new version, so an attempt that stored (question id, version id, option
-- order) can always be rebuilt, reviewed and re-scored exactly.

-- One row: a revision number bumped (in the same transaction) by every change
-- to the bank, so each server instance can tell cheaply whether its in-memory
-- draw candidates are stale.
CREATE TABLE question_bank (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    revision  bigint NOT NULL
);
INSERT INTO question_bank (singleton, revision) VALUES (true, 1);

CREATE TABLE questions (
    id                 bigserial PRIMARY KEY,
    current_version_id bigint NOT NULL,
    status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    -- copied from the current version, for filters and the draw's grouping
    category           text NOT NULL,
    -- category folded (lower case, no diacritics): blueprints match on it
    category_key       text NOT NULL,
    difficulty         text NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    -- folded text, options, category and legal reference, for search
    search_key         text NOT NULL,
    -- hash of the folded text and sorted folded options: the duplicate rule
    dup_key            text NOT NULL,
    created_by         bigint REFERENCES users (id),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    retired_at         timestamptz
);
CREATE UNIQUE INDEX questions_dup_key_idx ON questions (dup_key);
CREATE INDEX questions_kind_idx ON questions (category_key, difficulty) WHERE status = 'active';

CREATE TABLE question_versions (
    id                bigserial PRIMARY KEY,
    question_id       bigint NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    version_no        integer NOT NULL CHECK (version_no > 0),
    text              text NOT NULL,
    -- [{"id": "...", "text": "..."}] in the order the author wrote them;
    -- ids are random, made when the version is created
    options           jsonb NOT NULL,
    correct_option_id text NOT NULL,
    category          text NOT NULL,
    difficulty        text NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    explanation       text NOT NULL DEFAULT '',
    legal_reference   text NOT NULL DEFAULT '',
    created_by        bigint REFERENCES users (id),
    created_at        timestamptz NOT NULL,
    UNIQUE (question_id, version_no)
);

ALTER TABLE questions ADD CONSTRAINT questions_current_version_fk
    FOREIGN KEY (current_version_id) REFERENCES question_versions (id)
    DEFERRABLE INITIALLY DEFERRED;

-- Versions ever handed out in a paper. A question with a drawn version is
-- retired, never deleted; the foreign key (no cascade) makes a delete that
-- races a draw fail instead of losing a version an attempt shows.
CREATE TABLE question_version_usage (
    version_id     bigint PRIMARY KEY REFERENCES question_versions (id),
    first_drawn_at timestamptz NOT NULL
);
