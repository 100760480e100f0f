#!/usr/bin/env bash
# The Redis Streams bus (Release build) against redis-server on a free port (AOF on, fsync
# always, as scripts/cluster runs it): saturated throughput, publish-to-handler latency at
# 10,000 messages/s, and redis-benchmark's XADD with the same pipelining (512) and message size
# beside it. Prints the figures docs/perf.md records.  usage: bench/bus/run.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PACED=${1:-10}
BIN=build/release/bin/redis_bus_bench
[[ -x $BIN ]] || { echo "build first: make build" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
WORK=$(mktemp -d)
trap 'redis-cli -p $PORT shutdown nosave >/dev/null 2>&1 || true; rm -rf $WORK' EXIT
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$WORK" --appendonly yes --appendfsync always \
    --save "" --daemonize yes --logfile "$WORK/redis.log"
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "== RedisBus"
"$BIN" "redis://127.0.0.1:$PORT" 10000 "$SECONDS_PACED"
DATA='{"symbol":"AAPL","bp":"187.24","ap":"187.26","bs":"100","as":"200","t":"2026-11-25T14:30:00Z"}'
echo "== redis-benchmark XADD, pipelining 512, 1 client (as the bus's one publisher connection)"
redis-benchmark -p "$PORT" -c 1 -n 200000 -P 512 -q XADD bench.raw '*' type quote ts 1 data "$DATA"
echo "== redis-benchmark XADD, pipelining 512, 50 clients"
redis-benchmark -p "$PORT" -c 50 -n 200000 -P 512 -q XADD bench.raw2 '*' type quote ts 1 data "$DATA"
