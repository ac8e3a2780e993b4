-- "Charger une base": a .HHYP being sent in chunks. Its bytes are in uploads/<id>.part (the file's length is the
-- offset to resume from); the row says what the whole file must be. Finishing puts the base in service and deletes
-- the row in one transaction; base_files.upload_id then answers a finish sent again after a lost answer.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    planning_id INTEGER NOT NULL REFERENCES plannings(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size > 0),
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX uploads_by_planning ON uploads(planning_id);
ALTER TABLE base_files ADD COLUMN upload_id TEXT;
