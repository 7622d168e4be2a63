-- The hourly quota read every delivery of the past hour for each new one, so
-- its cost grew with the rate it limits. Per-minute totals bound that read to
-- sixty rows; the quota's hour is counted in whole minutes.
CREATE TABLE delivery_minutes (
    party_id TEXT NOT NULL,
    minute INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (party_id, minute)
) STRICT, WITHOUT ROWID;

INSERT INTO delivery_minutes (party_id, minute, blocks, bytes)
    SELECT party_id, at / 60000, count(*), sum(size) FROM deliveries GROUP BY party_id, at / 60000;

-- Only HELLOs are counted one by one now (at most a few per connector a day).
DELETE FROM deliveries WHERE hello = 0;
DROP INDEX deliveries_party;
