-- users of each hosting account (Contrôleur pane)
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    hosting_number TEXT NOT NULL REFERENCES accounts(hosting_number),
    login TEXT NOT NULL,
    -- Lower-case login: "Dupont" and "dupont" are the same person.
    login_key TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    status TEXT NOT NULL CHECK (status IN ('user', 'superadministrator', 'base_administrator')),
    console_access INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    -- argon2id for a password the user chose; sha256 for a generated one (random, 16 characters: no slow hash needed).
    password_hash TEXT NOT NULL,
    -- Folded (lower case, no accents) login, names and e-mail, for search.
    search_key TEXT NOT NULL,
    -- The administrator who created this one (delegated administration).
    parent_id INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (hosting_number, login_key)
);
CREATE INDEX users_by_last_name ON users (hosting_number, last_name COLLATE NOCASE, first_name COLLATE NOCASE);
