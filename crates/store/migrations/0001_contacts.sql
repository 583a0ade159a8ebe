-- Contacts, companies and their numbers; call history; settings.
-- Times are UTC ISO-8601 text.

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    -- lower-case, accent-folded name: one company per key
    name_key    TEXT NOT NULL UNIQUE
);

CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER REFERENCES companies(id) ON DELETE SET NULL,
    display_name  TEXT NOT NULL,
    given_name    TEXT NOT NULL DEFAULT '',
    family_name   TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT '',
    -- lower-case, accent-folded name, company and email, for search
    search_text   TEXT NOT NULL,
    -- name, company and numbers: the same person imported twice is one contact
    dedup_key     TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX contacts_company ON contacts(company_id);

-- Substring search on names, companies and e-mails: a trigram index over search_text,
-- kept in step with contacts by the triggers below.
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    search_text, content = 'contacts', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
    INSERT INTO contacts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE INDEX contacts_name ON contacts(display_name COLLATE NOCASE);

CREATE TABLE phone_numbers (
    id            INTEGER PRIMARY KEY,
    contact_id    INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
    company_id    INTEGER REFERENCES companies(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('work', 'mobile', 'home', 'fax', 'switchboard', 'range')),
    -- as entered
    raw           TEXT NOT NULL,
    -- E.164 (+33123456789); NULL for ranges and numbers the dial plan cannot read
    e164          TEXT,
    -- the digits reversed: "same last N digits" is a prefix search on this index
    tail_key      TEXT,
    -- for kind 'range': the E.164 digits every number of the range starts with
    range_prefix  TEXT,
    CHECK ((contact_id IS NULL) <> (company_id IS NULL)),
    CHECK ((kind = 'range') = (range_prefix IS NOT NULL))
);
-- Partial indexes: each holds only the rows it can find, so bulk imports write less.
CREATE INDEX phone_numbers_e164 ON phone_numbers(e164) WHERE e164 IS NOT NULL;
CREATE INDEX phone_numbers_tail ON phone_numbers(tail_key) WHERE tail_key IS NOT NULL;
CREATE INDEX phone_numbers_range ON phone_numbers(range_prefix) WHERE range_prefix IS NOT NULL;
CREATE INDEX phone_numbers_contact ON phone_numbers(contact_id) WHERE contact_id IS NOT NULL;
CREATE UNIQUE INDEX phone_numbers_company ON phone_numbers(company_id, kind, raw)
    WHERE company_id IS NOT NULL;

CREATE TABLE call_history (
    id            INTEGER PRIMARY KEY,
    direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    remote_raw    TEXT NOT NULL,
    remote_e164   TEXT,
    contact_id    INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    started_at    TEXT NOT NULL,
    answered_at   TEXT,
    ended_at      TEXT,
    end_reason    TEXT,
    disposition   TEXT,
    notes         TEXT NOT NULL DEFAULT '',
    recording     TEXT
);
CREATE INDEX call_history_started ON call_history(started_at);
CREATE INDEX call_history_contact ON call_history(contact_id);
CREATE INDEX call_history_e164 ON call_history(remote_e164);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
