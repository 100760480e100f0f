"""Reads Prometheus text on stdin; prints p50 and p99 of a histogram (linear within a bucket)."""
import re
import sys

name = sys.argv[1]
buckets = []
for line in sys.stdin:
    m = re.match(name + r'_bucket\{.*le="([^"]+)"\} (\d+)', line)
    if m:
        bound = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
        buckets.append((bound, int(m.group(2))))
buckets.sort()
total = buckets[-1][1] if buckets else 0
if total == 0:
    print(f"{name}: no samples")
    sys.exit(0)


def quantile(q):
    rank = q * total
    prev_bound, prev_count = 0.0, 0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return prev_bound
            frac = (rank - prev_count) / max(1, count - prev_count)
            return prev_bound + (bound - prev_bound) * frac
        prev_bound, prev_count = bound, count
    return prev_bound


print(f"{name}: {total} samples, p50 {quantile(0.5) * 1e6:.0f} us, p99 {quantile(0.99) * 1e6:.0f} us")
