#!/usr/bin/env bash
# scripts/cluster end to end: up (servers and nine detached services, healthy), status, a key
# that works through the gateway, up restarting a killed service, restart, down.
set -euo pipefail
root=$1
bin=$2
export MERIDIAN_VAR MERIDIAN_BIN=$bin MERIDIAN_PORT_BASE
MERIDIAN_VAR=$(mktemp -d /tmp/meridian-cluster-XXXXXX)
trap 'scripts/cluster down >/dev/null 2>&1 || true; rm -rf "$MERIDIAN_VAR"' EXIT
# Nine consecutive free ports, below the kernel's ephemeral range: a port taken from that range
# may be free now and the local end of some other test's connection by the time a service (or
# one restarted later) binds it.
MERIDIAN_PORT_BASE=$(python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    base = random.randrange(10000, max(low - 9, 10001))
    try:
        socks = []
        for p in range(base, base + 9):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        print(base); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PY
)
cd "$root"
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(scripts/cluster up)
echo "$out"
grep -q "cluster: up (9 started" <<<"$out" || fail "up did not start nine services"
scripts/cluster status || fail "status says not all up"
for s in gateway positions execution signals risk marketdata history analytics notifications; do
    [[ -s $MERIDIAN_VAR/log/$s.log ]] || fail "no log for $s"
    pid=$(cat "$MERIDIAN_VAR/run/$s.pid")
    [[ $(readlink "/proc/$pid/exe") == *meridian ]] || fail "$s.pid is not the meridian process"
done

key=$(scripts/cluster keys create --role trader | tail -1)
[[ $key == mk_* ]] || fail "keys create did not print a key last: $key"
gw=http://127.0.0.1:$MERIDIAN_PORT_BASE
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$gw/positions")
[[ $code == 200 ]] || fail "GET /positions with the new key: $code"

kill -9 "$(cat "$MERIDIAN_VAR/run/positions.pid")"
out=$(scripts/cluster up)
grep -q "1 started: positions" <<<"$out" || fail "up did not restart the killed service: $out"
old=$(cat "$MERIDIAN_VAR/run/risk.pid")
scripts/cluster restart risk | grep -q "risk restarted" || fail "restart"
[[ $(cat "$MERIDIAN_VAR/run/risk.pid") != "$old" ]] || fail "restart kept the old process"
scripts/cluster down
! scripts/cluster status >/dev/null || fail "status says up after down"
echo "cluster script: ok"
