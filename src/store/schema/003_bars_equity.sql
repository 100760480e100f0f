-- Bars kept by the history service (any timeframe), and the account's equity curve.
CREATE TABLE bars (
    symbol      TEXT NOT NULL,
    timeframe   TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    open        TEXT NOT NULL,
    high        TEXT NOT NULL,
    low         TEXT NOT NULL,
    close       TEXT NOT NULL,
    volume      TEXT NOT NULL,
    vwap        TEXT,
    trade_count INTEGER NOT NULL,
    PRIMARY KEY (symbol, timeframe, ts)
);

CREATE TABLE equity_history (
    ts     INTEGER PRIMARY KEY,
    equity TEXT NOT NULL,
    cash   TEXT NOT NULL
);
