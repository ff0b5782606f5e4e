"""Evaluate saved try-on images of any method under vtonbox's pinned protocol.

Example:
    python tools/eval_folders.py --real data/viton/test/image --fake results/pfafn \
        --metrics fid kid --out results/pfafn_metrics.json

    python tools/eval_folders.py --protocol viton-hd --setting paired \
        --real data/viton_hd/test/image --fake results/paired --lpips-weights alexnet.pth

FID/KID compare all images of both folders; SSIM/PSNR/LPIPS compare pairs with the same
file name (or the pairs of ``--pairs``: ``fake_name real_name`` per line). The metrics are
printed and written, with their provenance, to a JSON record (``--out``).
``--protocol NAME --setting paired|unpaired`` takes the metrics, SSIM variant and LPIPS
resize of a named evaluation protocol (``vtonbox/evaluation/protocols.py``) instead of
``--metrics``, ``--ssim-variant`` and ``--lpips-resize``, and records the protocol.

Without the FID Inception weights (or LPIPS's AlexNet weights), FID/KID (LPIPS) are
skipped with one warning line (and listed under ``skipped`` in the record) and the other
metrics run; ``--require fid`` (``kid``, ``lpips``), or asking only for metrics that need
weights, makes that an error before any image is read. User errors print one ``error:``
line and exit 2; ``--debug`` shows their traceback.
"""
import argparse
import json
import os.path as osp
import sys

from vtonbox.evaluation import evaluate_folders, folder_record, write_record
from vtonbox.evaluation.feature_extractor import DEFAULT_BATCH_SIZE
from vtonbox.evaluation.folder_evaluator import DEFAULT_FOLDER_METRICS, FOLDER_METRICS
from vtonbox.evaluation.functional.kid import KID_NUM_SUBSETS, KID_SEED, KID_SUBSET_SIZE
from vtonbox.evaluation.functional.ssim import SSIM_VARIANTS
from vtonbox.evaluation.inception_plan import (
    WEIGHTS_METRIC_NAMES,
    InceptionMetricSpec,
    LPIPSMetricSpec,
    parse_required_metrics,
    plan_inception_metrics,
)
from vtonbox.evaluation.protocols import (
    SETTINGS,
    check_required_in_protocol,
    get_protocol,
    protocol_names,
)
from vtonbox.evaluation.real_statistics import DEFAULT_CACHE_DIR
from vtonbox.utils.cli import UserError, check_device, run_tool

#: How this tool is given another Inception weights file (quoted in messages).
WEIGHTS_OPTION = '--inception-weights PATH'
#: How this tool is given another LPIPS AlexNet weights file (quoted in messages).
LPIPS_WEIGHTS_OPTION = '--lpips-weights PATH'
#: Options that a protocol sets (and so may not be given with ``--protocol``).
PROTOCOL_SETS = ('metrics', 'ssim_variant', 'lpips_resize')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--real', required=True, help='folder of real images')
    parser.add_argument('--fake', required=True, help='folder of generated images')
    parser.add_argument('--pairs',
                        help='file of "fake_name real_name" lines for SSIM/PSNR/LPIPS')
    parser.add_argument('--protocol', metavar='NAME',
                        help=f'named evaluation protocol ({", ".join(protocol_names())}): '
                        'its metrics, SSIM variant and LPIPS resize; needs --setting')
    parser.add_argument('--setting', choices=SETTINGS,
                        help='with --protocol: which of its runs these folders are')
    parser.add_argument('--metrics', nargs='+', choices=FOLDER_METRICS,
                        help=f'metrics to compute (default: {" ".join(DEFAULT_FOLDER_METRICS)})')
    parser.add_argument('--inception-weights', help='pt_inception-2015-12-05-6726825d.pth '
                        '(default: the torch hub cache)')
    parser.add_argument('--lpips-weights', help='LPIPS AlexNet backbone, '
                        'alexnet-owt-7be5be79.pth (default: the torch hub cache)')
    parser.add_argument('--require', action='append', default=[], metavar='METRIC',
                        help='fail at start unless METRIC can be computed (fid, kid, lpips; '
                        'repeat or comma-separate); without it FID/KID/LPIPS lacking their '
                        'weights are skipped with a warning')
    parser.add_argument('--ssim-variant', choices=sorted(SSIM_VARIANTS),
                        help='SSIM variant (default: gray)')
    parser.add_argument('--lpips-resize', type=int, nargs=2, metavar=('H', 'W'),
                        help="resize both images for LPIPS (HR-VITON's 128 128; default: "
                        'full resolution)')
    parser.add_argument('--batch-size', type=int, default=DEFAULT_BATCH_SIZE,
                        help='Inception batch size')
    parser.add_argument('--device', default='cpu', help='device for Inception, e.g. cuda:0')
    parser.add_argument('--kid-subsets', type=int, default=KID_NUM_SUBSETS)
    parser.add_argument('--kid-subset-size', type=int, default=KID_SUBSET_SIZE)
    parser.add_argument('--kid-seed', type=int, default=KID_SEED, help='seed of the KID subsets')
    parser.add_argument('--cache-dir', default=DEFAULT_CACHE_DIR,
                        help='cache of real-image Inception statistics')
    parser.add_argument('--no-cache', action='store_true', help='do not read/write the cache')
    parser.add_argument('--out', help='JSON record to write (default: <fake>/metrics.json)')
    return parser.parse_args(argv)


