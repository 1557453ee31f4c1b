#!/usr/bin/env python3
# perf script -F pid,tid,cpu,time,event,trace | perf/offcpu.py HOT_TID: the hot thread's time off its core, summed
# by its state when switched out (R: preempted, S: sleeping) and by the task that ran instead (own: a thread of the
# hot thread's process; other). Used by perf/offcpu.sh.
import sys, re, collections
hot = sys.argv[1]
lines = sys.stdin.readlines()
owner = {}
pat = re.compile(r'^\s*(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch: prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)')
recs = []
for line in lines:
    m = pat.search(line)
    if not m: continue
    pid, tid = m.group(1), m.group(2); owner[tid] = pid
    recs.append(m.groups())
hp = owner.get(hot)
out_t = None
gaps = collections.defaultdict(lambda: [0, 0.0, 0.0]); tot = collections.defaultdict(float)
for pid, tid, cpu, t, pc, pp, st, nc, np in recs:
    t = float(t)
    if pp == hot:
        who = 'own' if owner.get(np) == hp else ('kernel' if owner.get(np) == '0' else 'other')
        out_t = t; key = (st, who, nc)
    elif np == hot and out_t is not None:
        d = (t - out_t) * 1000; g = gaps[key]; g[0] += 1; g[1] += d; g[2] = max(g[2], d); tot[key[:2]] += d; out_t = None
for k, v in sorted(tot.items(), key=lambda kv: -kv[1]): print(f"total {k[0]} {k[1]:6s} {v:9.1f} ms")
for k, (n, t, mx) in sorted(gaps.items(), key=lambda kv: -kv[1][1])[:12]:
    print(f"{k[0]} {k[1]:6s} {k[2]:20s} n={n:6d} total_ms={t:9.1f} max_ms={mx:7.2f}")
