"""One-command GPU report: the GPU tests and the benchmark rows a GPU user wants, written
as one JSON file and one markdown table (for docs/benchmark.md), named after the GPU.

    python tools/analysis/gpu_report.py --out-dir work_dirs/gpu_report
    python tools/analysis/gpu_report.py --dry-run --out-dir work_dirs/gpu_report_dry

What runs, in which order and within which time budget (``--budget-s``, default 450 s,
so the report takes under 8 minutes; the tests get at most half of it) is described in
:mod:`vtonbox.benchmark.gpu_report`, which holds the logic; this file is its command
line. ``--dry-run`` runs the same rows on the CPU at 64 x 64, batch 1, 1 iteration with
the synthetic twin configs: the same JSON and markdown structure, for checking the tool
itself, not a measurement.

Exit status: 0; 1 when a GPU test failed or a row raised an error (the report is
written either way); 2 for a user error (no CUDA without ``--dry-run``, an output
folder that cannot be written).
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional

import torch

from vtonbox.benchmark import gpu_report
from vtonbox.utils.cli import UserError, run_tool


def check_out_dir(out_dir: str) -> None:
    """Create ``out_dir`` and check a file can be written there."""
    probe = osp.join(out_dir, f'.gpu_report_write_check_{os.getpid()}')
    try:
        os.makedirs(out_dir, exist_ok=True)
        with open(probe, 'w') as f:
            f.write('ok')
        os.remove(probe)
    except OSError as error:
        raise UserError(f'output folder cannot be written: {error.strerror or error}',
                        out_dir, 'pass a writable --out-dir') from None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out-dir', default='work_dirs/gpu_report',
                        help='folder of the JSON and markdown files')
    parser.add_argument('--budget-s', type=float, default=gpu_report.DEFAULT_BUDGET_S,
                        help='time budget of tests + rows (seconds); later rows are '
                        'skipped when it runs out')
    parser.add_argument('--tests-timeout-s', type=float,
                        default=gpu_report.DEFAULT_TESTS_TIMEOUT_S,
                        help=f'limit of the GPU tests (and at most '
                        f'{gpu_report.TESTS_SHARE:.0%} of the budget)')
    parser.add_argument('--no-tests', action='store_true', help='only the benchmark rows')
    parser.add_argument('--dry-run', action='store_true',
                        help='CPU, 64 x 64, batch 1, 1 iteration, synthetic configs')
    parser.add_argument('--stages', nargs='+', choices=gpu_report.STAGES,
                        default=list(gpu_report.STAGES), help='training stages to benchmark')
    parser.add_argument('--config', help='inference config (default configs/pfafn_student.py'
                        '; dry run: configs/synthetic/pfafn_student.py)')
    parser.add_argument('--config-dir', help='folder of the stage configs (default configs; '
                        'dry run: configs/synthetic)')
    parser.add_argument('--inference-iters', type=int, help='timed calls per inference row')
    parser.add_argument('--train-iters', type=int, help='timed steps per training row')
    return parser.parse_args(argv)


def main(argv: Optional[list] = None) -> int:
    args = parse_args(argv)
    if not args.dry_run and not torch.cuda.is_available():
        raise UserError('no CUDA device is available', 'torch.cuda.is_available()',
                        'run it on a machine with a GPU, or add --dry-run for the CPU '
                        'check of the tool')
    check_out_dir(args.out_dir)
    from vtonbox.utils import register_all_modules
    register_all_modules()
    inference_config, config_dir = gpu_report.default_configs(args.dry_run)
    report = gpu_report.run_gpu_report(
        args.stages, args.config or inference_config, args.config_dir or config_dir,
        gpu_report.settings_for(args.dry_run, args.inference_iters, args.train_iters),
        budget_s=args.budget_s,
        tests_timeout_s=None if args.no_tests else args.tests_timeout_s,
        dry_run=args.dry_run, log=lambda line: print(line, flush=True))
    json_path, md_path = gpu_report.write_report(report, args.out_dir)
    print(f'wrote {json_path} and {md_path}')
    return 1 if gpu_report.report_failed(report) else 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