def _warn(message: str) -> None:
    print(f'warning: {message}', file=sys.stderr, flush=True)


def _option(name: str) -> str:
    return '--' + name.replace('_', '-')


def apply_protocol_options(args: argparse.Namespace):
    """Fill ``--metrics``, ``--ssim-variant`` and ``--lpips-resize`` from ``--protocol``
    (or their defaults); returns the protocol or None.

    Raises:
        UserError: an unknown protocol, ``--protocol`` without ``--setting`` (or the
            reverse), or an option the protocol sets given as well.
    """
    if args.protocol is None:
        if args.setting is not None:
            raise UserError('--setting needs --protocol', '--setting',
                            f'add --protocol NAME ({", ".join(protocol_names())}) or drop '
                            '--setting')
        args.metrics = args.metrics or list(DEFAULT_FOLDER_METRICS)
        args.ssim_variant = args.ssim_variant or 'gray'
        return None
    protocol = get_protocol(args.protocol)
    if args.setting is None:
        raise UserError(f'--protocol {protocol.name} needs --setting', '--setting',
                        f'add --setting paired (folders of paired try-ons: '
                        f'{", ".join(protocol.paired_metrics)}) or --setting unpaired '
                        f'({", ".join(protocol.unpaired_metrics)})')
    for name in PROTOCOL_SETS:
        if getattr(args, name) is not None:
            raise UserError(f'{_option(name)} is set by --protocol {protocol.name}',
                            _option(name), f'drop {_option(name)}, or drop --protocol to '
                            'choose the metrics and their settings yourself')
    args.metrics = [m.lower() for m in protocol.metrics(args.setting)]
    args.ssim_variant = protocol.ssim_variant
    args.lpips_resize = protocol.lpips_resize
    return protocol


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.batch_size < 1:
        raise UserError(f'batch size {args.batch_size} is below 1', '--batch-size',
                        f'use e.g. --batch-size {DEFAULT_BATCH_SIZE}')
    protocol = apply_protocol_options(args)
    required = parse_required_metrics(args.require, WEIGHTS_METRIC_NAMES)
    if protocol is not None:
        check_required_in_protocol(protocol, [args.setting], required,
                                   setting_hint='--setting {setting}')
    metrics = list(dict.fromkeys(args.metrics))
    # Decided before any image is read: FID/KID/LPIPS run only when their weights exist.
    specs = [InceptionMetricSpec(m.upper(), args.inception_weights, WEIGHTS_OPTION)
             for m in metrics if m in ('fid', 'kid')]
    if 'lpips' in metrics:
        specs.append(LPIPSMetricSpec('LPIPS', args.lpips_weights, LPIPS_WEIGHTS_OPTION))
    others = [m for m in metrics if m.upper() not in WEIGHTS_METRIC_NAMES]
    plan = plan_inception_metrics(specs, required, require_all=not others,
                                  add_hint='add {lower} to --metrics')
    for line in plan.warnings:
        _warn(line)
    metrics = [m for m in metrics if m.upper() not in plan.skipped]
    if plan.run:
        check_device(args.device)  # where Inception and LPIPS run
    evaluation = evaluate_folders(
        args.real, args.fake, metrics, pairs_file=args.pairs,
        inception_weights=args.inception_weights, batch_size=args.batch_size,
        device=args.device, ssim_variant=args.ssim_variant, lpips_weights=args.lpips_weights,
        lpips_resize=args.lpips_resize, kid_num_subsets=args.kid_subsets,
        kid_subset_size=args.kid_subset_size, kid_seed=args.kid_seed, cache_dir=args.cache_dir,
        use_cache=not args.no_cache, warn=_warn)
    preset = None if protocol is None else dict(protocol.record_entry(), setting=args.setting)
    record = folder_record(evaluation, args.real, args.fake, args.pairs, skipped=plan.skipped,
                           preset=preset)
    out = args.out or osp.join(args.fake, 'metrics.json')
    write_record(record, out)
    print(json.dumps(record['metrics'], indent=2))
    print(f'record written to {out}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
