"""Run every ``bash tested`` code block of the docs, so documented commands keep working.

Each block runs on its own with ``bash`` (``set -euo pipefail``) in a fresh working copy
in a temporary folder: copies of ``configs/``, ``tools/``, ``docs/`` and the top-level
pages, links to ``vtonbox/`` and ``tests/``, an empty ``work_dirs/`` and, unless the block
generates ``data/synthetic`` itself, a tiny synthetic dataset there (8 training and 4 test
samples, 128 x 96, made once per session). Commands therefore never touch the
repository's own ``data/`` or ``work_dirs/``. ``python`` is the interpreter running the
tests (the ``.venv`` one under ``make test``), ``OMP_NUM_THREADS=1``, and the working
copy is on ``PYTHONPATH``.
"""
import os
import os.path as osp
import re
import shutil
import signal
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.test_docs.markdown_blocks import (
    TESTED_INFO,
    CodeBlock,
    blocks_to_run,
    code_blocks,
    doc_files,
)

#: Seconds one block may take before it fails.
BLOCK_TIMEOUT = 300
#: Folders copied into each working copy (a block may write into them freely).
COPIED_DIRS = ('configs', 'tools', 'docs')
COPIED_FILES = ('README.md', 'CONTRIBUTING.md', 'pyproject.toml')
#: Linked, not copied: documented commands only read them (``vtonbox`` is the package the
#: interpreter has installed, editable).
LINKED = ('vtonbox', 'tests', 'requirements')
#: The tiny dataset put at data/synthetic (make_synthetic_viton arguments).
TINY_DATASET = dict(num_train=8, num_test=4, height=128, width=96, seed=0)
#: A block that generates data/synthetic itself gets no prepared copy.
GENERATES_SYNTHETIC = re.compile(r'make_synthetic(?:\.py)?\s+data/synthetic(?:\s|$)')
OUTPUT_TAIL = 6000

BLOCKS = [block for page in doc_files(REPO_ROOT) for block in blocks_to_run(page, REPO_ROOT)]


def needs_synthetic_data(block: CodeBlock) -> bool:
    """Configs read data/synthetic without naming it in the block: every block gets the
    dataset, except one that generates it itself."""
    return not GENERATES_SYNTHETIC.search(block.code)


@pytest.fixture(scope='session')
def tiny_synthetic_dataset(tmp_path_factory):
    """A VITON-format synthetic dataset, generated once per test session."""
    from vtonbox.datasets import make_synthetic_viton
    root = tmp_path_factory.mktemp('doc_data') / 'synthetic'
    make_synthetic_viton(str(root), **TINY_DATASET)
    return root


def make_working_copy(folder, dataset=None) -> str:
    """Fill ``folder`` with what documented commands expect at the repository root."""
    for name in COPIED_DIRS:
        shutil.copytree(osp.join(REPO_ROOT, name), osp.join(folder, name),
                        ignore=shutil.ignore_patterns('__pycache__'))
    for name in COPIED_FILES:
        if osp.isfile(osp.join(REPO_ROOT, name)):
            shutil.copy2(osp.join(REPO_ROOT, name), osp.join(folder, name))
    for name in LINKED:
        os.symlink(osp.join(REPO_ROOT, name), osp.join(folder, name))
    os.makedirs(osp.join(folder, 'data'))
    os.makedirs(osp.join(folder, 'work_dirs'))
    if dataset is not None:
        shutil.copytree(dataset, osp.join(folder, 'data', 'synthetic'))
    return str(folder)


def block_env(working_copy: str) -> dict:
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    env['PYTHONPATH'] = working_copy
    env['PYTHON'] = sys.executable
    env['OMP_NUM_THREADS'] = '1'
    env.setdefault('MPLBACKEND', 'Agg')
    return env


def run_block(block: CodeBlock, cwd: str, timeout: float = BLOCK_TIMEOUT):
    """Run ``block`` with bash; return ``(returncode or None on timeout, output)``."""
    process = subprocess.Popen(['bash', '-c', 'set -euo pipefail\n' + block.code], cwd=cwd,
                               env=block_env(cwd), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the block's own process group only
        output, _ = process.communicate()
        return None, output


def test_docs_have_tested_blocks():
    pages = {block.path for block in BLOCKS}
    assert len(BLOCKS) >= 5 and 'docs/user_guides/config.md' in pages, (
        f'expected ```{TESTED_INFO} blocks in the docs, found {len(BLOCKS)} in {sorted(pages)}')


def test_no_misspelled_marker():
    """A block meant to be tested but marked differently would be skipped silently."""
    wrong = []
    for page in doc_files(REPO_ROOT):
        with open(page, encoding='utf-8') as f:
            blocks = code_blocks(f.read(), osp.relpath(page, REPO_ROOT))
        wrong += [f'{b.location}: {b.info!r}' for b in blocks
                  if 'test' in b.info.lower() and b.info != TESTED_INFO]
    assert not wrong, f'use exactly ```{TESTED_INFO}: {wrong}'


def test_runner_fails_on_errors_and_timeouts(tmp_path):
    def run(code, timeout=BLOCK_TIMEOUT):
        return run_block(CodeBlock('page.md', 1, 3, TESTED_INFO, code), str(tmp_path), timeout)

    assert run('echo "$OMP_NUM_THREADS" && command -v python') == (
        0, f'1\n{osp.join(osp.dirname(sys.executable), "python")}\n')
    returncode, output = run('false\necho unreachable')  # set -e
    assert returncode == 1 and 'unreachable' not in output
    assert run('false | cat')[0] == 1  # pipefail
    assert run('echo "$UNDEFINED_VARIABLE"')[0] != 0  # set -u
    assert run('sleep 30 & sleep 30', timeout=1)[0] is None  # the whole group is killed


def test_working_copy_layout(tmp_path):
    dataset = tmp_path / 'ds'
    (dataset / 'train_img').mkdir(parents=True)
    copy = make_working_copy(tmp_path / 'copy', dataset)
    for name in ('configs/pfafn_student.py', 'tools/train.py', 'docs/faq.md', 'README.md',
                 'data/synthetic/train_img', 'work_dirs'):
        assert osp.exists(osp.join(copy, name)), name
    assert osp.islink(osp.join(copy, 'vtonbox')) and not osp.islink(osp.join(copy, 'configs'))
    generating = CodeBlock('p.md', 1, 3, TESTED_INFO,
                           'python tools/dataset/make_synthetic.py data/synthetic --seed 0')
    assert not needs_synthetic_data(generating)
    assert needs_synthetic_data(generating._replace(code='python tools/train.py CONFIG'))


@pytest.mark.parametrize('block', BLOCKS, ids=[b.location for b in BLOCKS])
def test_documented_command_runs(block, tmp_path, request):
    dataset = request.getfixturevalue('tiny_synthetic_dataset') \
        if needs_synthetic_data(block) else None
    cwd = make_working_copy(tmp_path / 'repo', dataset)
    returncode, output = run_block(block, cwd)
    status = f'timed out after {BLOCK_TIMEOUT} s' if returncode is None \
        else f'exited with status {returncode}'
    assert returncode == 0, (f'{block.location}: the documented command {status}\n'
                             f'--- block ---\n{block.code}\n--- output (tail) ---\n'
                             f'{output[-OUTPUT_TAIL:]}')
