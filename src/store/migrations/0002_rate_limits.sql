-- zjtx schema, version 2: rate limits of public use cases (the certification query and its
-- challenges), in the database so that every `zjtx serve` instance shares them and a restart
-- does not reset them. One row per client and use: a fixed window and the requests counted in it.

CREATE TABLE rate_limits (
    bucket          TEXT PRIMARY KEY,            -- '<use>:client:<SHA-256 of the client key>'
    window_start    BIGINT NOT NULL,             -- start of the current window (ms)
    hits            BIGINT NOT NULL              -- requests counted in it
);
-- Pruning rows whose window ended long ago.
CREATE INDEX rate_limits_window ON rate_limits (window_start);
