#!/usr/bin/env bash
# A prepared GPU check of fssm, for a lent GPU machine (one NVIDIA H200, offline, at most 8 minutes,
# python3 with torch + CUDA, numpy, scipy, scikit-image, matplotlib, tqdm, pytest and Pillow; fssm is not
# installed there: everything runs from the repository root with PYTHONPATH=.).
#
#   bash tools/gpu_check.sh              # the real run: needs CUDA; writes results/bench-kernel_layer-cuda.json
#   bash tools/gpu_check.sh --dry-run    # the same steps on a CPU at tiny sizes (also GPU_CHECK_DRY_RUN=1);
#                                        # tests/test_cuda.py runs it in CI
# Steps, each under its own time limit and all under one budget (GPU_CHECK_BUDGET_S, default 470 s):
#   env          nvidia-smi, python/torch/CUDA versions, the device's properties (real run: CUDA must work)
#   cuda-tests   python3 -m pytest -m cuda tests (tests/test_cuda.py; FSSM_REQUIRE_CUDA=1 makes a missing
#                GPU a failure, not a skip); junit XML into $OUT
#   bench        bench/kernel_layer.py --device cuda: speed, memory and memory bandwidth of the kernel and
#                layer at L = 1024 4096 16384 (about 2.5 minutes). It runs before the trainings because its
#                JSON is what gets committed; the trainings are pass/fail checks with short limits.
#   waves, denoising, lra-listops
#                one short colab-scale training of each experiment through its CLI, into a temporary --out
# Then one line per step: "SUMMARY <step> <passed|failed|timed-out|skipped> <seconds>s".
# Environment: OUT (folder whose files come back; default a new temporary folder), PYTHON (default python3),
# GPU_CHECK_BUDGET_S, FSSM_COMMIT (commit hash for the bench's provenance when the tree has no .git).
# Returned in $OUT (at most 8 files): gpu_check.log, pytest-cuda.xml, bench-kernel_layer-cuda.json (dry run:
# bench-kernel_layer-dry.json; only a real run writes results/), and the three experiments' JSON files.
set -euo pipefail
export PYTHONUNBUFFERED=1

DRY_RUN=${GPU_CHECK_DRY_RUN:-0}
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "gpu_check.sh: unknown argument $arg (use --dry-run or nothing)" >&2; exit 2 ;;
  esac
done
[[ "$DRY_RUN" == "0" || "$DRY_RUN" == "" ]] && DRY_RUN=0 || DRY_RUN=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/gpu-check-out.XXXXXX")}
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check-work.XXXXXX")  # experiment outputs, generated data, run folders
trap 'rm -rf "$WORK"' EXIT
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export MPLBACKEND=Agg
export FSSM_DATA="$WORK/data"        # generated ListOps and LRA run folders: never the user's cache
export FSSM_RESULTS="$WORK/results"  # a CLI without --out writes here, never into results/
export GPU_CHECK_RUNNING=1           # tests/test_cuda.py's dry-run test skips itself inside a check

unset FSSM_CUDA_TESTS_DEVICE FSSM_REQUIRE_CUDA FSSM_DEVICE
if (( DRY_RUN )); then
  MODE="dry run (CPU, tiny sizes)"; DEVICE=cpu; SCALE=smoke
  BUDGET=${GPU_CHECK_BUDGET_S:-300}
else
  MODE="GPU run"; DEVICE=cuda; SCALE=colab
  BUDGET=${GPU_CHECK_BUDGET_S:-470}
  export FSSM_REQUIRE_CUDA=1
fi

