-- The base files each planning keeps: the one in service (bases.file_id) and the previous ones ("Autres bases").
-- A file's folder under bases/ is written and synced before its row is committed; folders without a row are
-- leftovers of an interrupted change and are removed when the controller opens.
CREATE TABLE base_files (
    id INTEGER PRIMARY KEY,
    planning_id INTEGER NOT NULL REFERENCES plannings(id) ON DELETE CASCADE,
    folder TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('created', 'uploaded')),
    added_at INTEGER NOT NULL
);
CREATE INDEX base_files_by_planning ON base_files(planning_id, id);
ALTER TABLE bases ADD COLUMN file_id INTEGER REFERENCES base_files(id);
