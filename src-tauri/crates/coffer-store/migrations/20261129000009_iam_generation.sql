-- A counter that every change to identities, policies, group memberships or access keys
-- bumps, maintained by triggers so that no code path (and no other process sharing the
-- file: the CLI next to a running server) can forget it. An engine caches what it derives
-- from these tables (callers with parsed policies, unsealed access-key secrets) under the
-- counter's value and reads the counter in the same snapshot as the request: a cache entry
-- is used only when nothing has changed since it was built.
CREATE TABLE iam_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO iam_generation (id, n) VALUES (1, 0);

CREATE TRIGGER principals_changed_i AFTER INSERT ON principals BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER principals_changed_u AFTER UPDATE ON principals BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER principals_changed_d AFTER DELETE ON principals BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER principal_tags_changed_i AFTER INSERT ON principal_tags BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER principal_tags_changed_u AFTER UPDATE ON principal_tags BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER principal_tags_changed_d AFTER DELETE ON principal_tags BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER group_members_changed_i AFTER INSERT ON group_members BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER group_members_changed_d AFTER DELETE ON group_members BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER inline_policies_changed_i AFTER INSERT ON inline_policies BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER inline_policies_changed_u AFTER UPDATE ON inline_policies BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER inline_policies_changed_d AFTER DELETE ON inline_policies BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER managed_policies_changed_i AFTER INSERT ON managed_policies BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER managed_policies_changed_u AFTER UPDATE ON managed_policies BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER managed_policies_changed_d AFTER DELETE ON managed_policies BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER policy_attachments_changed_i AFTER INSERT ON policy_attachments BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER policy_attachments_changed_d AFTER DELETE ON policy_attachments BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER access_keys_changed_i AFTER INSERT ON access_keys BEGIN UPDATE iam_generation SET n = n + 1; END;
-- "Last used" bookkeeping is not a change of access: only these columns count.
CREATE TRIGGER access_keys_changed_u AFTER UPDATE OF principal_id, sealed_secret, status ON access_keys BEGIN UPDATE iam_generation SET n = n + 1; END;
CREATE TRIGGER access_keys_changed_d AFTER DELETE ON access_keys BEGIN UPDATE iam_generation SET n = n + 1; END;
