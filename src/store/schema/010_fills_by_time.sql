-- Fills by the time they happened (GET /fills: after, until, newest first, and pages that go on
-- from a fill's execution id). Fills arrive in time order, so each insert adds at the index's end.
CREATE INDEX fills_by_time ON fills (ts_event, execution_id);
