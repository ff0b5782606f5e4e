"""Make the garment masks DressCode does not ship, once, with ``ClothMaskParser``.

Writes ``<category>/cloth_mask/<id>_1.png`` for every garment ``<category>/images/<id>_1.jpg``
that has no mask yet (all of them with ``--overwrite``); ``DressCodeDataset`` and the
checker read them from there.

Example::

    python tools/dataset/make_cloth_masks.py data/DressCode --workers 8
    python tools/dataset/make_cloth_masks.py data/DressCode --category dresses --overwrite
"""
import argparse
import sys
import time

from vtonbox.datasets.cloth_masks import make_cloth_masks
from vtonbox.datasets.labels import CATEGORIES
from vtonbox.utils.cli import UserError, require_dir, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Make the garment masks of a DressCode root')
    parser.add_argument('data_root', help='DressCode root (holding the category folders)')
    parser.add_argument('--category', default='all', choices=('all', ) + CATEGORIES,
                        help='categories to mask (default: all)')
    parser.add_argument('--workers', type=int, default=0, help='processes (0: this one)')
    parser.add_argument('--overwrite', action='store_true', help='remake existing masks')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    require_dir(args.data_root, 'DressCode folder', 'pass the folder holding upper_body/, '
                'lower_body/ and dresses/')
    if args.workers < 0:
        raise UserError(f'--workers must be 0 or more, got {args.workers}', '--workers',
                        'pass 0 (this process) or a process count')
    start = time.perf_counter()
    try:
        written = make_cloth_masks(args.data_root, args.category, args.overwrite, args.workers,
                                   log=lambda msg: print(msg, file=sys.stderr, flush=True))
    except FileNotFoundError as error:
        raise UserError(str(error).split(': ', 1)[0], str(error).split(': ', 1)[-1],
                        'pass a DressCode root, or --category for the categories it has') \
            from error
    print(f'wrote {len(written)} cloth masks in {time.perf_counter() - start:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
