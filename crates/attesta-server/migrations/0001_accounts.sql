-- Parties, their devices (one session each), and the change log that `sync`
-- reads. Times are Unix seconds (UTC).

CREATE TABLE parties (
    id TEXT PRIMARY KEY,
    salt BLOB NOT NULL,
    kdf TEXT NOT NULL,
    -- The Argon2id PHC string of the client's auth_key, never the key.
    auth_hash TEXT NOT NULL,
    keyring BLOB NOT NULL,
    public_keys TEXT NOT NULL,
    keys_version INTEGER NOT NULL,
    account_data BLOB NOT NULL DEFAULT x'',
    account_data_version INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    party_id TEXT NOT NULL REFERENCES parties (id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- SHA-256 of the session: a copy of the database opens no sessions.
    session_hash BLOB UNIQUE,
    -- Set when the device logged out or was revoked: its session is over.
    ended_at INTEGER
) STRICT;
CREATE INDEX devices_party ON devices (party_id);

-- Every change a party would sync, in order; `seq` is the sync cursor.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    party_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('party', 'connector', 'item', 'removed')),
    ref_id TEXT
) STRICT;
CREATE INDEX changes_party ON changes (party_id, seq);