# --- the experiments' command lines: the same flags in both modes, sizes differ ---------------------------
WAVES_ARGS=(--seeds 0 --configs 1,0 --epochs 1)
# colab denoising reads CelebA, which cannot be downloaded on the GPU machine: scikit-image's LFW subset
# (fssm.data.images.lfw_faces: skimage.data.lfw_subset(), shipped inside the scikit-image wheel, offline)
# instead. rows x cols stay the colab scale's 256 x 128 (L = 32768; the 25 x 25 faces are resized to it),
# but the subset holds only 100 faces, so n_train + n_test must be <= 100 (colab asks for 20000 + 1000).
DEN_ARGS=(--alphas raw flip --betas 0 1 --seeds 0 --epochs 1)
# ListOps generation runs on the CPU at about 0.5 ms per expression (500 < length < 2000; measured on a
# shared 2-core CPU: 2000 in 1.0 s): colab's 20000/2000/2000 would take ~12 s and 625 steps. 10000/1000/1000
# (~6 s, 312 steps of batch 32 at L = 2048, d_model 128, 4 bidirectional layers, bf16) keeps the run well
# under a minute on an H200.
LRA_ARGS=(--task listops --seeds 0 --epochs 1 --fresh)
DEN_SET_GPU=(source=lfw n_train=80 n_test=20)
LRA_SET_GPU=(n_train=10000 n_val=1000 n_test=1000)
if (( DRY_RUN )); then
  DEN_SET=(source=lfw n_train=16 n_test=8)  # smoke: 16 x 16 images
  LRA_SET=(n_train=48 n_val=16 n_test=16)   # smoke: the same sizes, set explicitly like the GPU run's
  BENCH_ARGS=(--device cpu --lengths 256 --min-run-time 0.1 --rounds 1 --memory-repeats 1 --bandwidth
              --out "$OUT/bench-kernel_layer-dry.json")
  BENCH_JSON=""
else
  DEN_SET=("${DEN_SET_GPU[@]}")
  LRA_SET=("${LRA_SET_GPU[@]}")
  # 3 lengths x 5 cases x 8 s of timing, plus set-up, memory and byte counts: about 2.5 minutes
  BENCH_ARGS=(--device cuda --lengths 1024 4096 16384 --min-run-time 8
              --out results/bench-kernel_layer-cuda.json)
  BENCH_JSON=results/bench-kernel_layer-cuda.json
fi
# the GPU run's command lines; the dry run checks that they parse (each CLI's --dry-run, on the CPU)
GPU_WAVES=(-m fssm.experiments.waves --scale colab "${WAVES_ARGS[@]}")
GPU_DEN=(-m fssm.experiments.denoising --scale colab "${DEN_ARGS[@]}" --set "${DEN_SET_GPU[@]}")
GPU_LRA=(-m fssm.experiments.lra --scale colab "${LRA_ARGS[@]}" --set "${LRA_SET_GPU[@]}")

START=$(date +%s)
DEADLINE=$(( START + BUDGET ))
SUMMARY=()
FAILED=0
STEP_DEADLINE=0

t() {  # run a command under the current step's remaining time
  local left=$(( STEP_DEADLINE - $(date +%s) ))
  (( left >= 1 )) || return 124
  echo "+ $*"
  timeout --kill-after=15 "$left" "$@"
}

run_step() {  # run_step NAME LIMIT_SECONDS FUNCTION
  local name=$1 limit=$2 fn=$3 now left rc=0 t0 t1 status
  now=$(date +%s)
  left=$(( DEADLINE - now ))
  if (( left < limit )); then limit=$left; fi
  echo
  echo "=== [$(date -u +%H:%M:%S)] step $name (limit ${limit} s, ${left} s of the budget left)"
  if (( limit < 5 )); then
    SUMMARY+=("SUMMARY $name skipped 0.0s (budget spent)"); FAILED=1; return 0
  fi
  STEP_DEADLINE=$(( now + limit ))
  t0=$(date +%s%N)
  "$fn" || rc=$?
  t1=$(date +%s%N)
  case $rc in
    0) status=passed ;;
    124|137) status=timed-out ;;
    *) status=failed ;;
  esac
  local ms=$(( (t1 - t0) / 1000000 )) secs note=""
  secs=$(printf '%d.%d' $(( ms / 1000 )) $(( (ms % 1000) / 100 )))
  if [[ $rc != 0 ]]; then note=" (exit status $rc)"; fi
  SUMMARY+=("SUMMARY $name $status ${secs}s$note")
  echo "=== step $name: $status in ${secs} s"
  [[ $status == passed ]] || FAILED=1
  return 0
}

