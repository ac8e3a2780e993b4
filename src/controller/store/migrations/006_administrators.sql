-- administrators' own console login: the devices and sessions of a user, the scope of its console access, and who
-- acted in the history.
-- No foreign key: a deleted administrator's devices stay listed, revoked, never handed to anyone else.
ALTER TABLE devices ADD COLUMN user_id INTEGER;
ALTER TABLE sessions ADD COLUMN user_id INTEGER;
CREATE INDEX devices_by_user ON devices(user_id) WHERE user_id IS NOT NULL;
CREATE INDEX sessions_by_user ON sessions(user_id) WHERE user_id IS NOT NULL;
-- Panes, space-separated (configuration plannings controller history); every planning unless listed below.
ALTER TABLE users ADD COLUMN console_panes TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN console_every_planning INTEGER NOT NULL DEFAULT 1;
CREATE TABLE console_plannings (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    planning_id INTEGER NOT NULL REFERENCES plannings(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, planning_id)
);
CREATE INDEX users_by_parent ON users(parent_id) WHERE parent_id IS NOT NULL;
UPDATE users SET console_panes = 'configuration plannings controller history'
    WHERE console_access AND status = 'superadministrator';
UPDATE users SET console_panes = 'plannings history' WHERE console_access AND status = 'base_administrator';
ALTER TABLE history ADD COLUMN login TEXT;
