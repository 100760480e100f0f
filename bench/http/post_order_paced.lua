-- wrk: POST /orders, each connection waiting PACE_MS after each answer before its next request
-- (12 connections x 10 ms is about 1,000 orders/s at 2 ms an answer), for latency at a set rate
-- rather than at saturation.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MERIDIAN_KEY")
wrk.body = '{"symbol":"MSFT","qty":"1","side":"buy","type":"market","time_in_force":"day"}'
local pace = tonumber(os.getenv("PACE_MS") or "10")
function delay()
    return pace
end
