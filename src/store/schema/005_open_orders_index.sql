-- Open orders by creation time: the default listing (GET /orders, status=open) and the restart's
-- open_orders() read these few rows instead of walking every order ever placed. The predicate
-- is the queries' own text (store/rows.hpp kFinalStatuses), so both SQLite and PostgreSQL use it.
CREATE INDEX orders_open_by_created ON orders (created_at)
    WHERE status NOT IN ('filled', 'canceled', 'expired', 'replaced', 'rejected');
