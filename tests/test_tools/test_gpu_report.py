"""tools/analysis/gpu_report.py (its logic in vtonbox/benchmark/gpu_report.py and
gpu_tests.py): the dry run writes the report's JSON and markdown on the CPU; the time
budget, the row outcomes and the test-result parsing; user errors."""
import json
import os.path as osp
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers.tool_runs import load_tool
from vtonbox.benchmark import gpu_report
from vtonbox.benchmark.gpu_tests import run_gpu_tests
from vtonbox.utils.cli import run_tool

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'gpu_report.py')
ROW_KEYS = ('id', 'planned', 'kind', 'name', 'config', 'size', 'batch_size', 'precision',
            'channels_last', 'compile', 'status', 'note', 'wall_s', 'metrics', 'result')


def run_report(args, env=None, timeout=300):
    return subprocess.run([sys.executable, TOOL, *args], cwd=REPO_ROOT,
                          env=env or tool_env(), capture_output=True, text=True,
                          timeout=timeout)


def test_dry_run_writes_the_report(tmp_path):
    out = tmp_path / 'report'
    result = run_report(['--dry-run', '--no-tests', '--stages', 'pfafn_student',
                         '--out-dir', str(out)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((out / 'gpu_report_dry_run.json').read_text())
    markdown = (out / 'gpu_report_dry_run.md').read_text()
    assert report['dry_run'] and report['environment']['device'] == 'cpu'
    assert report['tests']['command'] is None and report['markdown'].endswith('.md')
    rows = report['rows']
    planned = [row['planned'] for row in rows]
    assert len(set(planned)) == len(planned)
    for batch in (1, 8, 64):  # the GPU plan, shrunk
        for precision in ('fp32', 'fp16', 'bf16'):
            assert f'inference/fast/256x192/b{batch}/{precision}' in planned
    assert any(p.startswith('train/pfafn_student/512x384/') for p in planned)
    statuses = {row['status'] for row in rows}
    assert statuses <= {'ok', 'skipped'}, [(r['id'], r['note']) for r in rows
                                           if r['status'] not in ('ok', 'skipped')]
    ran = [row for row in rows if row['status'] == 'ok']
    assert {(row['kind'], row['name']) for row in ran} >= {
        ('inference', 'fast'), ('inference', 'model'), ('train', 'pfafn_student')}
    for row in rows:
        assert all(key in row for key in ROW_KEYS)
        assert row['size'] == [64, 64] and row['batch_size'] == 1
        assert row['status'] == 'ok' or row['note']
    for row in ran:
        assert row['metrics']['images_per_s'] > 0 and row['metrics']['peak_mem_mb'] > 0
        assert row['metrics']['gflop_per_image'] > 0  # counted once, shared by the rows
        assert row['result']['device'] == 'cpu'
    assert '### GPU report: CPU' in markdown and '**Dry run**' in markdown
    assert '#### Inference' in markdown and '#### Training' in markdown
    table_lines = [line for line in markdown.splitlines() if line.startswith('| ')]
    assert len(table_lines) == len(rows) + 2  # + the two header lines
    assert f'wrote {out}' in result.stdout


def test_gpu_tests_are_run_and_parsed(tmp_path):
    tests = tmp_path / 'gpu_suite' / 'test_fake_gpu.py'
    tests.parent.mkdir()
    tests.write_text(textwrap.dedent('''\
        import pytest
        pytestmark = pytest.mark.gpu

        def test_passes():
            pass

        def test_fails():
            assert 1 == 2, 'wrong sum'

        @pytest.mark.skip(reason='no device')
        def test_skips():
            pass
        '''))
    (tmp_path / 'gpu_suite' / 'test_not_gpu.py').write_text(
        'import pytest\n\n@pytest.mark.cpu_only\ndef test_other():\n    pass\n')
    report = run_gpu_tests(120, str(tmp_path), hide_gpus=True,
                           paths=[str(tests.parent)])
    assert report['summary'] == dict(passed=1, failed=1, error=0, skipped=1), report
    assert not report['timed_out'] and report['returncode'] == 1
    failed = [case for case in report['cases'] if case['outcome'] == 'failed']
    assert failed[0]['name'].endswith('test_fails') and 'wrong sum' in failed[0]['message']


class FakeRunner:
    """Stands in for RowRunner: ``run`` does what the row's name says."""

    def __init__(self, settings):
        self.settings = settings
        self.estimates = {}

    def run(self, row):
        if row.name == 'slow':
            time.sleep(5)
        if row.name == 'broken':
            raise ValueError('bad\nvalue')
        if row.name == 'oom':
            raise RuntimeError('CUDA out of memory. Tried to allocate 2.00 GiB')
        return dict(images_per_s=10.0, latency_ms_p50=1.0, precision='fp32', device='cpu')


def test_rows_within_the_budget(monkeypatch):
    tool = gpu_report
    now = [0.0]
    budget = tool.Budget(100, reserve_s=10, clock=lambda: now[0])
    runner = FakeRunner(tool.Settings(device='cpu'))

    def row(name, precision='fp32', kind='inference'):
        return tool.Row(kind, name, 'c.py', (64, 64), 1, precision)

    ok = tool.run_row(row('fast'), runner, budget)
    assert ok.status == 'ok' and ok.metrics == dict(images_per_s=10.0, latency_ms_p50=1.0,
                                                    precision='fp32')
    assert runner.estimates['inference'] == ok.wall_s  # the next estimate of its group
    assert tool.run_row(row('fast', 'bf16'), runner, budget).note.startswith('ran as fp32')
    assert tool.run_row(row('fast', 'fp16'), runner, budget).note == 'fp16 runs on CUDA only'
    broken = tool.run_row(row('broken'), runner, budget)
    assert broken.status == 'error' and broken.note == 'ValueError: bad value'
    assert tool.run_row(row('oom'), runner, budget).status == 'oom'

    now[0] = 85.0  # 5 s left: a row expected to take 30 s does not start
    skipped = tool.run_row(row('fast', kind='train'), runner, budget)
    assert skipped.status == 'skipped' and skipped.note.startswith('over the time budget')
    runner.estimates['inference'] = 0.1  # expected to fit, but takes longer than what is left
    now[0] = 89.7
    start = time.monotonic()
    stopped = tool.run_row(row('slow'), runner, budget)
    assert stopped.status == 'timeout' and time.monotonic() - start < 3


def test_plan_has_every_row_the_docs_list(monkeypatch):
    from vtonbox.deploy import precision as precision_module
    monkeypatch.setattr(precision_module, '_warned', set())  # the dry run checks bf16
    tool = gpu_report
    batches = {stage: 4 for stage in tool.STAGES}
    rows = tool.plan_rows(tool.STAGES, 'configs/pfafn_student.py', 'configs', batches, False)
    ids = [row.id for row in rows]
    assert len(set(ids)) == len(ids)
    for stage in tool.STAGES:
        for precision in ('fp32', 'fp16', 'bf16'):
            assert f'train/{stage}/256x192/b4/{precision}' in ids
        assert f'train/{stage}/512x384/b4/fp16' in ids
    assert sum(row.compile for row in rows) >= 2
    assert ids.index('inference/fast/256x192/b64/bf16') < ids.index('train/pbafn_warp/'
                                                                    '256x192/b4/fp32')
    dry = tool.plan_rows(tool.STAGES, 'x.py', 'configs/synthetic', batches, True)
    assert [row.planned for row in dry] == ids


@pytest.fixture
def report_error(capsys):
    """``report_error(*argv)``: the one line the tool's ``main`` prints for a user error
    in this process, as its entry point does (the dry run above starts the real one)."""
    tool = load_tool('analysis/gpu_report.py')

    def call(*argv):
        capsys.readouterr()
        status = run_tool(tool.main, [str(arg) for arg in argv])
        stderr = capsys.readouterr().err
        assert status == 2 and 'Traceback' not in stderr, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith('error: '), stderr
        return lines[0]
    return call


def test_no_cuda_is_one_error_line(tmp_path, report_error, monkeypatch):
    monkeypatch.setattr('torch.cuda.is_available', lambda: False)
    line = report_error('--out-dir', tmp_path / 'out')
    assert line == ('error: no CUDA device is available (torch.cuda.is_available()): run it '
                    'on a machine with a GPU, or add --dry-run for the CPU check of the tool')
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('make', ['under_a_file', 'read_only'])
def test_unwritable_out_dir_is_one_error_line(tmp_path, make, report_error):
    if make == 'under_a_file':
        (tmp_path / 'plain_file').write_text('x')
        out_dir = tmp_path / 'plain_file' / 'report'
    else:
        import os
        if os.geteuid() == 0:
            pytest.skip('root can write into read-only folders')
        out_dir = tmp_path / 'read_only'
        out_dir.mkdir()
        out_dir.chmod(0o500)
    line = report_error('--dry-run', '--out-dir', out_dir)
    assert line.startswith('error: output folder cannot be written: ')
    assert line.endswith(f'({out_dir}): pass a writable --out-dir')
