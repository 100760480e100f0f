#!/usr/bin/env bash
# HTTP benchmarks of `meridian run` (Release build) with wrk, and nginx serving a static JSON
# of the same size for comparison. Prints the figures docs/perf.md records.
# usage: bench/http/run.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
BIN=build/release/bin/meridian
[[ -x $BIN ]] || { echo "build first: make build" >&2; exit 1; }
command -v nginx >/dev/null || scripts/install-deps --bench

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d)
PORT=$(free_port)
trap 'kill $MPID 2>/dev/null || true; [[ -f $WORK/nginx.pid ]] && kill $(cat $WORK/nginx.pid) 2>/dev/null; rm -rf $WORK' EXIT

$BIN run --port "$PORT" --data-dir "$WORK/var" --config bench/http/bench.toml > "$WORK/out.txt" &
MPID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/out.txt" 2>/dev/null && break; sleep 0.1; done
KEY=$(grep '^mk_' "$WORK/out.txt")
export MERIDIAN_KEY=$KEY
URL=http://127.0.0.1:$PORT
AUTH="Authorization: Bearer $KEY"
for _ in $(seq 100); do curl -sf -H "$AUTH" "$URL/marketdata/quotes/SPY" >/dev/null && break; sleep 0.1; done

echo "== tick to order on a quiet system ($DURATION s of a strategy trading every few bars)"
sleep "$DURATION"
curl -s "$URL/metrics" | python3 bench/http/quantiles.py meridian_tick_to_order_seconds

# Some positions, so that GET /positions answers a realistic body.
for s in AAPL MSFT NVDA AMZN SPY; do
    curl -s -H "$AUTH" -X POST "$URL/orders" \
        -d "{\"symbol\":\"$s\",\"qty\":\"10\",\"side\":\"buy\",\"type\":\"market\",\"time_in_force\":\"day\"}" >/dev/null
done
sleep 1
BODY=$(curl -s -H "$AUTH" "$URL/positions")
SIZE=${#BODY}

echo "== GET /positions (body $SIZE bytes), 50 connections, keep-alive"
wrk -t2 -c50 -d"${DURATION}s" --latency -H "$AUTH" "$URL/positions" | grep -E "Requests/sec|Latency|99%|50%"

NPORT=$(free_port)
mkdir -p "$WORK/static"
printf '%s' "$BODY" > "$WORK/static/positions"
cat > "$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NPORT;
        location / { root $WORK/static; default_type application/json; }
    }
}
CONF
nginx -c "$WORK/nginx.conf"
sleep 0.5
echo "== nginx, the same body as a static file, 50 connections, keep-alive"
wrk -t2 -c50 -d"${DURATION}s" --latency "http://127.0.0.1:$NPORT/positions" | grep -E "Requests/sec|Latency|99%|50%"
kill "$(cat "$WORK/nginx.pid")"; rm -f "$WORK/nginx.pid"

echo "== POST /orders at saturation (risk on, paper broker, durable store), 50 connections"
wrk -t2 -c50 -d"${DURATION}s" --latency -s bench/http/post_order.lua "$URL/orders" | grep -E "Requests/sec|Latency|99%|50%|Non-2xx"

# Each connection sends its next order 10 ms after its answer: 12 connections make about 1,000
# orders/s at the 2 ms an answer takes (the achieved rate is printed).
echo "== POST /orders paced: 12 connections, each waiting 10 ms after its answer (about 1,000 orders/s)"
PACE_MS=10 wrk -t2 -c12 -d"${DURATION}s" --latency -s bench/http/post_order_paced.lua "$URL/orders" | grep -E "Requests/sec|Latency|99%|50%|Non-2xx"

echo "== tick to order over the whole run, load included"
curl -s "$URL/metrics" | python3 bench/http/quantiles.py meridian_tick_to_order_seconds
