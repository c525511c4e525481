-- Rotation: each secret's rotation configuration, the persisted state of an in-flight
-- rotation (so a crash between steps resumes at the right step), and the registered
-- custom rotation functions (Coffer's equivalent of Lambda functions).

-- One row per secret whose rotation was ever configured (DescribeSecret shows
-- RotationEnabled only then). RotationLambdaARN and RotationRules stay after
-- CancelRotateSecret, as on AWS.
CREATE TABLE rotation_config (
    secret_id                INTEGER PRIMARY KEY REFERENCES secrets (id) ON DELETE CASCADE,
    enabled                  INTEGER NOT NULL,
    lambda_arn               TEXT,
    automatically_after_days INTEGER,
    duration                 TEXT,
    schedule_expression      TEXT,
    last_rotated_at          INTEGER,
    next_rotation_at         INTEGER,              -- the next window start; NULL = none
    updated_at               INTEGER NOT NULL
);
-- The scheduler's question "what is due next?" is one index seek.
CREATE INDEX rotation_config_due ON rotation_config (next_rotation_at)
    WHERE enabled = 1 AND next_rotation_at IS NOT NULL;

-- At most one rotation in flight per secret: the primary key says so.
CREATE TABLE rotation_jobs (
    secret_id        INTEGER PRIMARY KEY REFERENCES secrets (id) ON DELETE CASCADE,
    token            TEXT    NOT NULL,             -- the AWSPENDING version id
    lambda_arn       TEXT    NOT NULL,
    step             TEXT    NOT NULL,             -- the next step to run
    state            TEXT    NOT NULL CHECK (state IN ('running', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,   -- failed attempts so far
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,                         -- never a secret value
    lease_owner      TEXT,                         -- the process running it now
    lease_until      INTEGER,
    started_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX rotation_jobs_due ON rotation_jobs (next_attempt_at);

-- Custom rotation functions (`coffer lambda create-function`).
CREATE TABLE lambda_functions (
    region           TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    arn              TEXT    NOT NULL UNIQUE,
    command          TEXT    NOT NULL,             -- JSON array: program and arguments
    environment      TEXT    NOT NULL,             -- JSON object
    timeout_ms       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (region, name)
);
