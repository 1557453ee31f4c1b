#!/usr/bin/env bash
# Weir against Flink 2.3 on the same machine, interleaved: for each case, RUNS times (default 3) Flink, then
# Weir, one after another (never in parallel: the machine has 2 cores). Each run starts after a `sync`, untimed:
# Flink's harness writes its output without fsync, and the kernel's writeback of it would otherwise fall into the
# runs after it, Flink's own most (perf/README.md, section of 8d03495..6e98d66). Prints one line per run and,
# per case, the median of the per-pair ratios (Weir faster when > 1). Needs the Flink comparison harness built
# (FLINK_PEER=DIR, where `./run.sh build` was run).
#
#   perf/versus-flink.sh OUT_DIR jobs    [JOB ...]    # reference jobs, file in -> file out, job time
#   perf/versus-flink.sh OUT_DIR nexmark [QUERY ...]  # Nexmark, in-memory generator, events/s
#
# Jobs: 2 shards / parallelism 2, Weir with checkpoints every second (its bench default), Flink without; input
# JOB_EVENTS events (default 5,000,000) over JOB_KEYS keys (default 200,000), seed 42, disorder 5 s, made once by
# `weir bench` into the temp directory. Pairs: chronicle vs hashmap, lmdb vs rocksdb (BACKENDS to narrow).
# Nexmark: NEXMARK_EVENTS events (default 2,000,000), 2 shards / parallelism 2, checkpoints every second on
# Weir; chronicle vs hashmap. The harness passes PEER_JVM_OPTS to Flink's JVM: PEER_JVM_OPTS=-XX:FreqInlineSize=60
# gives it the inlining limit Weir's launcher uses (weir.jit.flags).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?OUT_DIR}"; kind="${2:?jobs|nexmark}"; shift 2
runs="${RUNS:-3}"
peer="${FLINK_PEER:?set FLINK_PEER to the built comparison harness}"
mkdir -p "$out"
weir="$root/weir"

median() { python3 -c 'import statistics,sys; print("%.2f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
field() { grep -o "$1=[0-9.]*" "$2" | tail -1 | cut -d= -f2; }

if [[ "$kind" == jobs ]]; then
  events="${JOB_EVENTS:-5000000}"; keys="${JOB_KEYS:-200000}"
  in="${TMPDIR:-/tmp}/weir-jobs-$events-$keys-42-5000.csv"
  # The bench writes a generated input to the JVM's temporary directory: the one named here.
  [[ -f "$in" ]] || WEIR_JAVA_OPTS="${WEIR_JAVA_OPTS:-} -Djava.io.tmpdir=${TMPDIR:-/tmp}" "$weir" bench \
    --job rolling-sum --events "$events" --keys "$keys" > "$out/generate.log" 2>&1
  [[ -f "$in" ]] || { echo "no input file $in (see $out/generate.log)" >&2; exit 1; }
  jobs=("$@"); [[ ${#jobs[@]} -gt 0 ]] || jobs=(rolling-sum dedup velocity session tumbling)
  read -r -a pairs <<< "${BACKENDS:-chronicle:hashmap lmdb:rocksdb}"
  for job in "${jobs[@]}"; do
    for pair in "${pairs[@]}"; do
      ours="${pair%%:*}"; theirs="${pair##*:}"; ratios=()
      for run in $(seq 1 "$runs"); do
        f="$out/$job-$theirs-$run.log"; w="$out/$job-$ours-$run.log"
        sync
        (cd "$peer" && ./run.sh job "$job" --in "$in" --out "$out/flink-out.csv" --out-of-order-ms 5000 \
          --backend "$theirs" --parallelism 2) > "$f" 2>&1
        sync
        "$weir" bench --job "$job" --backend "$ours" --in "$in" > "$w" 2>&1
        fm=$(field flink_net_runtime_ms "$f"); wm=$(field job_ms "$w")
        r=$(python3 -c "print('%.2f' % ($fm / $wm))")
        ratios+=("$r")
        echo "$job $ours/$theirs run $run: flink_ms=$fm weir_ms=$wm ratio=$r load=$(cut -d' ' -f1 /proc/loadavg)"
      done
      echo "SUMMARY $job $ours/$theirs median_ratio=$(median "${ratios[@]}") (${ratios[*]})"
    done
  done
elif [[ "$kind" == nexmark ]]; then
  events="${NEXMARK_EVENTS:-2000000}"
  queries=("$@"); [[ ${#queries[@]} -gt 0 ]] || queries=(q0 q1 q2 q3 q4 q5 q7 q8 q11)
  for q in "${queries[@]}"; do
    ratios=()
    for run in $(seq 1 "$runs"); do
      f="$out/nexmark-$q-flink-$run.log"; w="$out/nexmark-$q-weir-$run.log"
      sync
      (cd "$peer" && ./run.sh nexmark bench "$q" --events "$events" --parallelism 2 --backend hashmap) > "$f" 2>&1
      sync
      "$weir" nexmark bench "$q" --events "$events" --shards 2 --checkpoint-interval-ms 1000 > "$w" 2>&1
      fe=$(field events_per_s "$f"); we=$(field events_per_s "$w")
      r=$(python3 -c "print('%.2f' % ($we / $fe))")
      ratios+=("$r")
      echo "nexmark $q run $run: flink_events_per_s=$fe weir_events_per_s=$we ratio=$r load=$(cut -d' ' -f1 /proc/loadavg)"
    done
    echo "SUMMARY nexmark $q median_ratio=$(median "${ratios[@]}") (${ratios[*]})"
  done
else
  echo "unknown kind '$kind': jobs or nexmark" >&2; exit 2
fi
