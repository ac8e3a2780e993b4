-- Placements a grid change could not keep: where and when they were, in the calendar and the clock (not in steps,
-- which belong to one grid), so a later grid that has room for them places them again.
CREATE TABLE unplaced (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    start TEXT NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes > 0)
) STRICT;
CREATE INDEX unplaced_by_course ON unplaced(course_id);
