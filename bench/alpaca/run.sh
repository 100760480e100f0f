#!/usr/bin/env bash
# POST /orders through the Alpaca broker against the fake Alpaca on loopback: the adapter's own
# cost (store, REST to "Alpaca", the answer), sequential orders, Alpaca's budget lifted.
# usage: bench/alpaca/run.sh [ORDERS]   (Release build: build/release/bin)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-500}
BIN=build/release/bin
DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$DIR"' EXIT
"$BIN/fake-alpaca" --rate-limit 1000000 > "$DIR/fake.log" &
for _ in $(seq 50); do grep -q export "$DIR/fake.log" 2>/dev/null && break; sleep 0.1; done
eval "$(grep export "$DIR/fake.log")"
export MERIDIAN_ALPACA_DATA_AROUND_THE_CLOCK=true MERIDIAN_ALPACA_RATE_LIMIT=100000
"$BIN/meridian" run --broker alpaca --feed alpaca --port 0 --data-dir "$DIR/var" \
    --config tests/integration/testdata/run.toml > "$DIR/run.log" &
for _ in $(seq 100); do grep -q listening "$DIR/run.log" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$DIR/run.log")
KEY=$(grep '^mk_' "$DIR/run.log")
python3 - "$PORT" "$KEY" "$N" <<'PY'
import http.client, json, sys, time
port, key, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
for _ in range(100):  # ready: reconciled with the account, prices known
    c.request("GET", "/health/ready"); r = c.getresponse(); r.read()
    if r.status == 200: break
    time.sleep(0.1)
lat = []
for i in range(n):
    body = json.dumps({"symbol": "AAPL" if i % 2 else "MSFT", "qty": "1", "side": "buy" if i % 4 < 2 else "sell",
                       "type": "market", "time_in_force": "day", "client_order_id": f"bench-{i}"})
    t = time.perf_counter(); c.request("POST", "/orders", body, h); r = c.getresponse(); r.read()
    lat.append(time.perf_counter() - t)
    assert r.status == 200, (r.status, r.read())
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(f"{n} orders: p50 {q(0.5):.2f} ms, p90 {q(0.9):.2f} ms, p99 {q(0.99):.2f} ms, max {lat[-1]*1000:.2f} ms")
PY
