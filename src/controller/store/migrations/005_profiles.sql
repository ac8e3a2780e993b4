-- profiles of each planning and the users assigned to them (Contrôleur pane, "Affectation dans les profils");
-- every planning's built-in profiles are written by the code that owns the catalogue of authorisations.
CREATE TABLE profiles (
    id INTEGER PRIMARY KEY,
    planning_id INTEGER NOT NULL REFERENCES plannings(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('administration', 'modification', 'consultation')),
    builtin INTEGER NOT NULL DEFAULT 0,
    -- Names from the core's catalogue, space-separated; Administration holds every one, whatever is written here.
    authorisations TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX profiles_name ON profiles(planning_id, name COLLATE NOCASE);
-- At most one profile per user and planning.
CREATE TABLE assignments (
    planning_id INTEGER NOT NULL REFERENCES plannings(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (planning_id, user_id)
);
CREATE INDEX assignments_by_profile ON assignments(profile_id, user_id);
CREATE INDEX assignments_by_user ON assignments(user_id);
