#!/usr/bin/env bash
# Runs every configuration of `weir bench` three times, one after another (never in parallel: the
# machine has 2 cores), keeps each run's full output, and prints the median of each RESULT field per
# configuration. Usage: perf/measure.sh [OUT_DIR] [NAME ...]   (no names: all configurations)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/perf/out}"; shift || true
runs="${RUNS:-3}"
mkdir -p "$out"

ckpt="--checkpoint-interval-ms 1000"
declare -A cfg=(
  [chronicle-throughput]="--events 10000000 --keys 1000000 $ckpt"
  [chronicle-throughput-nockpt]="--events 10000000 --keys 1000000"
  [lmdb-throughput]="--backend lmdb --events 10000000 --keys 1000000 $ckpt"
  [lmdb-throughput-nockpt]="--backend lmdb --events 10000000 --keys 1000000"
  [floor-throughput]="--stateless --events 10000000 --keys 1000000"
  [chronicle-throughput-2shards]="--shards 2 --events 10000000 --keys 1000000 $ckpt"
  [chronicle-throughput-2shards-nockpt]="--shards 2 --events 10000000 --keys 1000000"
  [lmdb-throughput-2shards]="--backend lmdb --shards 2 --events 10000000 --keys 1000000 $ckpt"
  [lmdb-throughput-2shards-nockpt]="--backend lmdb --shards 2 --events 10000000 --keys 1000000"
  [floor-throughput-2shards]="--stateless --shards 2 --events 10000000 --keys 1000000"
  [chronicle-500k]="--rate 500000 --events 20000000 --keys 1000000 $ckpt"
  [chronicle-500k-nockpt]="--rate 500000 --events 20000000 --keys 1000000"
  [lmdb-500k]="--backend lmdb --rate 500000 --events 20000000 --keys 1000000 $ckpt"
  [floor-500k]="--stateless --rate 500000 --events 20000000 --keys 1000000"
  [chronicle-1m]="--rate 1000000 --events 20000000 --keys 1000000 $ckpt"
  [lmdb-1m]="--backend lmdb --rate 1000000 --events 20000000 --keys 1000000 $ckpt"
  [floor-1m]="--stateless --rate 1000000 --events 20000000 --keys 1000000"
  [chronicle-100k-rate]="--rate 100000 --events 5000000 --keys 1000000 $ckpt"
  [pause-chronicle-100k]="--keys 100000 --prefill --events 20000 --rate 1000 $ckpt --measure-recovery"
  [pause-chronicle-1m]="--keys 1000000 --prefill --events 200000 --rate 10000 $ckpt --measure-recovery"
  [pause-chronicle-10m]="--keys 10000000 --prefill --events 2000000 --rate 100000 $ckpt --measure-recovery"
  [pause-lmdb-1m]="--backend lmdb --keys 1000000 --prefill --events 200000 --rate 10000 $ckpt --measure-recovery"
  # Threading modes: chronicle, 1M keys, 10M events, checkpoints every second; each with its stateless floor.
  [invoker-500k]="--threading invoker --rate 500000 --events 10000000 --keys 1000000 $ckpt"
  [invoker-500k-floor]="--threading invoker --stateless --rate 500000 --events 10000000 --keys 1000000 $ckpt"
  [dedicated-500k]="--threading dedicated --rate 500000 --events 10000000 --keys 1000000 $ckpt"
  [dedicated-500k-floor]="--threading dedicated --stateless --rate 500000 --events 10000000 --keys 1000000 $ckpt"
  [shared-500k]="--threading shared --rate 500000 --events 10000000 --keys 1000000 $ckpt"
  [shared-500k-floor]="--threading shared --stateless --rate 500000 --events 10000000 --keys 1000000 $ckpt"
  [invoker-10k]="--threading invoker --rate 10000 --events 300000 --keys 1000000 $ckpt"
  # The invoking thread pinned to CPU 1; run with WEIR_JAVA_OPTS=-Dweir.checkpoint.thread.cpus=0 to pin the
  # checkpoint thread to CPU 0.
  [invoker-500k-pin]="--threading invoker --pin-cpu 1 --rate 500000 --events 10000000 --keys 1000000 $ckpt"
  [invoker-10k-pin]="--threading invoker --pin-cpu 1 --rate 10000 --events 300000 --keys 1000000 $ckpt"
  [invoker-10k-floor]="--threading invoker --stateless --rate 10000 --events 300000 --keys 1000000 $ckpt"
  [invoker-1m]="--threading invoker --rate 1000000 --events 10000000 --keys 1000000 $ckpt"
  [invoker-1m-floor]="--threading invoker --stateless --rate 1000000 --events 10000000 --keys 1000000 $ckpt"
  [dedicated-1m]="--threading dedicated --rate 1000000 --events 10000000 --keys 1000000 $ckpt"
  [dedicated-1m-floor]="--threading dedicated --stateless --rate 1000000 --events 10000000 --keys 1000000 $ckpt"
  [invoker-500k-100k-keys]="--threading invoker --rate 500000 --events 10000000 --keys 100000 $ckpt"
  [invoker-500k-10m-keys]="--threading invoker --rate 500000 --events 10000000 --keys 10000000 $ckpt"
  [dedicated-500k-100k-keys]="--threading dedicated --rate 500000 --events 10000000 --keys 100000 $ckpt"
  [dedicated-500k-10m-keys]="--threading dedicated --rate 500000 --events 10000000 --keys 10000000 $ckpt"
)
order=(floor-throughput chronicle-throughput chronicle-throughput-nockpt lmdb-throughput lmdb-throughput-nockpt
  floor-throughput-2shards chronicle-throughput-2shards chronicle-throughput-2shards-nockpt lmdb-throughput-2shards
  lmdb-throughput-2shards-nockpt
  floor-500k chronicle-500k chronicle-500k-nockpt lmdb-500k floor-1m chronicle-1m lmdb-1m chronicle-100k-rate
  pause-chronicle-100k pause-chronicle-1m pause-chronicle-10m pause-lmdb-1m)
names=("$@"); [[ ${#names[@]} -eq 0 ]] && names=("${order[@]}")

"$root/weir" bench --help >/dev/null   # builds the jar first if needed
for name in "${names[@]}"; do
  [[ -n "${cfg[$name]:-}" ]] || { echo "unknown configuration $name" >&2; exit 2; }
  for i in $(seq 1 "$runs"); do
    echo "== $name run $i: ./weir bench ${cfg[$name]}" >&2
    WEIR_JAVA_OPTS="${WEIR_JAVA_OPTS:-} -Xlog:gc:file=$out/$name-$i.gc.log" \
      "$root/weir" bench ${cfg[$name]} --hgrm "$out/$name-$i.hgrm" > "$out/$name-$i.txt" 2>&1
  done
  files=(); for i in $(seq 1 "$runs"); do files+=("$out/$name-$i.txt"); done   # exact: names prefix each other
  python3 "$root/perf/median.py" "$name" "${cfg[$name]}" "${files[@]}"
done
