-- accounts, devices, sessions, history
CREATE TABLE accounts (
    hosting_number TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    invoice_hash TEXT NOT NULL,
    plannings_quota INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    licence_version INTEGER,
    licence_accepted_at INTEGER,
    licence_accepted_by TEXT
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    hosting_number TEXT NOT NULL REFERENCES accounts(hosting_number),
    cert_sha256 TEXT NOT NULL,
    label TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    hosting_number TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    hosting_number TEXT,
    actor TEXT NOT NULL,
    device_id TEXT,
    peer TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX history_by_account ON history(hosting_number, at);
