#!/usr/bin/env bash
# ringbench-ab.sh ROUNDS RINGD... — compare ringd builds on this noisy
# machine: bin/ringbench -n 5 (throughput and latency phases) once per
# build per round, the order rotated each round (the build that runs first
# in a round gains a few per cent), then each run and the medians per build.
# Example: scripts/ringbench-ab.sh 4 /tmp/ringd-before bin/ringd
set -euo pipefail
if (($# < 2)); then
	echo "usage: $0 ROUNDS RINGD..." >&2
	exit 2
fi
rounds=$1
shift
builds=("$@")
bench=${RINGBENCH:-$(dirname "$0")/../bin/ringbench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < ${#builds[@]}; i++)); do
		b=$(((i + r) % ${#builds[@]}))
		"$bench" -q -n 5 --phases throughput,latency -o json --ringd "${builds[$b]}" >"$out/$b.$r.json"
		echo "round $r: ${builds[$b]} done" >&2
	done
done
python3 - "$out" "${builds[@]}" <<'PY'
import glob, json, statistics, sys
out, builds = sys.argv[1], sys.argv[2:]
fmt = "thr %6.0f msg/s  %4.0f us/msg  cs %4.1f | 1k/s p50 %5.1f p99 %5.1f ms  %5.0f us/msg | idle rss %d KiB"
for b, name in enumerate(builds):
    rows = []
    for f in sorted(glob.glob(f"{out}/{b}.*.json")):
        d = json.load(open(f))
        t, l = d["throughput"], d["latency"]
        rows.append((t["per_second"], t["cpu"]["node_us_per_message"], t["cpu"]["node_context_switches_per_message"],
                     l["to_all"]["p50_ms"], l["to_all"]["p99_ms"], l["cpu"]["node_us_per_message"],
                     max(m["idle_rss_kib"] for m in d["memory"])))
    print(name)
    for r in rows:
        print("  " + fmt % r)
    print("  median " + fmt % tuple(statistics.median(c) for c in zip(*rows)))
PY
