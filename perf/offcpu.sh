#!/usr/bin/env bash
# Who takes the hot thread's core: runs one `weir bench`, finds its busiest thread named "java" (the bench's main
# thread: the producer, in INVOKER mode also the shards), records scheduler events (perf sched record, root) for
# 12 s from 8 s into the run, and sums the hot thread's time off its core by the task that ran instead, own (a
# thread of the bench's JVM) or other (perf/offcpu.py). PIN=1: 4 s into the run, pin the hot thread to CPU 1 and
# every other thread of the JVM to CPU 0 (taskset). Usage: [PIN=1] perf/offcpu.sh OUT_PREFIX BENCH_ARGS...
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out=$1; shift
"$root/weir" bench --help >/dev/null   # builds the jar first if needed
"$root/weir" bench "$@" > "$out.txt" 2>&1 &
pid=$!
sleep 4
hot=$(for t in /proc/$pid/task/*; do
  echo "$(awk '{print $14+$15}' "$t/stat" 2>/dev/null) $(basename "$t") $(cat "$t/comm" 2>/dev/null)"
done | sort -rn | awk '$3=="java"{print $2; exit}')
echo "pid=$pid hot=$hot" > "$out.pin"
if [[ "${PIN:-0}" == 1 ]]; then
  for t in /proc/$pid/task/*; do
    tid=$(basename "$t")
    if [[ $tid == "$hot" ]]; then taskset -pc 1 "$tid" >/dev/null; else taskset -pc 0 "$tid" >/dev/null 2>&1; fi
  done
fi
sleep 4
perf sched record -o "$out.sched" -- sleep 12 >/dev/null 2>&1
wait "$pid"
perf script -i "$out.sched" -F pid,tid,cpu,time,event,trace 2>/dev/null | python3 "$root/perf/offcpu.py" "$hot" \
  > "$out.offcpu"
grep RESULT "$out.txt"
head -14 "$out.offcpu"
