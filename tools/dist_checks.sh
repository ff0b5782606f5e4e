# Checks shared by tools/dist_train.sh and tools/dist_test.sh, sourced after they set
# CONFIG, GPUS, NNODES, NODE_RANK, PORT, MASTER_ADDR, REPO (and CHECKPOINT for testing).
# Each problem is one `error: <what> (<file>): <what to do>` line and exit 2, before
# torchrun starts. Sets PYTHON to the repository's .venv/bin/python when unset.
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
if [ -n "${CHECKPOINT+x}" ]; then
    [ -f "$CHECKPOINT" ] || fail "checkpoint not found" "$CHECKPOINT" "check the path"
fi
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
