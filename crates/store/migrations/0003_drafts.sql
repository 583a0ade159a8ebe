-- What the agent has typed in the window and not saved yet (a contact form, the notes of a
-- call), written as it is typed so that a killed or crashed window loses none of it.
CREATE TABLE drafts (
    key TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL,
    saved_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
