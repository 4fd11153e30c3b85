#!/usr/bin/env bash
# Runs `./mmpeft bench` and the PyTorch-eager implementation of the same model
# (pytorch_eager_bench.py) back to back on this machine, with the same intra-op thread count, for
# LoRA r = 1, 2, 8 and full fine-tuning, REPS times each (default 3), and prints one Markdown table (also written, with the raw
# JSON lines, to the folder given as the first argument, default mmpeft-out/bench).
#
# Needs: a Python with torch (PYTHON, default /usr/bin/python3; on Debian: apt-get install
# python3-torch libopenblas0-openmp, so that torch's BLAS is OpenBLAS, not the reference BLAS).
# The machine should be otherwise idle: both sides are CPU-bound.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/mmpeft-out/bench}"
python="${PYTHON:-/usr/bin/python3}"
steps="${STEPS:-8}"
reps="${REPS:-3}"
threads="${THREADS:-$(nproc)}"
# RUNS: the bench flag sets to compare, separated by '|' (default: LoRA r = 1, 2, 8 and --full)
IFS='|' read -r -a runs <<< "${RUNS:---rank 1|--rank 2|--rank 8|--full}"
# Both sides use libgomp, and its wait policy changes step times by 10-25%, so both get the same
# one: OpenMP's default unless OMP_WAIT_POLICY is set (then that, for both).
mkdir -p "$out"
"$python" -c 'import torch' 2>/dev/null || { echo "side-by-side: $python has no torch (set PYTHON)" >&2; exit 2; }
# First show that the PyTorch side is the same model: its loss on the numpy reference's
# InstructBLIP-FlanT5 checkpoints (which mmpeft's own tests match) within 1e-4.
for ref in t5-legacy t5-imagetokens-oldqkv-tied; do
  "$python" "$root/samples/bench/pytorch_eager_bench.py" --check "$root/sdk-models/src/test/resources/blip-reference/$ref" >&2
done
raw="$out/side-by-side.jsonl"
: > "$raw.tmp"
# The machine's speed drifts (shared cores), so the two sides alternate, REPS times each, the
# order flipped every repetition, and the table takes medians.
for rep in $(seq 1 "$reps"); do
  for run in "${runs[@]}"; do
    if (( rep % 2 == 1 )); then sides="mmpeft pytorch"; else sides="pytorch mmpeft"; fi
    for side in $sides; do
      if [[ $side == mmpeft ]]; then
        # shellcheck disable=SC2086
        line="$("$root/mmpeft" bench $run --steps "$steps" | tail -n 1)"
      else
        # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines) force older OpenBLAS kernels
        # (Haswell's on an AVX-512 CPU: 2048^2 matmul ~120 instead of ~175 GFLOP/s); the twin runs
        # with OpenBLAS's own choice, and its JSON line names the kernels (blas_core)
        # shellcheck disable=SC2086
        line="$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$root/samples/bench/pytorch_eager_bench.py" $run --steps "$steps" --threads "$threads" | tail -n 1)"
      fi
      printf '{"rep": %d, "run": "%s", "side": "%s", "result": %s}\n' "$rep" "$run" "$side" "$line" >> "$raw.tmp"
    done
    echo "done: repetition $rep, $run" >&2
  done
done
mv -f "$raw.tmp" "$raw"
"$python" - "$raw" > "$out/side-by-side.md.tmp" <<'EOF'
import json, sys
import statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["run"], {}).setdefault(r["side"], []).append(r["result"])
print("| run | mmpeft train_step_s | PyTorch eager train_step_s | mmpeft / PyTorch | mmpeft peak_rss_mb | PyTorch peak_rss_mb "
      "| fwd+bwd GFLOP/s / own matmul GFLOP/s, mmpeft | the same, PyTorch | params_trainable (both) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for run, s in by.items():
    j, t = s["mmpeft"], s["pytorch"]
    for a, b in zip(j, t):
        assert all(a[k] == b[k] for k in ("params_trainable", "params_total", "intra_op_threads", "omp_wait_policy")), (run, a, b)
    # how close each side's forward+backward comes to its own 2048^2 matmul rate; the twin has the
    # same model, so mmpeft's FLOP count (BenchFlops) is the twin's too
    gflop = j[0]["forward_backward_gflop"]
    to_matmul = lambda rs: statistics.median(gflop / r["forward_backward_s"] / r["matmul_gflops"] for r in rs)
    js = statistics.median(r["train_step_s"] for r in j)
    ts = statistics.median(r["train_step_s"] for r in t)
    span = lambda rs: f"{min(r['train_step_s'] for r in rs):.3f}-{max(r['train_step_s'] for r in rs):.3f}"
    print(f"| `{run}` | {js:.3f} ({span(j)}) | {ts:.3f} ({span(t)}) | {js / ts:.2f} "
          f"| {statistics.median(r['peak_rss_mb'] for r in j):.0f} | {statistics.median(r['peak_rss_mb'] for r in t):.0f} "
          f"| {to_matmul(j):.2f} | {to_matmul(t):.2f} | {j[0]['params_trainable']:,} |")
print()
print(f"Medians of {len(j)} alternating runs each (min-max in brackets), {j[0]['intra_op_threads']} intra-op threads "
      f"and OMP_WAIT_POLICY={j[0]['omp_wait_policy']} on both sides; PyTorch's BLAS kernels: "
      f"{', '.join(sorted({r['result'].get('blas_core', 'not reported') for r in rows if r['side'] == 'pytorch'}))} "
      f"(OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for it).")
EOF
mv -f "$out/side-by-side.md.tmp" "$out/side-by-side.md"
cat "$out/side-by-side.md"
