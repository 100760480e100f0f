-- The order a replacement (PATCH /orders/{id}) took the place of, as Alpaca's `replaces`; the
-- old order names its replacement in replaced_by. Null for every other order.
ALTER TABLE orders ADD COLUMN replaces TEXT;
