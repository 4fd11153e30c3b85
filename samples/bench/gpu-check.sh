#!/usr/bin/env bash
# samples/bench/gpu-check.sh — the GPU check of the trainer, in one go, from the repository root:
#
#   samples/bench/gpu-check.sh             # on a machine with an NVIDIA GPU (about 3-5 minutes)
#   samples/bench/gpu-check.sh --dry-run   # anywhere: what it would run, and whether it could
#
# It runs (1) the GPU tests (GpuTrainingTest, GpuMixedPrecisionTest, GpuLoraTrainingTest; skipped without a GPU),
# (2) `./mmpeft bench` on the GPU in fp32 and fp16 (50 steps each: step time, final loss, peak
# GPU memory), (3) the PyTorch twin (samples/bench/pytorch_eager_bench.py --device cuda) on the
# same GPU when python3 has torch with CUDA, and (4) the quickstart on the GPU and on the CPU, and
# prints one summary block. Logs and JSON lines go to $GPU_CHECK_OUT (default
# mmpeft-out/gpu-check).
#
# The engine: DJL 0.35.1 runs PyTorch 2.7.1; its JNI jar carries the cu128 build, so the CUDA
# libtorch must be 2.7.1 (cu12x). The script takes PYTORCH_LIBRARY_PATH when set, else the lib
# folder of python3's torch when that is 2.7.1 with CUDA, and sets PYTORCH_VERSION=2.7.1 and
# PYTORCH_FLAVOR=cu128 (nothing is downloaded; Maven runs offline).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
DRY=0
case "${1:-}" in
  --dry-run) DRY=1 ;;
  "") ;;
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  *) echo "gpu-check: unknown argument '$1' (expected --dry-run)" >&2; exit 2 ;;
esac
OUT="${GPU_CHECK_OUT:-$ROOT/mmpeft-out/gpu-check}"
mkdir -p "$OUT"
START=$(date +%s)
SUMMARY=()
note() { SUMMARY+=("$1"); }
json_field() { # json_field FILE KEY: a value of a JSON file, or of the last line of a JSON-lines output, without jq
  python3 -c '
import json, sys
text = open(sys.argv[1]).read().strip()
try:
    d = json.loads(text)
except ValueError:
    d = json.loads(text.splitlines()[-1])
print(d.get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null
}

# --- what this machine has --------------------------------------------------------------------
GPU_NAME=""
if command -v nvidia-smi >/dev/null 2>&1; then
  GPU_NAME="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
fi
TORCH_INFO=""
if command -v python3 >/dev/null 2>&1; then
  TORCH_INFO="$(python3 -c 'import os, torch; print(torch.__version__, torch.version.cuda or "none", torch.cuda.is_available(), os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null || true)"
fi
TORCH_VERSION="$(echo "$TORCH_INFO" | awk '{print $1}')"
TORCH_CUDA="$(echo "$TORCH_INFO" | awk '{print $2}')"
TORCH_GPU="$(echo "$TORCH_INFO" | awk '{print $3}')"
TORCH_LIB="$(echo "$TORCH_INFO" | awk '{print $4}')"
if [[ -z "${PYTORCH_LIBRARY_PATH:-}" && "$TORCH_VERSION" == 2.7.1* && "$TORCH_CUDA" != none && -n "$TORCH_LIB" ]]; then
  export PYTORCH_LIBRARY_PATH="$TORCH_LIB"
fi
export PYTORCH_VERSION="${PYTORCH_VERSION:-2.7.1}"
export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}"

MISSING=""
[[ -z "$GPU_NAME" ]] && MISSING="no NVIDIA GPU (nvidia-smi missing or lists none)"
if [[ -z "$MISSING" && -z "${PYTORCH_LIBRARY_PATH:-}" ]]; then
  MISSING="no CUDA libtorch 2.7.1: set PYTORCH_LIBRARY_PATH to its lib folder (python3's torch is '${TORCH_VERSION:-absent}', CUDA '${TORCH_CUDA:-none}')"
fi
if [[ -z "$MISSING" && ! -e "$PYTORCH_LIBRARY_PATH/libtorch_cuda.so" ]]; then
  MISSING="PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH has no libtorch_cuda.so (a CPU-only build)"
fi
TWIN=0
[[ "$TORCH_GPU" == True ]] && TWIN=1

echo "gpu-check: GPU: ${GPU_NAME:-none}; libtorch: ${PYTORCH_LIBRARY_PATH:-none} (PYTORCH_VERSION=$PYTORCH_VERSION PYTORCH_FLAVOR=$PYTORCH_FLAVOR);" \
  "python3 torch: ${TORCH_INFO:-absent}"
PLAN=(
  "mvn -o -B -q test -pl sdk-core,samples -am -Dtest=GpuTrainingTest,GpuMixedPrecisionTest,GpuLoraTrainingTest -Dsurefire.failIfNoSpecifiedTests=false"
  "./mmpeft bench --device gpu --precision fp32 --warmup 2 --steps 48"
  "./mmpeft bench --device gpu --precision fp16 --warmup 2 --steps 48"
  "python3 samples/bench/pytorch_eager_bench.py --device cuda --warmup 2 --steps 48   (only when python3 has torch with CUDA)"
  "./mmpeft quickstart --device gpu --output $OUT/quickstart-gpu"
  "./mmpeft quickstart --device cpu --output $OUT/quickstart-cpu"
)
if [[ $DRY == 1 || -n "$MISSING" ]]; then
  echo "gpu-check: would run, in this order:"
  printf '  %s\n' "${PLAN[@]}"
  if [[ -n "$MISSING" ]]; then
    echo "gpu-check: cannot run the GPU part here: $MISSING"
    [[ $TWIN == 0 ]] && echo "gpu-check: the PyTorch twin would be skipped too: python3 has no torch with CUDA"
    [[ $DRY == 1 ]] && exit 0
    exit 3
  fi
  exit 0
