"""The main job of ``make demo``: the whole PF-AFN pipeline on the synthetic data.

1. make the synthetic VITON-format dataset (if absent),
2. train the four stages in order (teacher warp, teacher try-on, student warp, student
   try-on), each initialised from / taught by the previous one (stages whose final
   checkpoint exists are skipped, so an interrupted demo continues),
3. evaluate the student with tools/test.py (FID/KID unpaired, SSIM/PSNR paired) and
   score its warp against the identity warp,
4. write a result grid and print where everything is.

Runs on 2 CPU cores in about 15 minutes. ``--method fsvton`` runs the same pipeline with
FS-VTON's style-flow head (configs/synthetic/fsvton_*.py), ``--method clothflow`` with
the ClothFlow ablation head (configs/synthetic/clothflow_*.py), ``--method dmvton`` /
``dmvton_fsvton`` the mobile student taught by the PF-AFN / FS-VTON teacher (the teacher
stages are shared with those pipelines and skipped when trained); their results get the
method's name as a suffix (e.g. work_dirs/synthetic/metrics_fsvton.json), PF-AFN's keep
the plain names.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import NamedTuple, Tuple

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from vtonbox.utils.cli import UserError, run_tool  # noqa: E402 (after the path set-up)

#: The four stages of each method (configs/synthetic/<stage>.py), in training order: teacher
#: warp, teacher try-on, student warp, student try-on (the one evaluated).
METHODS = {
    'pfafn': ('pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student'),
    'fsvton': ('fsvton_teacher_warp', 'fsvton_teacher_tryon', 'fsvton_warp', 'fsvton_student'),
    'clothflow': ('clothflow_teacher_warp', 'clothflow_teacher_tryon', 'clothflow_warp',
                  'clothflow_student'),
    # the mobile student, taught by the PF-AFN or the FS-VTON teacher (shared stages 1-2)
    'dmvton': ('pbafn_warp', 'pbafn_tryon', 'dmvton_warp', 'dmvton_student'),
    'dmvton_fsvton': ('fsvton_teacher_warp', 'fsvton_teacher_tryon', 'dmvton_fsvton_warp',
                      'dmvton_fsvton_student'),
}
DEFAULT_METHOD = 'pfafn'  # `make demo`
TITLES = {'pfafn': 'PF-AFN', 'fsvton': 'FS-VTON', 'clothflow': 'ClothFlow ablation',
          'dmvton': 'mobile (PF-AFN teacher)', 'dmvton_fsvton': 'mobile (FS-VTON teacher)'}
#: The four PF-AFN stages, in training order.
STAGES = METHODS[DEFAULT_METHOD]
#: Synthetic data of the demo (matches configs/_base_/datasets/synthetic_viton_parts.py).
DATA = dict(root='data/synthetic', num_train=256, num_test=32, height=128, width=96, seed=0)
WORK = 'work_dirs/synthetic'
#: Result strips stacked into the demo grid.
GRID_ROWS = 4


def tool_env():
    """One intra-op thread unless the user chose: the data loader's workers use the other
    core, and OpenMP threads competing for busy cores slow training down several-fold."""
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


def run(cmd, log_name):
    """Run a tool, echo its progress lines, keep the full log; stop the demo on failure."""
    log_path = osp.join(WORK, 'logs', f'{log_name}.log')
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    print(f'$ {" ".join(cmd)}', flush=True)
    start = time.time()
    with open(log_path, 'w') as log:
        process = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, env=tool_env(),
                                   stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:
            log.write(line)
            if 'Epoch(' in line or 'Error' in line or 'error:' in line:
                print('   ' + line.rstrip()[:200], flush=True)
        process.wait()
    if process.returncode:
        raise UserError(f'{cmd[1]} failed (exit {process.returncode})', log_path,
                        'the full log is there')
    print(f'   done in {time.time() - start:.0f} s (log: {log_path})', flush=True)


def final_checkpoint(stage):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'synthetic', f'{stage}.py'))
    return osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')


def inception_weights():
    """The real FID Inception weights if present, else a seeded random stand-in (said so)."""
    from vtonbox.evaluation.functional.inception import (
        default_inception_weights_path,
        save_random_inception_weights,
    )
    real = default_inception_weights_path()
    if osp.isfile(real):
        return real, True
    stand_in = osp.join(WORK, 'inception_random_weights.pth')
    if not osp.isfile(stand_in):
        save_random_inception_weights(stand_in, seed=0)
    return stand_in, False


def write_grid(strip_dir, out_path):
    strips = sorted(glob.glob(osp.join(strip_dir, '*.png')))[:GRID_ROWS]
    if not strips:
        return None
    rows = [cv2.imread(p) for p in strips]
    gap = np.full((2, rows[0].shape[1], 3), 255, np.uint8)
    grid = np.concatenate([x for row in rows for x in (row, gap)][:-1], axis=0)
    cv2.imwrite(out_path, grid)
    return out_path


class Plan(NamedTuple):
    """What the demo of one method trains and where it writes its results."""

    stages: Tuple[str, ...]
    student: str  # the stage evaluated (the last one)
    metrics: str
    results: str
    warp_quality: str
    grid: str
    title: str


def demo_plan(method=DEFAULT_METHOD):
    """The stages and output paths of ``method`` (PF-AFN's outputs have no suffix)."""
    suffix = '' if method == DEFAULT_METHOD else f'_{method}'
    stages = METHODS[method]
    return Plan(stages, stages[-1], osp.join(WORK, f'metrics{suffix}.json'),
                osp.join(WORK, f'results{suffix}'), osp.join(WORK, f'warp_quality{suffix}.json'),
                osp.join(WORK, f'demo_grid{suffix}.png'), TITLES[method])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--retrain', action='store_true', help='train every stage again')
    parser.add_argument('--method', choices=sorted(METHODS), default=DEFAULT_METHOD,
                        help='pipeline to train and evaluate (default: %(default)s, the one '
                             'of `make demo`)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    plan = demo_plan(args.method)
    python = sys.executable
    os.makedirs(WORK, exist_ok=True)
    start = time.time()

    if not osp.isfile(osp.join(DATA['root'], 'test_pairs.txt')):
        run([python, 'tools/dataset/make_synthetic.py', DATA['root'], '--num-train',
             str(DATA['num_train']), '--num-test', str(DATA['num_test']), '--height',
             str(DATA['height']), '--width', str(DATA['width']), '--seed', str(DATA['seed'])],
            'make_synthetic')

    for stage in plan.stages:
        checkpoint = final_checkpoint(stage)
        if osp.isfile(checkpoint) and not args.retrain:
            print(f'[{stage}] {checkpoint} exists: skipped (--retrain to train again)')
            continue
        print(f'[{stage}] training', flush=True)
        run([python, 'tools/train.py', f'configs/synthetic/{stage}.py'], f'train_{stage}')

    weights, real_weights = inception_weights()
    config = f'configs/synthetic/{plan.student}.py'
    student = final_checkpoint(plan.student)
    run([python, 'tools/test.py', config, student,
         '--out', plan.metrics, '--show-dir', plan.results, '--save-strip', '--cfg-options',
         f'test_evaluator.0.inception_weights={weights}',
         f'test_evaluator.1.inception_weights={weights}'], f'test_{plan.student}')
    run([python, 'tools/analysis/warp_quality.py', config, student, '--out',
         plan.warp_quality], osp.splitext(osp.basename(plan.warp_quality))[0])
    grid = write_grid(osp.join(plan.results, 'unpaired', 'strips'), plan.grid)

    with open(plan.metrics) as f:
        metrics = json.load(f)['metrics']
    with open(plan.warp_quality) as f:
        warp = json.load(f)
    print(f'\n=== vtonbox demo: {plan.title} student on synthetic data ===')
    for key, value in metrics.items():
        print(f'  {key:>14}: {value}')
    print(f'  warped-cloth L1 {warp["warped_cloth_l1"]:.4f} vs identity warp '
          f'{warp["identity_warp_l1"]:.4f} (lower is better)')
    if not real_weights:
        print('  note: FID/KID used a RANDOM-weight Inception (the real '
              'pt_inception-2015-12-05-6726825d.pth is not in the torch hub cache): they check '
              'the pipeline only and are not comparable to published numbers.')
    print(f'\nmetrics + protocol: {plan.metrics}\ntry-on images:      {plan.results}'
          f'\nresult grid:        {grid}\ncheckpoints:        {WORK}/<stage>/'
          f'\ntotal time:         {time.time() - start:.0f} s')


if __name__ == '__main__':
    sys.exit(run_tool(main))
