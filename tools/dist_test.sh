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

# --- checks before torchrun starts (same block in dist_train.sh) ------------------------
fail() {  # fail WHAT FILE TODO: one line, exit 2
    echo "error: $1 ($2): $3" >&2
    exit 2
}
is_positive_int() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$((10#$1))" -gt 0 ]; }
if [ -z "${PYTHON:-}" ]; then  # the repository's virtual environment when there is one
    if [ -x "$REPO/.venv/bin/python" ]; then PYTHON="$REPO/.venv/bin/python"; else PYTHON=python; fi
fi
command -v "$PYTHON" >/dev/null 2>&1 ||
    fail "python not found: $PYTHON" PYTHON "set PYTHON to the python of your vtonbox environment"
[ -f "$CONFIG" ] || fail "config file not found" "$CONFIG" "check the path (configs are listed in configs/)"
[ -f "$CHECKPOINT" ] || fail "checkpoint not found" "$CHECKPOINT" "check the path"
is_positive_int "$GPUS" ||
    fail "the number of processes per node must be a positive integer, got '$GPUS'" \
        NUM_PROCS_PER_NODE "pass e.g. 2 (one process per GPU)"
is_positive_int "$NNODES" || fail "NNODES must be a positive integer, got '$NNODES'" NNODES "set e.g. NNODES=1"
{ [[ "$NODE_RANK" =~ ^[0-9]+$ ]] && [ "$((10#$NODE_RANK))" -lt "$((10#$NNODES))" ]; } ||
    fail "NODE_RANK must be 0 to NNODES-1, got '$NODE_RANK'" NODE_RANK "set NODE_RANK=0 on the first node"
{ is_positive_int "$PORT" && [ "$((10#$PORT))" -le 65535 ]; } ||
    fail "PORT must be a port number (1-65535), got '$PORT'" PORT "set e.g. PORT=29500"
# torch installed for PYTHON and, on the first node, MASTER_ADDR:PORT free for torchrun.
"$PYTHON" - "$MASTER_ADDR" "$PORT" "$NODE_RANK" <<'PY' || exit $?
import errno, importlib.util, socket, sys
addr, port, node_rank = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def fail(line):
    print(f'error: {line}', file=sys.stderr)
    sys.exit(2)
if importlib.util.find_spec('torch') is None:
    fail(f'torch is not installed for {sys.executable} (PYTHON): set PYTHON to the python '
         'of your vtonbox environment, or install vtonbox into .venv')
if node_rank == 0:
    try:
        infos = socket.getaddrinfo(addr, port, type=socket.SOCK_STREAM)[:1]
    except socket.gaierror:
        infos = []  # unresolvable: torchrun says so
    for family, kind, proto, _, sockaddr in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(sockaddr)
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    break  # e.g. MASTER_ADDR is another machine: nothing to check here
                with socket.socket(family, kind, proto) as free:
                    free.bind((sockaddr[0], 0))
                    example = free.getsockname()[1]
                fail(f'port {port} is in use (PORT): set PORT=<free port> '
                     f'(e.g. PORT={example}) or stop the run that holds it')
PY
# ------------------------------------------------------------------------------------------

PYTHONPATH="$REPO:${PYTHONPATH:-}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$HERE/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
