-- How an advanced order's parts are tied, so that they work as one again after a restart: a
-- bracket's or oto's exit legs name their entry (parent_id), and each of two one-cancels-other
-- orders names the other (oco_peer_id; a bracket's legs, an oco pair). Null for simple orders.
ALTER TABLE orders ADD COLUMN parent_id TEXT;
ALTER TABLE orders ADD COLUMN oco_peer_id TEXT;
