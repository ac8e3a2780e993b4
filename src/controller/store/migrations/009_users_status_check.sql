-- users: the status check written as comparisons. `status IN (…)` makes SQLite build a small table at every execution
-- of an INSERT: a third of the writes of a 10,000-user import. SQLite cannot change a check in place: the table is
-- rebuilt (foreign keys are off during migrations and checked before each one commits).
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY,
    hosting_number TEXT NOT NULL REFERENCES accounts(hosting_number),
    login TEXT NOT NULL,
    login_key TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    status TEXT NOT NULL CHECK (status = 'user' OR status = 'superadministrator' OR status = 'base_administrator'),
    console_access INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT NOT NULL,
    search_key TEXT NOT NULL,
    parent_id INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    console_panes TEXT NOT NULL DEFAULT '',
    console_every_planning INTEGER NOT NULL DEFAULT 1,
    UNIQUE (hosting_number, login_key)
);
INSERT INTO users_new (id, hosting_number, login, login_key, first_name, last_name, email, status, console_access,
                       disabled, must_change_password, password_hash, search_key, parent_id, created_at, console_panes,
                       console_every_planning)
    SELECT id, hosting_number, login, login_key, first_name, last_name, email, status, console_access, disabled,
           must_change_password, password_hash, search_key, parent_id, created_at, console_panes, console_every_planning
    FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_by_last_name ON users (hosting_number, last_name COLLATE NOCASE, first_name COLLATE NOCASE);
CREATE INDEX users_by_parent ON users(parent_id) WHERE parent_id IS NOT NULL;
