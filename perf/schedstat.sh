#!/usr/bin/env bash
# Runs one `weir bench` and samples every thread's /proc/PID/task/TID/schedstat (CPU ns, ns runnable but waiting
# for a core, time slices), its involuntary context switches and the load average every 0.2 s; then prints, per
# thread, the run's totals (perf/schedstat.py). Usage: perf/schedstat.sh OUT_PREFIX BENCH_ARGS...
# Writes OUT_PREFIX.txt (the bench's output) and OUT_PREFIX.sched (the samples).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out=$1; shift
"$root/weir" bench --help >/dev/null   # builds the jar first if needed
"$root/weir" bench "$@" > "$out.txt" 2>&1 &
pid=""
while [[ -z "$pid" ]] && jobs %1 >/dev/null 2>&1; do   # from the JVM's start: a short job's compile is early
  pid=$(pgrep -f "weir.jar.*bench" | head -1); [[ -n "$pid" ]] || sleep 0.02
done
: > "$out.sched"
python3 "$root/perf/schedstat.py" sample "$pid" "$out.sched"
wait
python3 "$root/perf/schedstat.py" "$out.sched"
