-- zjtx schema, version 1: every table of the service layer.
--
-- Portable subset (SQLite and PostgreSQL run this file unchanged):
--   * ids are TEXT (UUIDv7 generated in Rust, time-ordered) unless a natural key exists;
--   * timestamps are BIGINT unix milliseconds (UTC); calendar dates are TEXT 'YYYY-MM-DD';
--   * booleans are BIGINT 0/1; JSON payloads are TEXT; amounts are DOUBLE PRECISION;
--   * no AUTOINCREMENT / SERIAL, no engine-specific types or functions.
-- Naming: *_at = instant (ms), *_on = date, *_code = a code-list code (GB/T 2260, GB/T 4754, tier …).

-- Accounts ------------------------------------------------------------------------------------

CREATE TABLE enterprises (
    id                  TEXT PRIMARY KEY,
    uscc                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    legal_rep           TEXT NOT NULL,
    -- The legal representative's ID number is kept only masked (for display) and hashed (to
    -- compare what a support request states); never in clear.
    legal_rep_id_masked TEXT NOT NULL,
    legal_rep_id_hash   TEXT NOT NULL,
    -- 注册地: county (GB/T 2260), its prefecture and its certifying authority (province or 计划单列市).
    county_code         TEXT,
    city_code           TEXT,
    authority_code      TEXT,
    -- 所属行业: GB/T 4754 class; segment and products from the cascading picker.
    industry_code       TEXT,
    segment             TEXT,
    main_products       TEXT,
    established_on      TEXT,
    address             TEXT,
    employees           BIGINT,
    revenue             DOUBLE PRECISION,   -- 万元, prior year
    total_assets        DOUBLE PRECISION,   -- 万元, prior year
    contact_name        TEXT,
    contact_phone       TEXT,
    contact_email       TEXT,
    profile             TEXT NOT NULL DEFAULT '{}',  -- JSON: further basic-info fields
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX enterprises_authority ON enterprises (authority_code, county_code);
CREATE INDEX enterprises_name ON enterprises (name);

