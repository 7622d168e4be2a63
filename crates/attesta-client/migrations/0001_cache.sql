-- The local cache of one device. Times are Unix milliseconds (UTC) so that
-- ordering and expiry are integer comparisons.

-- The account this profile is logged in to: one row at most.
CREATE TABLE account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    server TEXT NOT NULL,
    party_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    session TEXT NOT NULL,
    -- the private party keys (all versions): the keyring sealed as on the
    -- server, with the key and salt that open it (this device holds them
    -- as it holds its session)
    keyring BLOB NOT NULL,
    keyring_key BLOB NOT NULL,
    keyring_salt BLOB NOT NULL,
    -- the password derivation parameters (JSON), for a password change
    kdf TEXT NOT NULL,
    -- the party's current public keys, JSON as on the wire
    public_keys TEXT NOT NULL,
    -- the opaque sync cursor; NULL before the first sync
    sync_cursor TEXT,
    account_data_version INTEGER NOT NULL DEFAULT 0
) STRICT;

-- The account's tokens with the plain values only this party knows.
CREATE TABLE own_tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('nick', 'email', 'phone')),
    value TEXT,
    searchable INTEGER NOT NULL DEFAULT 0,
    confirmed INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

-- Connectors as this party sees them; `block` is the last synced JSON.
CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('p2p', 'group')),
    state TEXT NOT NULL CHECK (state IN ('waiting', 'accepted', 'blocked', 'left', 'removed')),
    role TEXT NOT NULL CHECK (role IN ('originator', 'recipient', 'owner', 'member')),
    peer_party_id TEXT,
    -- a group's name, from its invitation or its creator
    name TEXT,
    -- disappearing messages: seconds a sent message lives, NULL for ever
    expire_seconds INTEGER,
    -- groups owned here: the departed members (sorted, comma-separated) a
    -- new epoch has already answered
    departures TEXT,
    block TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX connectors_by_peer ON connectors (peer_party_id);

-- What other parties told about themselves in HELLOs and profile blocks.
CREATE TABLE profiles (
    party_id TEXT PRIMARY KEY,
    display_name TEXT,
    nick TEXT,
    updated_at INTEGER NOT NULL
) STRICT;

-- Peer keys, every version seen. The first keys of a party are pinned on
-- sight; keys seen later are `pending` (the conversation shows a warning)
-- until the user accepts them. Blocks open only with pinned keys.
CREATE TABLE peer_keys (
    party_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    public_keys TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pinned', 'pending')),
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (party_id, version, status)
) STRICT;

-- "Safety number verified": the signing key the user compared. It stays
-- verified only while that key is the pinned current one.
CREATE TABLE verified_keys (
    party_id TEXT PRIMARY KEY,
    sign BLOB NOT NULL
) STRICT;

-- Items that could not be opened for lack of a key (a group key not yet
-- received, a peer key change not yet accepted): kept whole and opened
-- again when the key arrives. Until then their message shows as "could not
-- be verified".
CREATE TABLE held_items (
    item_id TEXT PRIMARY KEY,
    connector_id TEXT NOT NULL,
    item TEXT NOT NULL
) STRICT;

-- A waiting HELLO, one per connector it invites to (the latest wins).
CREATE TABLE invitations (
    connector_id TEXT PRIMARY KEY,
    -- the connector the HELLO came over (the group invitation's p2p connector)
    via_connector_id TEXT NOT NULL,
    from_party_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    display_name TEXT,
    nick TEXT,
    message TEXT,
    -- what the sender searched with, as the HELLO says
    searched TEXT,
    group_name TEXT,
    received_at INTEGER NOT NULL,
    signed INTEGER NOT NULL,
    nick_check TEXT NOT NULL CHECK (nick_check IN ('checked', 'not_checked', 'mismatch'))
) STRICT;

-- Group keys, one per epoch, so old messages stay readable. A key may come
-- (in a group invitation) before its connector does.
CREATE TABLE group_keys (
    connector_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    key BLOB NOT NULL,
    PRIMARY KEY (connector_id, epoch)
) STRICT;

-- Messages. `id` is the local tie-breaker of the (sent_at, id) keyset order.
-- A block that could not be opened gets a random local msg_id: nobody can
-- refer to it, and `item_id` keeps it from being stored twice.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    msg_id BLOB NOT NULL UNIQUE,
    item_id TEXT UNIQUE,
    conversation TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    from_me INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'unsupported', 'unreadable')),
    body TEXT,
    sent_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    signed INTEGER NOT NULL,
    edited INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    reply_to BLOB,
    expires_at INTEGER,
    unread INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX messages_by_conversation ON messages (conversation, sent_at, id);
CREATE INDEX messages_by_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX messages_unread ON messages (conversation) WHERE unread = 1;

-- Every block id seen (messages, edits, deletes, keys): a second block with
-- the same msg_id is a replay and is dropped.
CREATE TABLE seen_blocks (
    msg_id BLOB PRIMARY KEY,
    item_id TEXT NOT NULL
) STRICT;

-- Deliveries waiting to go out. `client_id` is fixed when queued, so a retry
-- after a lost answer cannot duplicate the item.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    connector_id TEXT NOT NULL,
    client_id BLOB NOT NULL UNIQUE,
    data BLOB NOT NULL,
    expires_at INTEGER,
    -- the message this delivery carries, when it is one
    msg_id BLOB,
    state TEXT NOT NULL CHECK (state IN ('queued', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL
) STRICT;

-- Local settings and account-wide settings kept in account_data.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
