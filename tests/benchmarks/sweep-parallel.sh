#!/usr/bin/env bash
# Local sweep executor: wall time of 8 small distillation runs with --parallel 2 (1 thread each) vs one after another
# (--parallel 1, 2 threads), interleaved REPEATS times; prints one JSON object (ratio = parallel / sequential, target
# <= 0.6) with the load average. With SLURM_CONF set (tests/slurm/start-cluster.sh) it also reports the Slurm path's
# per-run overhead (submission to run start) beside the local one (process launch to run start).
#   tests/benchmarks/sweep-parallel.sh [REPEATS]      (after make setup)
set -euo pipefail
repeats=${1:-1}
cli=${SOBOLEVRL_CLI:-$(cd "$(dirname "$0")/../.." && pwd)/src/SobolevRL.Cli/bin/Release/net10.0/linux-x64/SobolevRL.Cli}
work=$(mktemp -d /tmp/sobolevrl-sweep-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/bench.yaml" <<'YAML'
name: parallel-bench
base:
  student: minatar:8,64
  optim: {steps: 200, batch_size: 32}
  logging: {checkpoint_every: 100, eval_every: 0, metrics_every: 50, held_out_states: 128}
data: {env: MinAtar/Breakout-v1, states: 300, labels: full}
grid:
  loss.sobolev: ["off", full]
  loss.weight: [0.1, 1]
seeds: [0, 1]
slurm: {cpus_per_task: 1, max_parallel: 2}
YAML
field() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
seq_times=() par_times=() local_overheads=() slurm_overheads=()
run() { # run NAME ARGS... -> prints the JSON of the sweep; a failed run shows its log and stops the benchmark
  rm -rf "$work/$1"; local name=$1; shift
  if ! "$cli" sweep --config "$work/bench.yaml" --out "$work/$name" --json "$@" 2>"$work/$name.log"; then
    echo "sweep-parallel: the $name sweep failed:" >&2; cat "$work/$name.log" >&2; exit 1
  fi
}
for r in $(seq 1 "$repeats"); do
  if (( r % 2 )); then order="seq par"; else order="par seq"; fi
  for mode in $order; do
    if [ "$mode" = seq ]; then json=$(run seq --parallel 1); seq_times+=("$(field wall_seconds <<<"$json")")
    else json=$(run par --parallel 2); par_times+=("$(field wall_seconds <<<"$json")"); local_overheads+=("$(field start_overhead_seconds_median <<<"$json")"); fi
  done
  if [ -n "${SLURM_CONF:-}" ] && command -v sbatch >/dev/null; then
    json=$(run slurm --executor slurm); slurm_overheads+=("$(field start_overhead_seconds_median <<<"$json")")
  fi
done
/usr/bin/python3 - "$(cut -d' ' -f1-3 /proc/loadavg)" "${seq_times[*]}" "${par_times[*]}" "${local_overheads[*]}" "${slurm_overheads[*]:-}" <<'PY'
import json, statistics, sys
load, seq, par, lo, so = sys.argv[1], *[[float(x) for x in a.split()] for a in sys.argv[2:]]
med = lambda xs: statistics.median(xs) if xs else None
print(json.dumps({
    "runs": 8, "repeats": len(seq), "load_average": load,
    "sequential_seconds": seq, "parallel2_seconds": par,
    "ratio_parallel2_over_sequential": med([p / s for p, s in zip(par, seq)]),
    "local_start_overhead_seconds_median": med(lo), "slurm_start_overhead_seconds_median": med(so),
}, indent=2))
PY
