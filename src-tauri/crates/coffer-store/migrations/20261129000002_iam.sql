-- Identity and access: IAM-like principals (users, roles, groups), their inline and
-- managed policies, and access keys for the API. IAM is global: no region column.

CREATE TABLE principals (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('user', 'role', 'group')),
    name             TEXT    NOT NULL,
    path             TEXT    NOT NULL DEFAULT '/',
    arn              TEXT    NOT NULL UNIQUE,
    unique_id        TEXT    NOT NULL UNIQUE,          -- AIDA… / AROA… / AGPA…
    description      TEXT,
    created_at       INTEGER NOT NULL,
    UNIQUE (kind, name)
);

CREATE TABLE principal_tags (
    principal_id     INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    key              TEXT    NOT NULL,
    value            TEXT    NOT NULL,
    PRIMARY KEY (principal_id, key)
);

CREATE TABLE group_members (
    group_id         INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

-- Inline identity policies, owned by one principal.
CREATE TABLE inline_policies (
    principal_id     INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    document         TEXT    NOT NULL,
    PRIMARY KEY (principal_id, name)
);

-- Managed policies: one document, attachable to many principals.
CREATE TABLE managed_policies (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    arn              TEXT    NOT NULL UNIQUE,
    policy_id        TEXT    NOT NULL UNIQUE,          -- ANPA…
    description      TEXT,
    document         TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE policy_attachments (
    policy_id        INTEGER NOT NULL REFERENCES managed_policies (id) ON DELETE CASCADE,
    principal_id     INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    PRIMARY KEY (policy_id, principal_id)
);

-- Access keys: the secret is stored sealed under a key derived from the root key
-- (SigV4 needs the secret itself on the server side, so it cannot be a hash).
CREATE TABLE access_keys (
    access_key_id    TEXT    PRIMARY KEY,
    principal_id     INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    sealed_secret    BLOB    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER,
    last_used_region TEXT,
    last_used_service TEXT
);
CREATE INDEX access_keys_by_principal ON access_keys (principal_id);
