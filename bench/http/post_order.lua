-- wrk: POST /orders as fast as the connections go (market buys of 1 share).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MERIDIAN_KEY")
wrk.body = '{"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day"}'
