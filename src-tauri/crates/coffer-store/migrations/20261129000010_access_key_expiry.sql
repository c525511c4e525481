-- Access keys that stop authenticating at a given time (ms since the epoch): the
-- credentials Coffer mints for one step of a custom rotator. NULL = no expiry (keys made
-- with CreateAccessKey). The generation trigger on `status` does not need to see this
-- column: a key's expiry is set once, when it is inserted.
ALTER TABLE access_keys ADD COLUMN expires_at INTEGER;
CREATE INDEX access_keys_by_expiry ON access_keys (expires_at) WHERE expires_at IS NOT NULL;
