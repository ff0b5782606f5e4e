"""Evaluate a checkpoint under the config's protocols and write a JSON record:
``python tools/test.py CONFIG CHECKPOINT [--out metrics.json] [--show-dir DIR]``.

Unpaired protocol = the config's test loop (FID/KID); paired = its val loop (SSIM/PSNR).
``--protocol NAME`` (``viton``, ``viton-hd``, ``dresscode``, ``hr-viton``; see
``vtonbox/evaluation/protocols.py``) replaces the config's ``val_evaluator`` and
``test_evaluator`` with a named preset's metrics (``--cfg-options`` still apply on top,
e.g. ``val_evaluator.2.backbone_weights=PATH``) and records the preset.
Without the FID Inception weights, FID/KID are skipped with one warning line (and listed
under ``skipped`` in the record); ``--require fid`` makes that an error at start.
User errors (missing config, bad checkpoint, ...) print one ``error:`` line and exit 2;
``--debug`` shows their traceback.
"""
import argparse
import json
import os
import sys

from mmengine.dist import get_rank

from vtonbox.engine.evaluate import (
    PROTOCOLS,
    check_checkpoint_file,
    evaluate_checkpoint,
    load_test_config,
    plan_test_metrics,
    prepare_test_config,
)
from vtonbox.engine.launch import LAUNCHERS, default_work_dir, setup_launcher, teardown_launcher
from vtonbox.evaluation.inception_plan import WEIGHTS_METRIC_NAMES, parse_required_metrics
from vtonbox.evaluation.protocols import (
    apply_protocol,
    check_required_in_protocol,
    get_protocol,
    protocol_names,
)
from vtonbox.evaluation.record import write_record
from vtonbox.utils import register_all_modules
from vtonbox.utils.cli import CfgOptionsAction, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a vtonbox model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for logs (default: work_dirs/<config>)')
    parser.add_argument('--out', help='write the metrics and their protocol to this JSON file')
    parser.add_argument('--show-dir', help='save every try-on as PNG under DIR/{unpaired,paired}')
    parser.add_argument('--save-strip', action='store_true',
                        help='with --show-dir, also save person | cloth | try-on strips')
    parser.add_argument('--protocols', nargs='+', choices=list(PROTOCOLS),
                        default=list(PROTOCOLS), help='which protocols to run (default: both)')
    parser.add_argument('--protocol', metavar='NAME',
                        help='evaluate with a named evaluation protocol instead of the '
                        f'config\'s evaluators: {", ".join(protocol_names())}')
    parser.add_argument('--require', action='append', default=[], metavar='METRIC',
                        help='fail at start unless METRIC can be computed (fid, kid, lpips; '
                        'repeat or comma-separate); without it FID/KID/LPIPS lacking their '
                        'weights are skipped with a warning')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries, e.g. test_dataloader.batch_size=2')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none',
                        help='job launcher for distributed testing')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    # Everything that needs no model: config, metrics that can run, checkpoint file.
    required = parse_required_metrics(args.require, WEIGHTS_METRIC_NAMES)
    protocol = get_protocol(args.protocol) if args.protocol else None
    if protocol is None:
        cfg = load_test_config(args.config, args.cfg_options)
    else:  # the preset's evaluators first, so --cfg-options can still change them
        check_required_in_protocol(protocol, args.protocols, required)
        cfg = load_test_config(args.config)
        apply_protocol(cfg, protocol)
        cfg = load_test_config(cfg, args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(args.config)
    prepare_test_config(cfg, args.show_dir, args.save_strip)
    plan = plan_test_metrics(cfg, args.protocols, required, save_images=bool(args.show_dir))
    check_checkpoint_file(args.checkpoint)
    if os.environ.get('RANK', '0') == '0':
        for line in plan.warnings:
            print(f'warning: {line}', file=sys.stderr, flush=True)
    success = False
    try:
        setup_launcher(cfg, args.launcher)
        # With a preset the record gains it before it is written (rank 0 only).
        record = evaluate_checkpoint(cfg, args.checkpoint, plan=plan,
                                     out=args.out if protocol is None else None)
        if protocol is not None:
            record['protocol']['preset'] = protocol.record_entry()
            if args.out and get_rank() == 0:
                write_record(record, args.out)
                print(f'record written to {args.out}', file=sys.stderr, flush=True)
        print(json.dumps(record['metrics'], indent=2))
        success = True
    finally:
        teardown_launcher(success)


if __name__ == '__main__':
    sys.exit(run_tool(main))
