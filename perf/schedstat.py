#!/usr/bin/env python3
"""Per thread: CPU time, time runnable but waiting for a core (runqueue wait), involuntary switches, over the run.

  schedstat.py sample PID OUT   # sample every thread of PID every 0.2 s until it exits, appending lines to OUT
  schedstat.py OUT              # the per-thread totals of a sample file

A thread's counters in /proc count from its start, so a thread first seen after the first sample is counted from
zero (its whole life), and one seen in the first sample from that sample. A thread's CPU after its last sample
(at most one interval) is not counted.
"""
import os, sys, time


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def sample(pid, out):
    task_dir = f"/proc/{pid}/task"
    with open(out, 'a') as f:
        while os.path.exists(task_dir):
            ts = time.time()
            try:
                tids = os.listdir(task_dir)
            except OSError:
                break
            for tid in tids:
                comm = read(f"{task_dir}/{tid}/comm")
                stat = read(f"{task_dir}/{tid}/schedstat")
                status = read(f"{task_dir}/{tid}/status")
                if comm is None or stat is None or status is None:
                    continue
                invol = next((l.split()[1] for l in status.splitlines()
                              if l.startswith('nonvoluntary_ctxt_switches')), '0')
                f.write(f"{ts:.3f} {tid} {comm.strip()}|{stat.strip()} {invol}\n")
            f.write(f"{ts:.3f} load {' '.join(read('/proc/loadavg').split()[:3])}\n")
            f.flush()
            time.sleep(0.2)


def summarise(path):
    first, last, loads = {}, {}, []
    first_ts = None
    for line in open(path):
        parts = line.split()
        if parts[1] == 'load':
            loads.append(float(parts[2]))
            continue
        ts = float(parts[0]); tid = parts[1]
        if first_ts is None:
            first_ts = ts
        rest = line.split(' ', 2)[2]
        comm, stats = rest.rsplit('|', 1)
        nums = stats.split()
        rec = (ts, int(nums[0]), int(nums[1]), int(nums[2]), int(nums[3]) if len(nums) > 3 else 0)
        if tid not in first:
            # Born after sampling began: its counters start at zero with it.
            first[tid] = (comm, rec if ts == first_ts else (ts, 0, 0, 0, 0))
        last[tid] = (comm, rec)
    rows = []
    for tid, (comm, a) in first.items():
        b = last[tid][1]
        dt = max(b[0] - a[0], 0.2)  # a thread seen once lived up to one interval
        run = (b[1] - a[1]) / 1e9; wait = (b[2] - a[2]) / 1e9
        rows.append((run, comm, tid, dt, wait, b[3] - a[3], b[4] - a[4]))
    rows.sort(reverse=True)
    print(f"load average during the run: min {min(loads):.1f} max {max(loads):.1f}" if loads else "")
    print(f"{'thread':<22}{'tid':>8}{'secs':>7}{'cpu s':>8}{'cpu %':>7}{'runq wait s':>13}{'wait %':>8}"
          f"{'slices':>9}{'invol sw':>10}")
    for run, comm, tid, dt, wait, slices, invol in rows[:12]:
        print(f"{comm:<22}{tid:>8}{dt:>7.1f}{run:>8.2f}{100*run/dt:>7.1f}{wait:>13.2f}{100*wait/dt:>8.1f}"
              f"{slices:>9}{invol:>10}")


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'sample':
        sample(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2:
        summarise(sys.argv[1])
    else:
        sys.exit("usage: schedstat.py sample PID OUT | schedstat.py OUT")
