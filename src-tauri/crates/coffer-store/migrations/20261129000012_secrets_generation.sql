-- The secrets generation: like iam_generation, a counter that triggers bump on every change
-- to secrets, their versions, staging labels and tags, and to KMS keys and key material,
-- whoever makes it (this process, or the CLI next to a running server). The engine caches
-- the rows GetSecretValue reads (secret, tags, labels, sealed versions, key rows) under the
-- counter's value, so a read whose generations are unchanged runs no query but the one
-- that reads the counters. Entries hold only what the file holds: sealed values.
CREATE TABLE secrets_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO secrets_generation (id, n) VALUES (1, 0);

CREATE TRIGGER secrets_sg_i AFTER INSERT ON secrets BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER secrets_sg_u AFTER UPDATE ON secrets BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER secrets_sg_d AFTER DELETE ON secrets BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER versions_sg_i AFTER INSERT ON versions BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER versions_sg_u AFTER UPDATE ON versions BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER versions_sg_d AFTER DELETE ON versions BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER staging_labels_sg_i AFTER INSERT ON staging_labels BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER staging_labels_sg_u AFTER UPDATE ON staging_labels BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER staging_labels_sg_d AFTER DELETE ON staging_labels BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER tags_sg_i AFTER INSERT ON tags BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER tags_sg_u AFTER UPDATE ON tags BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER tags_sg_d AFTER DELETE ON tags BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER kms_keys_sg_i AFTER INSERT ON kms_keys BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER kms_keys_sg_u AFTER UPDATE ON kms_keys BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER kms_keys_sg_d AFTER DELETE ON kms_keys BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER kms_key_materials_sg_i AFTER INSERT ON kms_key_materials BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER kms_key_materials_sg_u AFTER UPDATE ON kms_key_materials BEGIN UPDATE secrets_generation SET n = n + 1; END;
CREATE TRIGGER kms_key_materials_sg_d AFTER DELETE ON kms_key_materials BEGIN UPDATE secrets_generation SET n = n + 1; END;
