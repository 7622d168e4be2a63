-- Connectors, their members, the items delivered through them, and the
-- delivery log the limits count. Times are Unix milliseconds (UTC).

CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('p2p', 'group')),
    -- p2p only: the two parties in byte order, so that a pair can hold at
    -- most one p2p connector whoever requested it (NULLs never collide).
    pair_low TEXT REFERENCES parties(id),
    pair_high TEXT REFERENCES parties(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (pair_low, pair_high),
    CHECK ((kind = 'p2p') = (pair_low IS NOT NULL AND pair_high IS NOT NULL))
) STRICT;

-- A p2p connector's two rows share one state: the recipient's answer.
-- `blocked` lies over the state rather than replacing it, so unblocking
-- restores what was there and others never see it.
CREATE TABLE members (
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    party_id TEXT NOT NULL REFERENCES parties(id),
    role TEXT NOT NULL CHECK (role IN ('originator', 'recipient', 'owner', 'member')),
    state TEXT NOT NULL CHECK (state IN ('waiting', 'accepted', 'left', 'removed')),
    blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    -- When the member last became accepted: a departing owner hands the
    -- group to the member accepted longest.
    accepted_at INTEGER,
    -- When this member last blocked or unblocked: its own view changed, the
    -- connector (as others see it) did not.
    own_updated_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (connector_id, party_id)
) STRICT;
CREATE INDEX members_party ON members (party_id);

CREATE TABLE items (
    id TEXT PRIMARY KEY,
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    author_party_id TEXT NOT NULL REFERENCES parties(id),
    author_device_id TEXT NOT NULL,
    client_id BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    data BLOB NOT NULL,
    -- A retried delivery finds the item it already stored.
    UNIQUE (connector_id, author_party_id, client_id)
) STRICT;
CREATE INDEX items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;

-- One row per stored delivery, kept a day. The HELLO count and the hourly
-- quota count deliveries, not items, so deleting items gives nothing back.
CREATE TABLE deliveries (
    party_id TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    hello INTEGER NOT NULL CHECK (hello IN (0, 1)),
    size INTEGER NOT NULL,
    at INTEGER NOT NULL
) STRICT;
CREATE INDEX deliveries_party ON deliveries (party_id, at);
CREATE INDEX deliveries_hello ON deliveries (connector_id, at) WHERE hello = 1;

-- Who may see an item is who got an `item` change for it: deleting or
-- expiring it tells exactly those parties.
CREATE INDEX changes_item ON changes (ref_id) WHERE kind = 'item';
