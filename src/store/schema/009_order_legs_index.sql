-- An advanced order's legs by their entry, for Alpaca's nested=true (GET /orders/{id} and the
-- listing roll legs into their entry's "legs"). Partial: simple orders, most of them, have no
-- parent and cost this index nothing.
CREATE INDEX orders_by_parent ON orders (parent_id) WHERE parent_id IS NOT NULL;
