-- Videotermin schema, version 1.
-- Timestamps are whole seconds since 1970 UTC. Personal data of citizens lives only in
-- `appointments` (and, by reference, in consent_records, mail_jobs and audit_log rows that point
-- at an appointment); deleting the appointment deletes them all (ON DELETE CASCADE).

CREATE TABLE advisors (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('advisor', 'admin')),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at INTEGER NOT NULL
);

CREATE TABLE advisor_sessions (
    token_hash TEXT PRIMARY KEY,
    advisor_id INTEGER NOT NULL REFERENCES advisors(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX advisor_sessions_advisor ON advisor_sessions(advisor_id);

CREATE TABLE appointments (
    id INTEGER PRIMARY KEY,
    advisor_id INTEGER NOT NULL REFERENCES advisors(id),
    state TEXT NOT NULL CHECK (state IN ('scheduled', 'cancelled')),
    topic TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
    client_name TEXT NOT NULL,
    client_email TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('de', 'en')),
    token_hash TEXT UNIQUE,            -- SHA-256 of the access token; NULL while no link is valid
    revision INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX appointments_advisor_start ON appointments(advisor_id, starts_at);
CREATE INDEX appointments_ends ON appointments(ends_at);

CREATE TABLE mail_jobs (
    id INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'rescheduled', 'cancelled')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    outbox_file TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX mail_jobs_due ON mail_jobs(state, next_attempt_at);
CREATE INDEX mail_jobs_appointment ON mail_jobs(appointment_id);

CREATE TABLE consent_records (
    id INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    notice_version TEXT NOT NULL,
    session_hash TEXT NOT NULL UNIQUE,  -- SHA-256 of the consent cookie of this visit
    given_at INTEGER NOT NULL,
    withdrawn_at INTEGER
);
CREATE INDEX consent_records_appointment ON consent_records(appointment_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    advisor_id INTEGER REFERENCES advisors(id) ON DELETE SET NULL,
    appointment_id INTEGER REFERENCES appointments(id) ON DELETE CASCADE,
    address TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_appointment ON audit_log(appointment_id);
