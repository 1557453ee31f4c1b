#!/usr/bin/env python3
"""Median of each RESULT field, shard pause and GC figure over the runs of one `weir bench` configuration."""
import re, statistics, sys

name, args, files = sys.argv[1], sys.argv[2], sys.argv[3:]
fields, extra = {}, {}
for path in files:
    text = open(path).read()
    result = [l for l in text.splitlines() if l.startswith("RESULT ")]
    if not result:
        print(f"{name}: no RESULT line in {path}", file=sys.stderr)
        continue
    for k, v in re.findall(r"(\w+)=(\S+)", result[-1]):
        fields.setdefault(k, []).append(v)
    m = re.search(r"shard pause us p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)", text)
    if m:
        for k, v in zip(("pause_p50_us", "pause_p99_us", "pause_max_us"), m.groups()):
            extra.setdefault(k, []).append(float(v))
    m = re.search(r"after warm-up: (\d+) pauses, shard pause us p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)", text)
    if m:
        for k, v in zip(("steady_pauses", "steady_pause_p50_us", "steady_pause_p99_us", "steady_pause_max_us"),
                        m.groups()):
            extra.setdefault(k, []).append(float(v))
    m = re.search(r"gc:\s+after warm-up: (\d+) collections, (\d+) ms total, longest (\d+) ms", text)
    if m:
        extra.setdefault("gc_after_warmup_count", []).append(int(m.group(1)))
        extra.setdefault("gc_after_warmup_longest_ms", []).append(int(m.group(3)))
    window = re.search(r"run ([\d.]+)-([\d.]+) s, warm-up ends ([\d.]+) s", text)
    gc_log = path[:-4] + ".gc.log"
    try:
        pauses = [(float(t), float(ms)) for t, ms in
                  re.findall(r"^\[([\d.]+)s\].*Pause \S.*? ([\d.]+)ms$", open(gc_log).read(), re.M)]
        extra.setdefault("gc_log_longest_pause_ms", []).append(max((ms for _, ms in pauses), default=0.0))
        if window:
            lo, hi, warm = (float(window.group(i)) for i in (1, 2, 3))
            run = [ms for t, ms in pauses if lo <= t <= hi]
            steady = [ms for t, ms in pauses if warm <= t <= hi]
            extra.setdefault("gc_log_run_pauses", []).append(len(run))
            extra.setdefault("gc_log_run_longest_ms", []).append(max(run, default=0.0))
            extra.setdefault("gc_log_after_warmup_pauses", []).append(len(steady))
            extra.setdefault("gc_log_after_warmup_longest_ms", []).append(max(steady, default=0.0))
    except OSError:
        pass
    m = re.search(r"recovery:.*total ([\d.]+) ms", text)
    if m:
        extra.setdefault("recovery_ms", []).append(float(m.group(1)))

def med(values):
    try:
        m = statistics.median(float(v) for v in values)
    except ValueError:
        return values[0]
    return int(m) if m == int(m) else round(m, 1)

print(f"MEDIAN name={name} runs={len(files)} " +
      " ".join(f"{k}={med(v)}" for k, v in fields.items() if k != "job") + " " +
      " ".join(f"{k}={med(v)}" for k, v in extra.items()) + f"   # ./weir bench {args}")
for k in ("events_per_s", "p99_ns", "p9999_ns"):
    if k in fields:
        print(f"  {k} per run: {', '.join(fields[k])}")
