-- Contests: a quiz contest has rounds (later migrations); an essay contest
-- has essays (0400 range). Times are stored in UTC.
CREATE TABLE contests (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('quiz', 'essay')),
    title       text NOT NULL,
    description text NOT NULL DEFAULT '',
    -- the published rules (thể lệ), shown on the contest page
    rules       text NOT NULL DEFAULT '',
    -- draft contests are visible to organizers only
    published   boolean NOT NULL DEFAULT false,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    -- kind-specific settings (one prize per person, essay word limit, ...)
    settings    jsonb NOT NULL DEFAULT '{}',
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CHECK (ends_at > starts_at)
);
