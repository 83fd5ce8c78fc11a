-- Live board settings of a quiz round (contest/leaderboard). A row exists
-- only once an organizer has set something; no row means the defaults.
CREATE TABLE round_board_settings (
    round_id   bigint PRIMARY KEY REFERENCES rounds (id),
    -- from this time on the public board hides places (contest rules often
    -- keep the last hours before closing secret); participants still see
    -- their own score. NULL: the board is never frozen.
    freeze_at  timestamptz,
    updated_by bigint REFERENCES users (id),
    updated_at timestamptz NOT NULL
);
