-- the account's controller coordinates and licence seats; plannings; allocated ports; bases in service
ALTER TABLE accounts ADD COLUMN controller_domain TEXT;
ALTER TABLE accounts ADD COLUMN controller_port INTEGER;
ALTER TABLE accounts ADD COLUMN controller_active INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN seats_modification INTEGER NOT NULL DEFAULT 10;
ALTER TABLE accounts ADD COLUMN seats_consultation INTEGER NOT NULL DEFAULT 100;
CREATE TABLE plannings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hosting_number TEXT NOT NULL REFERENCES accounts(hosting_number),
    name TEXT NOT NULL,
    domain TEXT,
    port INTEGER,
    time_zone TEXT NOT NULL DEFAULT 'Europe/Paris',
    web_publication INTEGER NOT NULL DEFAULT 1,
    publication_name TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    seats_modification INTEGER NOT NULL DEFAULT 0,
    seats_consultation INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'no_base',
    status_changed_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX plannings_name ON plannings(hosting_number, name COLLATE NOCASE);
CREATE UNIQUE INDEX plannings_domain ON plannings(hosting_number, domain);
CREATE TABLE ports (
    port INTEGER PRIMARY KEY,
    hosting_number TEXT NOT NULL REFERENCES accounts(hosting_number),
    owner TEXT NOT NULL
);
CREATE TABLE bases (
    planning_id INTEGER PRIMARY KEY REFERENCES plannings(id),
    name TEXT NOT NULL,
    in_service_at INTEGER NOT NULL
);
INSERT INTO plannings (hosting_number, name, status_changed_at, created_at)
    SELECT hosting_number, 'planning01', created_at, created_at FROM accounts;
