"""Check every sample of a VITON-layout dataset; exit 1 listing each problem.

Example::

    python tools/dataset/check_dataset.py data/VITON_traindata --split train
    python tools/dataset/check_dataset.py data/synthetic --split test --ann-file test_pairs.txt
"""
import argparse
import sys

from vtonbox.datasets import check_dataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Check a VITON-layout try-on dataset')
    parser.add_argument('data_root', help='dataset root')
    parser.add_argument('--split', default='train', help='folder prefix: train or test')
    parser.add_argument('--ann-file', default=None,
                        help='pair list relative to DATA_ROOT (default: pair sorted listings)')
    parser.add_argument('--workers', type=int, default=0, help='decoding processes')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    report = check_dataset(args.data_root, split=args.split, ann_file=args.ann_file,
                           workers=args.workers,
                           log=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == '__main__':
    sys.exit(main())
