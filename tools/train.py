"""Train a vtonbox model from a config: ``python tools/train.py CONFIG [options]``."""
import argparse
import sys

from mmengine.config import DictAction
from mmengine.runner import Runner

from vtonbox.engine.launch import (
    LAUNCHERS,
    default_work_dir,
    enable_amp,
    load_config,
    setup_launcher,
    teardown_launcher,
)
from vtonbox.engine.resume import checkpoint_problem, latest_readable_checkpoint
from vtonbox.utils import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a vtonbox model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from CKPT, or from the latest checkpoint in the work '
                        'dir when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (CUDA: fp16 AMP; CPU: bf16 autocast)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none',
                        help='job launcher for distributed training')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build_train_config(args):
    """Merge the command line into the config."""
    cfg = load_config(args.config, args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(args.config)
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        # The newest *readable* checkpoint; a truncated latest one is skipped.
        latest = latest_readable_checkpoint(cfg.work_dir)
        cfg.resume, cfg.load_from = latest is not None, latest
    elif args.resume is not None:
        problem = checkpoint_problem(args.resume)
        if problem:
            raise ValueError(f'--resume checkpoint {args.resume}: {problem}')
        cfg.resume, cfg.load_from = True, args.resume
    setup_launcher(cfg, args.launcher)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    success = False
    try:
        cfg = build_train_config(args)
        runner = Runner.from_cfg(cfg)
        runner.train()
        success = True
    finally:
        teardown_launcher(success)


if __name__ == '__main__':
    sys.exit(main())
