"""Check every sample of a try-on dataset (VITON, VITON-HD or DressCode layout); exit 1
listing each problem.

A DATA_ROOT or ``--ann-file`` that does not exist is a user error: one ``error:`` line,
exit 2.

Example::

    python tools/dataset/check_dataset.py data/VITON_traindata --split train
    python tools/dataset/check_dataset.py data/synthetic --split test --ann-file test_pairs.txt
    python tools/dataset/check_dataset.py data/VITON-HD --layout viton-hd --split test
    python tools/dataset/check_dataset.py data/DressCode --layout dresscode --category dresses
"""
import argparse
import os.path as osp
import sys

from vtonbox.datasets import check_dataset
from vtonbox.datasets.checker import LAYOUTS
from vtonbox.datasets.labels import CATEGORIES, DENSEPOSE_FORMATS
from vtonbox.utils.cli import UserError, require_dir, require_file, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Check a try-on dataset')
    parser.add_argument('data_root', help='dataset root')
    parser.add_argument('--layout', default='viton', choices=LAYOUTS,
                        help='folder layout (default: viton)')
    parser.add_argument('--split', default='train', help='train or test')
    parser.add_argument('--ann-file', default=None,
                        help='pair list relative to DATA_ROOT (DressCode: to each category '
                        'folder); default: VITON pairs the sorted listings, VITON-HD reads '
                        '<split>_pairs.txt, DressCode the pair lists of the split')
    parser.add_argument('--category', default='all', choices=('all', ) + CATEGORIES,
                        help='DressCode categories (default: all)')
    parser.add_argument('--densepose-format', default='rgb', choices=DENSEPOSE_FORMATS,
                        help='VITON-HD DensePose files: rgb (image-densepose renderings) or '
                        'parts (image-densepose-parts id maps)')
    parser.add_argument('--workers', type=int, default=0, help='decoding processes')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    require_dir(args.data_root, 'dataset folder',
                'check the path (make a synthetic one with tools/dataset/make_synthetic.py)')
    if args.ann_file and args.layout != 'dresscode':
        require_file(osp.join(args.data_root, args.ann_file), 'pair list',
                     'pass --ann-file relative to DATA_ROOT, or leave it out')
    if args.workers < 0:
        raise UserError(f'--workers must be 0 or more, got {args.workers}', '--workers',
                        'pass 0 (decode in this process) or a process count')
    report = check_dataset(args.data_root, split=args.split, ann_file=args.ann_file,
                           workers=args.workers, layout=args.layout, category=args.category,
                           densepose_format=args.densepose_format,
                           log=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == '__main__':
    sys.exit(run_tool(main))
