"""Test a checkpoint with the config's test loop and metrics:
``python tools/test.py CONFIG CHECKPOINT [--out metrics.json] [--show-dir DIR]``."""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.runner import Runner

from vtonbox.engine.launch import (LAUNCHERS, default_work_dir, load_config, setup_launcher,
                                   teardown_launcher)
from vtonbox.utils import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a vtonbox model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for logs (default: work_dirs/<config>)')
    parser.add_argument('--out', help='write the metrics (and their provenance) to this JSON')
    parser.add_argument('--show-dir', help='save every try-on image (PNG) to this directory')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. test_dataloader.batch_size=2')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none',
                        help='job launcher for distributed testing')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build_test_config(args):
    """Merge the command line into the config."""
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'Checkpoint not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(args.config)
    cfg.load_from = args.checkpoint
    setup_launcher(cfg, args.launcher)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    try:
        cfg = build_test_config(args)
        runner = Runner.from_cfg(cfg)
        metrics = runner.test()
        if args.out and runner.rank == 0:
            import json
            with open(args.out, 'w') as f:
                json.dump(metrics, f, indent=2, default=float)
            print(f'Metrics written to {args.out}')
    finally:
        teardown_launcher()


if __name__ == '__main__':
    sys.exit(main())
