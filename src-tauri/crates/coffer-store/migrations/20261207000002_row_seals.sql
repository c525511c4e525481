-- Integrity seals over the rows that decide who may do what (see `src/seals.rs`): one MAC
-- per unit (the identity tables, a secret's settings, a KMS key, a rotation function),
-- under a key derived from the root key. Rows written before this migration have no seal:
-- the marker asks the engine to seal them all on the first unseal, and that is audited.
CREATE TABLE row_seals (
    unit             TEXT    PRIMARY KEY,
    mac              BLOB    NOT NULL
);
INSERT INTO row_seals (unit, mac) VALUES ('pending-upgrade', X'');
