#!/usr/bin/env bash
# The whole `meridian backtest` process on a million 1-minute bars (sma_crossover 20/50, every
# output written), pinned to one core: the engine issue's 2,000,000 bars/s figure. Also
# `meridian optimize` on 1 and 2 cores.
# usage: bench/backtest/run.sh [RUNS]   (Release build: build/release/bin)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-9}
BIN=build/release/bin/meridian
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$BIN" generate --symbols SYN --bars 1000000 --hours all --seed 1 --out "$DIR/syn.csv" 2>/dev/null
echo "input: $(wc -l < "$DIR/syn.csv") lines, $(( $(stat -c %s "$DIR/syn.csv") / 1000000 )) MB"
times() {  # RUNS wall times of "$@", sorted
    for _ in $(seq "$RUNS"); do
        local s e
        s=$(date +%s%N)
        "$@" > /dev/null
        e=$(date +%s%N)
        echo $(( (e - s) / 1000000 ))
    done | sort -n
}
report() {  # label, bars, sorted times in ms
    local label=$1 bars=$2; shift 2
    local t=("$@") n=$#
    local min=${t[0]} med=${t[$(( n / 2 ))]}
    echo "$label: min ${min} ms, median ${med} ms: $(( bars * 1000 / min )) bars/s at best, $(( bars * 1000 / med )) median"
}
mapfile -t T < <(times taskset -c 0 "$BIN" backtest --data "$DIR/syn.csv" --strategy sma_crossover \
    --set fast=20 --set slow=50 --out "$DIR/out")
report "backtest, 1 core" 1000000 "${T[@]}"
/usr/bin/time -f "peak RSS %M KB" "$BIN" backtest --data "$DIR/syn.csv" --strategy sma_crossover \
    --set fast=20 --set slow=50 --out "$DIR/out" 2>&1 >/dev/null | tail -1
ls -l "$DIR/out" | awk 'NR>1{printf "  %-14s %s bytes\n", $9, $5}'

# optimize: 400 combinations over the bundled daily files, 1 job then 2
DATA="--data data/orcl-1995-2014.csv --data data/nvda-1999-2014.csv --data data/yhoo-1996-2014.csv"
GRID="--strategy sma_crossover --grid fast=5:100:5 --grid slow=110:300:10"
mapfile -t O1 < <(times "$BIN" optimize $DATA $GRID --jobs 1 --out "$DIR/opt1")
mapfile -t O2 < <(times "$BIN" optimize $DATA $GRID --jobs 2 --out "$DIR/opt2")
echo "optimize, 400 combinations: --jobs 1 min ${O1[0]} ms, --jobs 2 min ${O2[0]} ms: speed-up $(echo "scale=2; ${O1[0]} / ${O2[0]}" | bc)x"
