-- The outbox: events written in the same transaction as the change they describe (an order's
-- new state, a fill), published to the bus after the commit and removed once the bus has them.
-- A crash between commit and publish loses nothing: what is left here is published on restart.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL,
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
