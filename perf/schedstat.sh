#!/usr/bin/env bash
# Runs one `weir bench` and samples every thread's /proc/PID/task/TID/schedstat (CPU ns, ns runnable but waiting
# for a core, time slices), its involuntary context switches and the load average once a second; then prints, per
# thread, the run's totals (perf/schedstat.py). Usage: perf/schedstat.sh OUT_PREFIX BENCH_ARGS...
# Writes OUT_PREFIX.txt (the bench's output) and OUT_PREFIX.sched (the samples).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out=$1; shift
"$root/weir" bench --help >/dev/null   # builds the jar first if needed
"$root/weir" bench "$@" > "$out.txt" 2>&1 &
sleep 1
pid=$(pgrep -f "weir.jar bench" | head -1)
: > "$out.sched"
while kill -0 "$pid" 2>/dev/null; do
  ts=$(date +%s.%N)
  for t in /proc/$pid/task/*; do
    c=$(cat "$t/comm" 2>/dev/null); s=$(cat "$t/schedstat" 2>/dev/null)
    st=$(awk '/nonvoluntary_ctxt_switches/{print $2}' "$t/status" 2>/dev/null)
    [[ -n "$s" ]] && echo "$ts ${t##*/} $c|$s $st" >> "$out.sched"
  done
  echo "$ts load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out.sched"
  sleep 1
done
wait
python3 "$root/perf/schedstat.py" "$out.sched"
