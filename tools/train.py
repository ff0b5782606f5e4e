"""Train a vtonbox model from a config: ``python tools/train.py CONFIG [options]``.

User errors (missing config, bad ``--cfg-options``, a ``--resume`` checkpoint that cannot
be loaded, training stopped by non-finite losses) print one ``error:`` line and exit 2;
``--debug`` shows the traceback.
"""
import argparse
import re
import sys
from typing import Optional

from mmengine.runner import Runner

from vtonbox.engine.launch import (
    LAUNCHERS,
    default_work_dir,
    enable_amp,
    load_config,
    setup_launcher,
    teardown_launcher,
)
from vtonbox.engine.resume import check_resumable, latest_readable_checkpoint
from vtonbox.utils import register_all_modules
from vtonbox.utils.cli import CfgOptionsAction, UserError, run_tool


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
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
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
        check_resumable(args.resume)  # one line naming the problem, before the Runner
        cfg.resume, cfg.load_from = True, args.resume
    setup_launcher(cfg, args.launcher)
    return cfg


def train(runner: Runner) -> None:
    """``runner.train()``; training stopped by non-finite losses is a user error.

    The try-on models raise ``FloatingPointError`` with a message that names the loss
    terms and what to do (``model.nonfinite_loss``, ``model.max_consecutive_skips``).
    """
    try:
        runner.train()
    except FloatingPointError as error:
        raise UserError(f'training stopped at iteration {runner.iter + 1}: {error}') \
            from error


def config_error(error: Exception, config: str) -> Optional[UserError]:
    """The user error of a config entry MMEngine cannot build, or None for other errors.

    Recognised: a ``type`` that is not registered (``KeyError: X is not in the ...
    registry``) and, while building the model, arguments the class does not take.
    """
    message = str(error.args[0]) if error.args else ''
    if isinstance(error, KeyError) and re.search(r' is not in the \S+ registry', message):
        return UserError(message.split('. ')[0], config,
                         'check the `type` name; modules of your own need custom_imports')
    if isinstance(error, TypeError) and re.search(
            r'unexpected keyword argument|missing \d+ required', message):
        return UserError(f'the model config does not fit its class: {message}', config,
                         'check the entry against the class\'s arguments')
    return None


def reraise_config_error(error: Exception, config: str) -> None:
    """Raise ``error`` as a user error when :func:`config_error` recognises it, else as is."""
    user_error = config_error(error, config)
    if user_error is None:
        raise error
    raise user_error from error


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    success = False
    try:
        cfg = build_train_config(args)
        try:
            runner = Runner.from_cfg(cfg)
        except (KeyError, TypeError) as error:
            reraise_config_error(error, args.config)
        try:
            train(runner)
        except KeyError as error:  # dataloaders, optimizers ... are built in train()
            reraise_config_error(error, args.config)
        success = True
    finally:
        teardown_launcher(success)


if __name__ == '__main__':
    sys.exit(run_tool(main))
