-- One index fewer for every order's insert and each of its state changes to keep up to date.
-- Open orders have their own partial index (005); closed ones, most orders, are read in order of
-- creation (orders_by_created), which a status index would not help with.
DROP INDEX IF EXISTS orders_by_status;
