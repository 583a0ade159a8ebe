-- The agent's working states, one row per change, kept for the statistics (time per state).
CREATE TABLE agent_states (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    presence TEXT NOT NULL
        CHECK (presence IN ('ready', 'not_ready', 'wrap_up', 'do_not_disturb', 'offline')),
    reason TEXT,
    cause TEXT NOT NULL CHECK (cause IN ('agent', 'call_ended', 'wrap_up_expired', 'start'))
);
CREATE INDEX agent_states_at ON agent_states(at);