CREATE TABLE accounts (
    id              TEXT PRIMARY KEY,
    login_name      TEXT NOT NULL,
    login_key       TEXT NOT NULL UNIQUE,        -- lower-case login name: case-insensitive unique
    kind            TEXT NOT NULL,               -- legal | natural | reviewer | admin | support
    level           TEXT,                        -- county | city | province | ministry (staff)
    region_code     TEXT,                        -- staff scope (GB/T 2260); NULL = national
    enterprise_id   TEXT UNIQUE REFERENCES enterprises (id),
    phone           TEXT,
    email           TEXT,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT,
    disabled        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX accounts_phone ON accounts (phone);
CREATE INDEX accounts_email ON accounts (email);
CREATE INDEX accounts_kind ON accounts (kind, level, region_code);

CREATE TABLE tokens (
    hash            TEXT PRIMARY KEY,            -- SHA-256 (hex) of the opaque token
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    last_used_at    BIGINT
);
CREATE INDEX tokens_account ON tokens (account_id, revoked_at);

-- One-time codes (SMS / e-mail), stored hashed.
CREATE TABLE codes (
    id              TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL,               -- password_reset | phone_change
    target          TEXT NOT NULL,               -- the account id
    sent_to         TEXT NOT NULL,               -- phone or e-mail the code went to
    code_hash       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX codes_target ON codes (purpose, target, created_at);

CREATE TABLE support_requests (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,               -- phone_change | recovery
    account_id      TEXT REFERENCES accounts (id),
    payload         TEXT NOT NULL,               -- JSON: what the requester stated
    state           TEXT NOT NULL,               -- pending | approved | rejected
    created_at      BIGINT NOT NULL,
    decided_by      TEXT REFERENCES accounts (id),
    decided_at      BIGINT,
    reason          TEXT,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX support_requests_queue ON support_requests (state, created_at, id);
CREATE INDEX support_requests_account ON support_requests (account_id, kind, state);

-- Assessment ----------------------------------------------------------------------------------

CREATE TABLE assessments (
    id                      TEXT PRIMARY KEY,
    account_id              TEXT NOT NULL REFERENCES accounts (id),
    enterprise_id           TEXT REFERENCES enterprises (id),  -- NULL for a natural person
    category                TEXT NOT NULL,                     -- manufacturing | services | other
    questionnaire_id        TEXT NOT NULL,
    questionnaire_version   TEXT NOT NULL,
    answers                 TEXT NOT NULL DEFAULT '{}',        -- JSON
    started_at              BIGINT NOT NULL,
    completed_at            BIGINT,
    total                   DOUBLE PRECISION,
    level                   BIGINT,                            -- 1..4, NULL = below 一级
    result                  TEXT,                              -- JSON breakdown
    updated_at              BIGINT NOT NULL,
    version                 BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX assessments_enterprise ON assessments (enterprise_id, completed_at);
CREATE INDEX assessments_account ON assessments (account_id, started_at);

-- Windows and chains --------------------------------------------------------------------------

CREATE TABLE windows (
    id              TEXT PRIMARY KEY,
    authority_code  TEXT NOT NULL,
    tier            TEXT NOT NULL,
    batch           BIGINT NOT NULL,             -- batch year
    start_date      TEXT NOT NULL,
    end_date        TEXT NOT NULL,
    closed_at       BIGINT,                      -- closed early by the admin
    created_by      TEXT NOT NULL REFERENCES accounts (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX windows_authority ON windows (authority_code, tier, start_date);

CREATE TABLE chains (
    authority_code  TEXT NOT NULL,
    tier            TEXT NOT NULL,
    levels          TEXT NOT NULL,               -- JSON array of level codes, bottom first
    updated_by      TEXT NOT NULL REFERENCES accounts (id),
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (authority_code, tier)
);

-- Workflow items ------------------------------------------------------------------------------

-- One table for everything that runs through the workflow: declarations, 复核 applications,
-- annual info updates and major-change reports.
CREATE TABLE items (
    id                  TEXT PRIMARY KEY,
    kind                TEXT NOT NULL,           -- declaration | review | update | change
    subtype             TEXT,                    -- e.g. the major-change type (rename, merger …)
    enterprise_id       TEXT NOT NULL REFERENCES enterprises (id),
    certification_id    TEXT,                    -- the certification a review/update concerns
    tier                TEXT NOT NULL,
    batch               BIGINT NOT NULL,
    window_id           TEXT REFERENCES windows (id),
    ruleset             TEXT NOT NULL,
    payload             TEXT NOT NULL DEFAULT '{}',   -- JSON: form inputs and statements
    state               TEXT NOT NULL,           -- workflow::State::code
    level               TEXT,                    -- workflow::State::level
    chain               TEXT,                    -- JSON snapshot taken at submission
    version             BIGINT NOT NULL DEFAULT 1,
    ever_submitted      BIGINT NOT NULL DEFAULT 0,
    reviewer_acted      BIGINT NOT NULL DEFAULT 0,
    score               DOUBLE PRECISION,
    qualifies           BIGINT,
    breakdown           TEXT,                    -- JSON
    digital_level       BIGINT,                  -- snapshot of the assessment level at submission
    submitted_at        BIGINT,
    decided_at          BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    -- denormalised from the enterprise at creation / submission, for queue filters and search
    enterprise_name     TEXT NOT NULL,
    uscc                TEXT NOT NULL,
    county_code         TEXT,
    city_code           TEXT,
    authority_code      TEXT
);
-- Queue pages. `level` is set exactly while an item waits at or is in review at a level
-- (submitted / in_review), so `level = L` alone selects a reviewer's queue; equality on kind,
-- the scope column and level, then the keyset (updated_at, id) in index order.
CREATE INDEX items_queue_authority ON items (kind, authority_code, level, updated_at, id);
CREATE INDEX items_queue_city ON items (kind, city_code, level, updated_at, id);
CREATE INDEX items_queue_county ON items (kind, county_code, level, updated_at, id);
CREATE INDEX items_queue_national ON items (kind, level, updated_at, id);
-- Lists by state (approved, returned …) for an authority, or nationally.
CREATE INDEX items_state_authority ON items (kind, authority_code, state, updated_at, id);
CREATE INDEX items_state_national ON items (kind, state, updated_at, id);
CREATE INDEX items_enterprise ON items (enterprise_id, kind, tier, batch);
CREATE INDEX items_uscc ON items (uscc);

CREATE TABLE history (
    id              TEXT PRIMARY KEY,
    item_id         TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    at              BIGINT NOT NULL,
    actor_id        TEXT,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    from_state      TEXT,
    from_level      TEXT,
    to_state        TEXT,
    to_level        TEXT,
    reason          TEXT,
    version         BIGINT NOT NULL              -- the item's version after the action
);
CREATE INDEX history_item ON history (item_id, at, id);

CREATE TABLE audit (
    id              TEXT PRIMARY KEY,
    at              BIGINT NOT NULL,
    actor_id        TEXT,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    target_kind     TEXT NOT NULL,
    target_id       TEXT,
    detail          TEXT NOT NULL DEFAULT '{}'   -- JSON
);
CREATE INDEX audit_target ON audit (target_kind, target_id, at);
CREATE INDEX audit_at ON audit (at, id);
CREATE INDEX audit_actor ON audit (actor_id, at);

-- Evidence bytes live content-addressed under the data directory (blobs/ab/cdef…), not here.
CREATE TABLE evidence (
    id              TEXT PRIMARY KEY,
    item_id         TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    size            BIGINT NOT NULL,
    content_type    TEXT NOT NULL,
    uploaded_by     TEXT REFERENCES accounts (id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX evidence_item ON evidence (item_id, created_at);
CREATE INDEX evidence_sha ON evidence (sha256);

-- Resumable uploads: create → append chunks at an offset → finish with a SHA-256.
CREATE TABLE uploads (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    item_id         TEXT REFERENCES items (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    content_type    TEXT,
    declared_size   BIGINT NOT NULL,
    sha256          TEXT,                        -- expected digest, when given up front
    received        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX uploads_account ON uploads (account_id, created_at);

-- Certifications ------------------------------------------------------------------------------

CREATE TABLE certifications (
    id              TEXT PRIMARY KEY,
    enterprise_id   TEXT NOT NULL REFERENCES enterprises (id),
    tier            TEXT NOT NULL,
    item_id         TEXT REFERENCES items (id),  -- the declaration (or 复核) that granted it
    certified_on    TEXT NOT NULL,
    expires_on      TEXT NOT NULL,
    status          TEXT NOT NULL,               -- active | expired | cancelled
    cancelled_on    TEXT,
    cancel_kind     TEXT,                        -- cancellation reason code
    cancel_reason   TEXT,
    barred_until    TEXT,                        -- no new declaration before this date
    review_flag     BIGINT NOT NULL DEFAULT 0,   -- 满足复核条件
    flagged_by      TEXT REFERENCES accounts (id),
    flagged_at      BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX certifications_enterprise ON certifications (enterprise_id, tier, status);
CREATE INDEX certifications_expiry ON certifications (tier, status, expires_on);
-- At most one active certification per enterprise and tier.
CREATE UNIQUE INDEX certifications_active ON certifications (enterprise_id, tier) WHERE status = 'active';

-- Messages and announcements ------------------------------------------------------------------

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    enterprise_id   TEXT REFERENCES enterprises (id),
    account_id      TEXT REFERENCES accounts (id),
    category        TEXT NOT NULL,               -- expiry | update | certification | cancellation | reminder
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    read_at         BIGINT,
    dedupe_key      TEXT UNIQUE                  -- makes reminder jobs idempotent
);
CREATE INDEX messages_enterprise ON messages (enterprise_id, created_at, id);
CREATE INDEX messages_account ON messages (account_id, created_at, id);

CREATE TABLE announcements (
    id              TEXT PRIMARY KEY,
    level           TEXT NOT NULL,               -- ministry | province
    authority_code  TEXT,                        -- NULL for the ministry
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    author_id       TEXT NOT NULL REFERENCES accounts (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    published_at    BIGINT,
    withdrawn_at    BIGINT,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX announcements_published ON announcements (published_at, id);
CREATE INDEX announcements_authority ON announcements (authority_code, published_at, id);

-- Outgoing SMS and e-mail, written in the same transaction as the action that causes them; a
-- relay delivers them and sets sent_at.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,               -- sms | email
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_pending ON outbox (sent_at, created_at);
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);

-- API layer ------------------------------------------------------------------------------------

CREATE TABLE idempotency (
    account_id      TEXT NOT NULL,
    idem_key        TEXT NOT NULL,
    request_hash    TEXT NOT NULL,               -- SHA-256 of method + path + body
    status          BIGINT NOT NULL,
    response        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);
