-- The agent's working states, one row per change, kept for the statistics (time per state);
-- and how long each call was on hold.
CREATE TABLE agent_states (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    presence TEXT NOT NULL
        CHECK (presence IN ('ready', 'not_ready', 'wrap_up', 'do_not_disturb', 'offline')),
    reason TEXT,
    cause TEXT NOT NULL
        CHECK (cause IN ('agent', 'call_ended', 'wrap_up_expired', 'start', 'stop'))
);
CREATE INDEX agent_states_at ON agent_states(at);
ALTER TABLE call_history ADD COLUMN held_ms INTEGER NOT NULL DEFAULT 0;
