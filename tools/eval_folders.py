"""Evaluate saved try-on images of any method under vtonbox's pinned protocol.

Example:
    python tools/eval_folders.py --real data/viton/test/image --fake results/pfafn \
        --metrics fid kid --out results/pfafn_metrics.json

FID/KID compare all images of both folders; SSIM/PSNR compare pairs with the same file
name (or the pairs of ``--pairs``: ``fake_name real_name`` per line). The metrics are
printed and written, with their provenance, to a JSON record (``--out``).
"""
import argparse
import json
import os.path as osp

from vtonbox.evaluation import evaluate_folders, folder_record, write_record
from vtonbox.evaluation.feature_extractor import DEFAULT_BATCH_SIZE
from vtonbox.evaluation.folder_evaluator import FOLDER_METRICS
from vtonbox.evaluation.functional.kid import KID_NUM_SUBSETS, KID_SEED, KID_SUBSET_SIZE
from vtonbox.evaluation.functional.ssim import SSIM_VARIANTS
from vtonbox.evaluation.real_statistics import DEFAULT_CACHE_DIR


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--real', required=True, help='folder of real images')
    parser.add_argument('--fake', required=True, help='folder of generated images')
    parser.add_argument('--pairs', help='file of "fake_name real_name" lines for SSIM/PSNR')
    parser.add_argument('--metrics', nargs='+', default=list(FOLDER_METRICS),
                        choices=FOLDER_METRICS, help='metrics to compute')
    parser.add_argument('--inception-weights', help='pt_inception-2015-12-05-6726825d.pth '
                        '(default: the torch hub cache)')
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


def main(argv=None) -> None:
    args = parse_args(argv)
    evaluation = evaluate_folders(
        args.real, args.fake, args.metrics, pairs_file=args.pairs,
        inception_weights=args.inception_weights, batch_size=args.batch_size,
        device=args.device, ssim_variant=args.ssim_variant, kid_num_subsets=args.kid_subsets,
        kid_subset_size=args.kid_subset_size, kid_seed=args.kid_seed, cache_dir=args.cache_dir,
        use_cache=not args.no_cache)
    record = folder_record(evaluation, args.real, args.fake, args.pairs)
    out = args.out or osp.join(args.fake, 'metrics.json')
    write_record(record, out)
    print(json.dumps(record['metrics'], indent=2))
    print(f'record written to {out}')


if __name__ == '__main__':
    main()
