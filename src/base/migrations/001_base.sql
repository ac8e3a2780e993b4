-- Base format v1: what the base is, its time grid, its timetable.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE grid (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    first_monday TEXT NOT NULL,
    last_sunday TEXT NOT NULL,
    working_days TEXT NOT NULL,
    sequences_per_day INTEGER NOT NULL,
    first_start TEXT NOT NULL,
    sequence_minutes INTEGER NOT NULL,
    steps_per_sequence INTEGER NOT NULL
) STRICT;
CREATE TABLE teachers (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    last_name TEXT NOT NULL,
    first_name TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    capacity INTEGER CHECK (capacity >= 0)
) STRICT;
CREATE TABLE student_groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
) STRICT;
CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    teacher_id INTEGER REFERENCES teachers(id),
    group_id INTEGER REFERENCES student_groups(id),
    room_id INTEGER REFERENCES rooms(id),
    steps INTEGER NOT NULL CHECK (steps > 0)
) STRICT;
CREATE TABLE placements (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    week INTEGER NOT NULL CHECK (week > 0),
    day INTEGER NOT NULL CHECK (day BETWEEN 1 AND 7),
    step INTEGER NOT NULL CHECK (step > 0)
) STRICT;
CREATE INDEX placements_by_course ON placements(course_id);
CREATE INDEX placements_by_week ON placements(week, day, step);
