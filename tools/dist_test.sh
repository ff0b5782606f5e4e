#!/usr/bin/env bash
# Distributed testing: tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS_PER_NODE [test.py args ...]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node.
# On CPU add: --cfg-options env_cfg.dist_cfg.backend=gloo
# PYTHON defaults to the repository's .venv/bin/python when there is one, else python.
# Before torchrun starts, a missing CONFIG or CHECKPOINT, a bad process count, a python without torch
# and (on node 0) a busy MASTER_ADDR:PORT are reported as one `error:` line, exit 2.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
if [ $# -lt 3 ]; then
    echo "error: missing arguments ($0): usage: $0 CONFIG CHECKPOINT NUM_PROCS_PER_NODE [test.py args ...]" >&2
    exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
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
    "$HERE/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
