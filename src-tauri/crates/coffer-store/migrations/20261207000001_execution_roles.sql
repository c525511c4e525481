-- Rotation functions run under an execution role, as an AWS rotation Lambda does: every
-- read and write a rotator makes passes the enforcement point as that role. A function is
-- either a command (`command`) or one of Coffer's built-in rotators deployed under a role
-- of the caller's choosing (`template`, the built-in's name; `command` is then '[]').
-- Functions registered before this migration have no role and must be re-created with one.
ALTER TABLE lambda_functions ADD COLUMN role_arn TEXT;
ALTER TABLE lambda_functions ADD COLUMN template TEXT;
-- A secret rotated by a built-in rotator named directly (not deployed as a function) acts
-- under a role Coffer makes for that secret alone; this is its ARN.
ALTER TABLE rotation_config ADD COLUMN role_arn TEXT;
