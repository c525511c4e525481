-- Which root key the store's rows are encrypted and sealed under: a re-key (a new root
-- key) bumps it in the transaction that re-encrypts everything. An engine remembers the
-- value it unsealed, so a snapshot read under other keys (a re-key committed a moment
-- ago, here or in another process) is noticed before anything is decrypted or verified.
ALTER TABLE store_meta ADD COLUMN root_generation INTEGER NOT NULL DEFAULT 1;
