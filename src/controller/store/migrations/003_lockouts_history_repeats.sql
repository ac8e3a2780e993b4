-- Lock-out counters apart from accounts, so that unknown hosting numbers get the same answers as known ones and an
-- enrolled device keeps its own counter ('account:<hosting number>' or 'device:<id>'); repeated history lines folded
-- into one with a count.
CREATE TABLE lockouts (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO lockouts (key, failures, locked_until, updated_at)
    SELECT 'account:' || hosting_number, failures, locked_until, created_at FROM accounts
    WHERE failures > 0 OR locked_until > 0;
ALTER TABLE history ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
ALTER TABLE history ADD COLUMN last_at INTEGER;
CREATE INDEX history_by_time ON history(at);
CREATE INDEX plannings_by_domain ON plannings(domain);
CREATE INDEX accounts_by_controller_domain ON accounts(controller_domain);
CREATE INDEX sessions_by_account ON sessions(hosting_number);
