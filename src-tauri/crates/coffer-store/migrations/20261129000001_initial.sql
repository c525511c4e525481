-- Coffer's initial schema. Migrations are append-only: never edit an applied file,
-- add a new timestamped one instead.
--
-- Ciphertext columns hold opaque, versioned blobs produced by coffer-crypto; nothing in
-- this database is plaintext secret material. Times are Unix epoch milliseconds (UTC).

-- One row: the store's identity and its sealed root key.
CREATE TABLE store_meta (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    store_id         BLOB    NOT NULL,   -- 16 random bytes, bound into the root-key AAD
    account_id       TEXT    NOT NULL,   -- 12 digits, chosen at init
    default_region   TEXT    NOT NULL,
    kdf_header       BLOB    NOT NULL,   -- Argon2id parameters + salt (coffer-crypto format)
    wrapped_root_key BLOB    NOT NULL,
    created_at       INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);

-- KMS-like named keys. One managed key `aws/secretsmanager` per region is created on demand.
CREATE TABLE kms_keys (
    key_id           TEXT    PRIMARY KEY,          -- UUID
    region           TEXT    NOT NULL,
    arn              TEXT    NOT NULL UNIQUE,
    alias            TEXT,                         -- without the `alias/` prefix
    description      TEXT    NOT NULL DEFAULT '',
    enabled          INTEGER NOT NULL,
    managed          INTEGER NOT NULL,             -- 1 = the AWS-managed default key
    current_material INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    rotated_at       INTEGER
);
CREATE UNIQUE INDEX kms_keys_alias ON kms_keys (region, alias) WHERE alias IS NOT NULL;

-- Key material versions: old ones stay so that old secret versions still decrypt.
CREATE TABLE kms_key_materials (
    key_id           TEXT    NOT NULL REFERENCES kms_keys (key_id),
    material_version INTEGER NOT NULL,
    wrapped_material BLOB    NOT NULL,
    wrap_count       INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (key_id, material_version)
);

CREATE TABLE secrets (
    id               INTEGER PRIMARY KEY,
    region           TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    arn              TEXT    NOT NULL UNIQUE,
    description      TEXT,
    kms_key_id       TEXT,                         -- as the caller gave it; NULL = default key
    key_id           TEXT    NOT NULL REFERENCES kms_keys (key_id),
    secret_type      TEXT,
    owning_service   TEXT,
    resource_policy  TEXT,
    created_at       INTEGER NOT NULL,
    last_changed_at  INTEGER NOT NULL,
    last_accessed_at INTEGER,                      -- truncated to the UTC day
    deleted_at       INTEGER,                      -- when DeleteSecret was called
    deletion_date    INTEGER,                      -- when the purge is due
    UNIQUE (region, name)
);
CREATE INDEX secrets_by_created ON secrets (region, created_at, id);
CREATE INDEX secrets_by_deletion ON secrets (deletion_date) WHERE deletion_date IS NOT NULL;

-- Immutable versions. `ciphertext` is NULL only for a value-less placeholder
-- (the AWSPENDING version RotateSecret creates).
CREATE TABLE versions (
    secret_id        INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    version_id       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    last_accessed_at INTEGER,
    key_id           TEXT,
    material_version INTEGER,
    wrapped_dek      BLOB,
    ciphertext       BLOB,
    PRIMARY KEY (secret_id, version_id)
);
CREATE INDEX versions_by_created ON versions (secret_id, created_at);

-- A staging label sits on at most one version of a secret: the primary key says so.
CREATE TABLE staging_labels (
    secret_id        INTEGER NOT NULL,
    label            TEXT    NOT NULL,
    version_id       TEXT    NOT NULL,
    PRIMARY KEY (secret_id, label),
    FOREIGN KEY (secret_id, version_id) REFERENCES versions (secret_id, version_id) ON DELETE CASCADE
);
CREATE INDEX staging_labels_by_version ON staging_labels (secret_id, version_id);

CREATE TABLE tags (
    secret_id        INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    key              TEXT    NOT NULL,
    value            TEXT    NOT NULL,
    position         INTEGER NOT NULL,
    PRIMARY KEY (secret_id, key)
);

-- The tamper-evident audit log. mac = HMAC(audit key, prev_mac || canonical(row)).
CREATE TABLE audit_events (
    seq              INTEGER PRIMARY KEY,
    time             INTEGER NOT NULL,
    request_id       TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    principal        TEXT    NOT NULL,
    access_key_id    TEXT,
    action           TEXT    NOT NULL,
    region           TEXT,
    resource_arn     TEXT,
    version_id       TEXT,
    decision         TEXT    NOT NULL,
    reason           TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    error_code       TEXT,
    client_addr      TEXT,
    details          TEXT    NOT NULL,
    prev_mac         BLOB    NOT NULL,
    mac              BLOB    NOT NULL
);
CREATE INDEX audit_by_time ON audit_events (time);
CREATE INDEX audit_by_resource ON audit_events (resource_arn);
