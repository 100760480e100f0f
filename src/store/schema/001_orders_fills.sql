-- Orders and fills. Decimals are exact decimal text; times are int64 nanoseconds UTC.
CREATE TABLE orders (
    id                TEXT PRIMARY KEY,
    client_order_id   TEXT NOT NULL UNIQUE,
    strategy          TEXT NOT NULL,
    symbol            TEXT NOT NULL,
    side              TEXT NOT NULL,
    type              TEXT NOT NULL,
    time_in_force     TEXT NOT NULL,
    order_class       TEXT NOT NULL,
    qty               TEXT,
    notional          TEXT,
    limit_price       TEXT,
    stop_price        TEXT,
    trail_price       TEXT,
    trail_percent     TEXT,
    take_profit_limit TEXT,
    stop_loss_stop    TEXT,
    stop_loss_limit   TEXT,
    extended_hours    INTEGER NOT NULL,
    status            TEXT NOT NULL,
    filled_qty        TEXT NOT NULL,
    filled_notional   TEXT NOT NULL,
    commission        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    submitted_at      INTEGER,
    filled_at         INTEGER,
    canceled_at       INTEGER,
    expired_at        INTEGER,
    failed_at         INTEGER,
    replaced_at       INTEGER,
    replaced_by       TEXT
);
CREATE INDEX orders_by_status ON orders (status);

CREATE TABLE fills (
    execution_id TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    symbol       TEXT NOT NULL,
    side         TEXT NOT NULL,
    qty          TEXT NOT NULL,
    price        TEXT NOT NULL,
    commission   TEXT NOT NULL,
    ts_event     INTEGER NOT NULL,
    ts_init      INTEGER NOT NULL
);
CREATE INDEX fills_by_order ON fills (order_id);
