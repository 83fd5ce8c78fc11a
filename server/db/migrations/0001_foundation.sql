-- Foundation: units, people (participants and staff), sessions, audit log,
-- and the secrets that every instance must share.

CREATE TABLE units (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind IN ('school', 'university', 'ward', 'agency', 'company', 'other')),
    member_count integer CHECK (member_count IS NULL OR member_count >= 0),
    -- name folded to lower case without diacritics, for search
    search_key   text NOT NULL
);
CREATE INDEX units_search_key_idx ON units (search_key text_pattern_ops);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('participant', 'judge', 'organizer', 'admin')),
    -- participants log in with their phone (normalized to 0xxxxxxxxx),
    -- staff with a username (stored lower case)
    phone         text UNIQUE,
    username      text UNIQUE,
    password_hash text NOT NULL,
    full_name     text NOT NULL,
    display_name  text NOT NULL,
    birth_date    date,
    citizen_id    text UNIQUE,
    email         text,
    unit_id       bigint REFERENCES units (id),
    category      text,
    -- full name folded (lower case, no diacritics) for duplicate checks
    name_key      text NOT NULL DEFAULT '',
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CHECK ((role = 'participant') = (phone IS NOT NULL)),
    CHECK ((role = 'participant') OR username IS NOT NULL)
);
CREATE INDEX users_identity_idx ON users (name_key, birth_date) WHERE role = 'participant';

-- A session token is 256 random bits given to the client; only its SHA-256
-- is stored, so a copy of this table opens no session.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor_id   bigint REFERENCES users (id),
    actor_role text NOT NULL,
    action     text NOT NULL,
    entity     text NOT NULL,
    entity_id  text NOT NULL,
    details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

-- Secrets every instance must agree on (the CSRF key); the first instance
-- to start inserts random bytes from Go's crypto/rand.
CREATE TABLE app_secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);
