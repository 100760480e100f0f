#!/usr/bin/env bash
# The order round trip across processes (client -> gateway -> execution, risk checked there
# with the limits the risk service publishes -> PostgreSQL commit -> answer), on a cluster
# started by scripts/cluster in a temporary folder on free ports: one client, keep-alive,
# one order at a time. Prints p50, p99 and max, as docs/perf.md records them.
# usage: bench/cluster/run.sh [orders, default 2000] [config, default bench/cluster/quiet.toml;
#        bench/http/bench.toml is a busy market: 5 symbols at 60x, a strategy trading]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-2000}
export MERIDIAN_VAR MERIDIAN_PORT_BASE
MERIDIAN_VAR=$(mktemp -d /tmp/meridian-bench-XXXXXX)
MERIDIAN_PORT_BASE=$((10000 + RANDOM % 22000))  # below the ephemeral ports (32768 on)
export MERIDIAN_CLUSTER_ARGS="--config ${2:-bench/cluster/quiet.toml}"
trap 'scripts/cluster down >/dev/null 2>&1 || true; rm -rf "$MERIDIAN_VAR"' EXIT
scripts/cluster up >/dev/null
KEY=$(scripts/cluster keys create --role trader | tail -1)
python3 - "$MERIDIAN_PORT_BASE" "$KEY" "$N" <<'PY'
import http.client, json, sys, time
port, key, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(200):  # quotes first
    c.request("GET", "/marketdata/quotes/SPY", headers=h); r = c.getresponse(); r.read()
    if r.status == 200: break
    time.sleep(0.1)
lat = []
for i in range(n + 100):
    body = json.dumps({"symbol": "SPY", "qty": "1", "side": "buy" if i % 2 else "sell",
                       "type": "market", "time_in_force": "day"})
    t = time.perf_counter()
    c.request("POST", "/orders", body, h); r = c.getresponse(); r.read()
    dt = time.perf_counter() - t
    if r.status != 200: print("status", r.status); sys.exit(1)
    if i >= 100: lat.append(dt)   # the first hundred warm the connections up
lat.sort()
q = lambda p: lat[int(p * (len(lat) - 1))] * 1000
print(f"POST /orders across processes, {n} orders one at a time: p50 {q(0.5):.2f} ms, "
      f"p99 {q(0.99):.2f} ms, max {q(1.0):.2f} ms, {n / sum(lat):.0f} orders/s")
PY
