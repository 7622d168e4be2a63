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

-- A party's tokens. A confirmed token belongs to one party at a time; an
-- address waiting for its code may be claimed by several.
CREATE TABLE tokens (
    party_id TEXT NOT NULL REFERENCES parties (id),
    token BLOB NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('nick', 'email', 'phone')),
    searchable INTEGER NOT NULL DEFAULT 0 CHECK (searchable IN (0, 1)),
    confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    -- What `searchable` becomes when an address is confirmed.
    searchable_on_confirm INTEGER NOT NULL DEFAULT 0 CHECK (searchable_on_confirm IN (0, 1)),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (party_id, token),
    CHECK (kind <> 'nick' OR confirmed = 1)
) STRICT;
CREATE UNIQUE INDEX tokens_holder ON tokens (token) WHERE confirmed = 1;

-- Removed nicks: until `until` nobody but their former owner may take them.
CREATE TABLE quarantine (
    token BLOB PRIMARY KEY,
    party_id TEXT NOT NULL REFERENCES parties (id),
    until INTEGER NOT NULL
) STRICT;

-- When a party removed a nick: at most so many removals in 30 days.
CREATE TABLE nick_removals (
    party_id TEXT NOT NULL REFERENCES parties (id),
    at INTEGER NOT NULL
) STRICT;
CREATE INDEX nick_removals_party ON nick_removals (party_id, at);

-- One-time codes sent to an address: to confirm it for a party, or to
-- recover the party that holds it. Only a hash of the code is kept.
CREATE TABLE codes (
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'recover')),
    party_id TEXT NOT NULL REFERENCES parties (id),
    token BLOB NOT NULL,
    code_hash BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    tries_left INTEGER NOT NULL,
    PRIMARY KEY (purpose, party_id, token)
) STRICT;
