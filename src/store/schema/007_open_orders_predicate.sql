-- The open-orders index again, with its predicate as five comparisons instead of NOT IN (...):
-- SQLite evaluates a NOT IN list in a partial index's predicate by building a temporary b-tree of
-- the list, on every insert and twice on every update of an order (a third of the order writer's
-- time). Queries for open orders use this same text (store/rows.hpp kOpenOrderPredicate), so
-- that both SQLite and PostgreSQL see that the index answers them.
DROP INDEX IF EXISTS orders_open_by_created;
CREATE INDEX orders_open_by_created ON orders (created_at)
    WHERE status <> 'filled' AND status <> 'canceled' AND status <> 'expired'
      AND status <> 'replaced' AND status <> 'rejected';
