"""Evaluate saved try-on images of any method under vtonbox's pinned protocol.

Example:
    python tools/eval_folders.py --real data/viton/test/image --fake results/pfafn \
        --metrics fid kid --out results/pfafn_metrics.json

FID/KID compare all images of both folders; SSIM/PSNR compare pairs with the same file
name (or the pairs of ``--pairs``: ``fake_name real_name`` per line). The metrics are
printed and written, with their provenance, to a JSON record (``--out``).

Without the FID Inception weights, FID/KID are skipped with one warning line (and listed
under ``skipped`` in the record) and the other metrics run; ``--require fid`` (or asking
for FID/KID only) makes that an error before any image is read. User errors print one
``error:`` line and exit 2; ``--debug`` shows their traceback.
"""
import argparse
import json
import os.path as osp
import sys

from vtonbox.evaluation import evaluate_folders, folder_record, write_record
from vtonbox.evaluation.feature_extractor import DEFAULT_BATCH_SIZE
from vtonbox.evaluation.folder_evaluator import FOLDER_METRICS
from vtonbox.evaluation.functional.kid import KID_NUM_SUBSETS, KID_SEED, KID_SUBSET_SIZE
from vtonbox.evaluation.functional.ssim import SSIM_VARIANTS
from vtonbox.evaluation.inception_plan import (
    InceptionMetricSpec,
    parse_required_metrics,
    plan_inception_metrics,
)
from vtonbox.evaluation.real_statistics import DEFAULT_CACHE_DIR
from vtonbox.utils.cli import UserError, check_device, run_tool

#: How this tool is given another Inception weights file (quoted in messages).
WEIGHTS_OPTION = '--inception-weights PATH'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--real', required=True, help='folder of real images')
    parser.add_argument('--fake', required=True, help='folder of generated images')
    parser.add_argument('--pairs', help='file of "fake_name real_name" lines for SSIM/PSNR')
    parser.add_argument('--metrics', nargs='+', default=list(FOLDER_METRICS),
                        choices=FOLDER_METRICS, help='metrics to compute')
    parser.add_argument('--inception-weights', help='pt_inception-2015-12-05-6726825d.pth '
                        '(default: the torch hub cache)')
    parser.add_argument('--require', action='append', default=[], metavar='METRIC',
                        help='fail at start unless METRIC can be computed (fid, kid; repeat '
                        'or comma-separate); without it FID/KID lacking their weights are '
                        'skipped with a warning')
    parser.add_argument('--ssim-variant', default='gray', choices=sorted(SSIM_VARIANTS))
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


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.batch_size < 1:
        raise UserError(f'batch size {args.batch_size} is below 1', '--batch-size',
                        f'use e.g. --batch-size {DEFAULT_BATCH_SIZE}')
    metrics = list(dict.fromkeys(args.metrics))
    # Decided before any image is read: FID/KID run only when their weights exist.
    specs = [InceptionMetricSpec(m.upper(), args.inception_weights, WEIGHTS_OPTION)
             for m in metrics if m in ('fid', 'kid')]
    others = [m for m in metrics if m not in ('fid', 'kid')]
    plan = plan_inception_metrics(specs, parse_required_metrics(args.require),
                                  require_all=not others, add_hint='add {lower} to --metrics')
    for line in plan.warnings:
        _warn(line)
    metrics = [m for m in metrics if m.upper() not in plan.skipped]
    if plan.run:
        check_device(args.device)  # where Inception runs
    evaluation = evaluate_folders(
        args.real, args.fake, metrics, pairs_file=args.pairs,
        inception_weights=args.inception_weights, batch_size=args.batch_size,
        device=args.device, ssim_variant=args.ssim_variant, kid_num_subsets=args.kid_subsets,
        kid_subset_size=args.kid_subset_size, kid_seed=args.kid_seed, cache_dir=args.cache_dir,
        use_cache=not args.no_cache, warn=_warn)
    record = folder_record(evaluation, args.real, args.fake, args.pairs, skipped=plan.skipped)
    out = args.out or osp.join(args.fake, 'metrics.json')
    write_record(record, out)
    print(json.dumps(record['metrics'], indent=2))
    print(f'record written to {out}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
