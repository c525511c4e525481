-- RotateSecret with RotateImmediately=false tests the configuration instead of rotating:
-- AWS "creates an AWSPENDING version and then removes it", running only testSecret. Such a
-- job is a trial: one testSecret on a copy of the current value, never retried.
ALTER TABLE rotation_jobs ADD COLUMN trial INTEGER NOT NULL DEFAULT 0;