# --- the steps --------------------------------------------------------------------------------------------
step_env() {  # nvidia-smi is informative only; the step fails (real run) when torch cannot compute on CUDA
  if command -v nvidia-smi >/dev/null 2>&1; then
    t nvidia-smi || echo "nvidia-smi failed (exit status $?)"
  else
    echo "nvidia-smi: not found"
  fi
  git rev-parse HEAD 2>/dev/null | sed 's/^/git commit: /' || echo "git commit: unknown (no .git here)"
  t "$PYTHON" - "$DEVICE" <<'EOF'
import os, platform, sys
import numpy, scipy, skimage, torch

device = sys.argv[1]
print(f"python {platform.python_version()} | torch {torch.__version__} | CUDA (torch built with) {torch.version.cuda} "
      f"| cuDNN {torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None} "
      f"| numpy {numpy.__version__} | scipy {scipy.__version__} | scikit-image {skimage.__version__}")
print(f"CPU cores {os.cpu_count()} | torch threads {torch.get_num_threads()} | CUDA available {torch.cuda.is_available()} "
      f"| devices {torch.cuda.device_count()} | TF32 matmul {torch.backends.cuda.matmul.allow_tf32}")
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    extra = {a: getattr(p, a, None) for a in ("memory_clock_rate", "memory_bus_width", "L2_cache_size")}
    print(f"cuda:{i} {p.name} | capability {p.major}.{p.minor} | {p.total_memory / 2**30:.0f} GiB | "
          f"{p.multi_processor_count} SMs | {extra}")
import fssm  # from PYTHONPATH (the repository), not an installed copy
print(f"fssm {fssm.__version__} from {os.path.dirname(fssm.__file__)}")
if device == "cuda":
    x = torch.arange(10.0, device="cuda")
    assert float((x * 2).sum()) == 90.0, "a CUDA computation gave a wrong result"
    print("CUDA works:", torch.cuda.get_device_name(0))
EOF
}

step_cuda_tests() {
  t "$PYTHON" -m pytest -m cuda tests -q -rfEs --durations=10 --junitxml="$OUT/pytest-cuda.xml"
}

step_bench() {
  t "$PYTHON" bench/kernel_layer.py "${BENCH_ARGS[@]}" || return $?
  if [[ -n "$BENCH_JSON" ]]; then cp "$BENCH_JSON" "$OUT/"; fi
}

plan_check() {  # the dry run: the GPU run's command line parses and plans (with --device cpu)
  (( DRY_RUN )) || return 0
  t "$PYTHON" "$@" --device cpu --out "$WORK/plan" --no-progress --dry-run
}

step_waves() {
  plan_check "${GPU_WAVES[@]}" || return $?
  t "$PYTHON" -m fssm.experiments.waves --scale "$SCALE" "${WAVES_ARGS[@]}" \
    --device "$DEVICE" --out "$WORK/out" --no-progress || return $?
  cp "$WORK/out/waves-$SCALE.json" "$OUT/"
}

step_denoising() {
  plan_check "${GPU_DEN[@]}" || return $?
  t "$PYTHON" -m fssm.experiments.denoising --scale "$SCALE" "${DEN_ARGS[@]}" --set "${DEN_SET[@]}" \
    --device "$DEVICE" --out "$WORK/out" --no-progress || return $?
  cp "$WORK/out/denoising-$SCALE.json" "$OUT/"
}

step_lra() {
  plan_check "${GPU_LRA[@]}" --workdir "$WORK/runs" || return $?
  t "$PYTHON" -m fssm.experiments.lra --scale "$SCALE" "${LRA_ARGS[@]}" --set "${LRA_SET[@]}" \
    --workdir "$WORK/runs" --device "$DEVICE" --out "$WORK/out" --no-progress || return $?
  cp "$WORK/out/lra-listops-$SCALE.json" "$OUT/"
}

main() {
  echo "gpu_check.sh: $MODE | repository $ROOT | OUT=$OUT | budget ${BUDGET} s | $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  run_step env 60 step_env
  if (( FAILED )) && (( ! DRY_RUN )); then
    echo "no working CUDA device: the other steps are not run"
  else
    run_step cuda-tests 150 step_cuda_tests
    run_step bench 240 step_bench
    run_step waves 75 step_waves
    run_step denoising 75 step_denoising
    run_step lra-listops 100 step_lra
  fi
  echo
  printf '%s\n' "${SUMMARY[@]}"
  echo "gpu_check.sh: $( (( FAILED )) && echo FAILED || echo passed) in $(( $(date +%s) - START )) s ($MODE); files in $OUT:"
  ls -l "$OUT"
  return $FAILED
}

# the script's exit status is main's (pipefail): 0 when every step passed
main 2>&1 | tee "$OUT/gpu_check.log"
