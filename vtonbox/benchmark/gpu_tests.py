"""The ``pytest -m gpu`` suite run in a subprocess, its JUnit XML read back: pass / fail /
skip of every test (the first part of the GPU report, :mod:`.gpu_report`)."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from typing import List, Sequence

from vtonbox.utils.cli import one_line
from vtonbox.utils.model_loading import REPO_ROOT

#: The GPU test folder, relative to the repository root.
GPU_TESTS = osp.join('tests', 'test_gpu')


def parse_junit(path: str) -> List[dict]:
    """Test cases of a pytest JUnit XML file: name, outcome, seconds, message."""
    cases = []
    for case in ET.parse(path).getroot().iter('testcase'):
        outcome, message = 'passed', ''
        for child in case:
            if child.tag in ('failure', 'error', 'skipped'):
                outcome = {'failure': 'failed', 'error': 'error'}.get(child.tag, 'skipped')
                message = one_line(child.get('message') or child.text or '')[:300]
                break
        name = f"{case.get('classname', '')}::{case.get('name', '')}".lstrip(':')
        cases.append(dict(name=name, outcome=outcome, time_s=float(case.get('time') or 0),
                          message=message))
    return cases


def run_gpu_tests(timeout_s: float, work_dir: str, hide_gpus: bool,
                  paths: Sequence[str] = (GPU_TESTS,)) -> dict:
    """``pytest -m gpu tests/test_gpu`` in its own process group (killed whole on
    timeout, so no torchrun child outlives it); ``hide_gpus``: every test skips."""
    xml = osp.join(work_dir, 'gpu_tests.xml')
    command = [sys.executable, '-m', 'pytest', '-m', 'gpu', *paths, '-q', '-rfE',
               f'--junitxml={xml}']
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (REPO_ROOT, env.get('PYTHONPATH')) if p)
    if hide_gpus:
        env['CUDA_VISIBLE_DEVICES'] = '-1'
    start = time.monotonic()
    report = dict(command=' '.join(['python', *command[1:-1]]), timeout_s=round(timeout_s),
                  hide_gpus=hide_gpus)
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=max(timeout_s, 1))
        report['returncode'] = process.returncode
        report['timed_out'] = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        report['returncode'] = None
        report['timed_out'] = True
    report['duration_s'] = round(time.monotonic() - start, 1)
    report['output_tail'] = (output or '')[-4000:]
    report['cases'] = parse_junit(xml) if osp.isfile(xml) else []
    counts = {key: 0 for key in ('passed', 'failed', 'error', 'skipped')}
    for case in report['cases']:
        counts[case['outcome']] += 1
    report['summary'] = counts
    return report


def skipped_tests(reason: str) -> dict:
    return dict(command=None, returncode=None, timed_out=False, duration_s=0.0,
                output_tail='', cases=[], summary=dict(passed=0, failed=0, error=0,
                                                        skipped=0), note=reason)