fi

# --- 1. the GPU tests -------------------------------------------------------------------------
t0=$(date +%s)
if timeout 240 mvn -o -B -q test -pl sdk-core,samples -am -Dtest='GpuTrainingTest,GpuMixedPrecisionTest,GpuLoraTrainingTest' \
    -Dsurefire.failIfNoSpecifiedTests=false >"$OUT/gpu-tests.log" 2>&1; then status=passed; else status="FAILED (see $OUT/gpu-tests.log)"; fi
counts="$(python3 - "$ROOT" <<'EOF'
import glob, sys, xml.etree.ElementTree as ET
n = f = s = 0
for p in glob.glob(sys.argv[1] + "/*/target/surefire-reports/TEST-*Gpu*.xml"):
    r = ET.parse(p).getroot()
    n += int(r.get("tests")); f += int(r.get("failures")) + int(r.get("errors")); s += int(r.get("skipped"))
print(f"{n} run, {f} failed, {s} skipped")
EOF
)"
note "gpu tests:        $status: $counts ($(( $(date +%s) - t0 )) s)"

# --- 2. bench on the GPU, fp32 and fp16 -------------------------------------------------------
for p in fp32 fp16; do
  if timeout 240 ./mmpeft bench --device gpu --precision "$p" --warmup 2 --steps 48 >"$OUT/bench-$p.json" 2>"$OUT/bench-$p.log"; then
    note "bench $p:       train_step_s $(json_field "$OUT/bench-$p.json" train_step_s), final_loss $(json_field "$OUT/bench-$p.json" final_loss), peak_gpu_mb $(json_field "$OUT/bench-$p.json" peak_gpu_mb), samples_per_s $(json_field "$OUT/bench-$p.json" samples_per_s)"
  else
    note "bench $p:       FAILED: $(tail -1 "$OUT/bench-$p.log")"
  fi
done
if [[ -s "$OUT/bench-fp32.json" && -s "$OUT/bench-fp16.json" ]]; then
  note "fp16 vs fp32:     $(python3 - "$OUT" <<'EOF'
import json, sys
a = json.loads(open(sys.argv[1] + "/bench-fp32.json").read().strip().splitlines()[-1])
b = json.loads(open(sys.argv[1] + "/bench-fp16.json").read().strip().splitlines()[-1])
d = abs(b["final_loss"] - a["final_loss"]) / abs(a["final_loss"])
m = b.get("peak_gpu_mb", -1) / max(a.get("peak_gpu_mb", -1), 1)
print(f"loss after 50 steps {100 * d:.2f}% apart ({'ok' if d <= 0.02 else 'over'} 2%), peak GPU memory ratio {m:.2f}"
      f" ({'ok' if 0 < m <= 0.6 else 'over'} 0.6), step time ratio {b['train_step_s'] / a['train_step_s']:.2f}")
EOF
)"
fi

# --- 3. the PyTorch twin on the same GPU ------------------------------------------------------
if [[ $TWIN == 1 ]]; then
  if timeout 240 python3 samples/bench/pytorch_eager_bench.py --device cuda --warmup 2 --steps 48 >"$OUT/twin.json" 2>"$OUT/twin.log"; then
    note "pytorch twin:     train_step_s $(json_field "$OUT/twin.json" train_step_s), peak_gpu_allocated_mb $(json_field "$OUT/twin.json" peak_gpu_allocated_mb) ($(json_field "$OUT/twin.json" implementation))"
  else
    note "pytorch twin:     FAILED: $(tail -1 "$OUT/twin.log")"
  fi
else
  note "pytorch twin:     skipped: python3 has no torch with CUDA (${TORCH_INFO:-no torch})"
fi

# --- 4. the quickstart on the GPU and on the CPU ----------------------------------------------
for d in gpu cpu; do
  if timeout 300 ./mmpeft quickstart --device "$d" --output "$OUT/quickstart-$d" >"$OUT/quickstart-$d.log" 2>&1; then
    note "quickstart $d:   fine-tuned accuracy $(json_field "$OUT/quickstart-$d/summary.json" accuracy)%, zero-shot $(json_field "$OUT/quickstart-$d/summary.json" zero_shot_accuracy)%"
  else
    note "quickstart $d:   FAILED: $(tail -1 "$OUT/quickstart-$d.log")"
  fi
done

echo
echo "==== mmpeft gpu-check ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(( $(date +%s) - START )) s) ===="
echo "gpu:              $GPU_NAME"
echo "libtorch:         $PYTORCH_LIBRARY_PATH (PYTORCH_VERSION=$PYTORCH_VERSION, PYTORCH_FLAVOR=$PYTORCH_FLAVOR)"
printf '%s\n' "${SUMMARY[@]}"
echo "logs:             $OUT"
