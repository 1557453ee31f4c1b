#!/usr/bin/env python3
"""Per thread: CPU time, time runnable but waiting for a core (runqueue wait), involuntary switches, over the run."""
import sys, collections
first, last, loads = {}, {}, []
for line in open(sys.argv[1]):
    parts = line.split()
    if parts[1] == 'load':
        loads.append(float(parts[2])); continue
    ts = float(parts[0]); tid = parts[1]
    rest = line.split(' ', 2)[2]
    comm, stats = rest.rsplit('|', 1)
    nums = stats.split()
    rec = (ts, int(nums[0]), int(nums[1]), int(nums[2]), int(nums[3]) if len(nums) > 3 else 0)
    first.setdefault(tid, (comm, rec)); last[tid] = (comm, rec)
rows = []
for tid, (comm, a) in first.items():
    b = last[tid][1]
    dt = b[0] - a[0]
    if dt <= 0: continue
    run = (b[1] - a[1]) / 1e9; wait = (b[2] - a[2]) / 1e9
    rows.append((run, comm, tid, dt, wait, b[3] - a[3], b[4] - a[4]))
rows.sort(reverse=True)
print(f"load average during the run: min {min(loads):.1f} max {max(loads):.1f}" if loads else "")
print(f"{'thread':<22}{'tid':>8}{'secs':>7}{'cpu s':>8}{'cpu %':>7}{'runq wait s':>13}{'wait %':>8}{'slices':>9}{'invol sw':>10}")
for run, comm, tid, dt, wait, slices, invol in rows[:10]:
    print(f"{comm:<22}{tid:>8}{dt:>7.1f}{run:>8.2f}{100*run/dt:>7.1f}{wait:>13.2f}{100*wait/dt:>8.1f}{slices:>9}{invol:>10}")
