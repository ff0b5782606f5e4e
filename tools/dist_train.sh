#!/usr/bin/env bash
# Distributed training: tools/dist_train.sh CONFIG NUM_PROCS_PER_NODE [train.py args ...]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node.
# On CPU add: --cfg-options env_cfg.dist_cfg.backend=gloo
# PYTHON defaults to the repository's .venv/bin/python when there is one, else python.
# Before torchrun starts, a missing CONFIG, a bad process count, a python without torch
# and (on node 0) a busy MASTER_ADDR:PORT are reported as one `error:` line, exit 2.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
if [ $# -lt 2 ]; then
    echo "error: missing arguments ($0): usage: $0 CONFIG NUM_PROCS_PER_NODE [train.py args ...]" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

# shell checks before torchrun starts (one `error:` line each)
# shellcheck source=tools/dist_checks.sh
source "$HERE/dist_checks.sh"

PYTHONPATH="$REPO:${PYTHONPATH:-}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$HERE/train.py" "$CONFIG" --launcher pytorch "${@:3}"
