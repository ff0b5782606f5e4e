#!/usr/bin/env bash
# Train on a SLURM cluster: tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [args ...]
# GPUS (total, default 8), GPUS_PER_NODE (default 8), CPUS_PER_TASK (default 5) and
# SRUN_ARGS are read from the environment. Each task is one process (one GPU).
# PYTHON defaults to the repository's .venv/bin/python when there is one, else python.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
if [ $# -lt 4 ]; then
    echo "error: missing arguments ($0): usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [train.py args ...]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$REPO/.venv/bin/python" ]; then PYTHON="$REPO/.venv/bin/python"; else PYTHON=python; fi
fi
fail() {  # fail WHAT FILE TODO: one line, exit 2 (before the job is submitted)
    echo "error: $1 ($2): $3" >&2
    exit 2
}
[ -f "$CONFIG" ] || fail "config file not found" "$CONFIG" "check the path (configs are listed in configs/)"
for name in GPUS GPUS_PER_NODE CPUS_PER_TASK; do
    value=${!name}
    { [[ "$value" =~ ^[0-9]+$ ]] && [ "$((10#$value))" -gt 0 ]; } ||
        fail "$name must be a positive integer, got '$value'" "$name" "set e.g. $name=8"
done

PYTHONPATH="$REPO:${PYTHONPATH:-}" \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$HERE/train.py" "$CONFIG" --work-dir="$WORK_DIR" --launcher slurm "${@:5}"
