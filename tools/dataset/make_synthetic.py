"""Generate a synthetic try-on dataset in the VITON, VITON-HD or DressCode layout.

Example::

    python tools/dataset/make_synthetic.py data/synthetic --num-train 256 --num-test 32 \
        --seed 0 --height 128 --width 96
    python tools/dataset/make_synthetic.py data/synthetic_hd --layout viton-hd \
        --num-train 8 --num-test 4 --height 512 --width 384
    python tools/dataset/make_synthetic.py data/synthetic_dresscode --layout dresscode \
        --category all --num-train 8 --num-test 4
"""
import argparse
import sys
import time

from vtonbox.datasets.labels import CATEGORIES
from vtonbox.datasets.synthetic import LAYOUTS, MAX_SAMPLES_PER_SPLIT, MIN_SIZE, make_synthetic
from vtonbox.utils.cli import UserError, run_tool

#: Image size on disk when --height / --width are not given: VITON's 256 x 192, and the
#: usual training size of VITON-HD and DressCode.
DEFAULT_SIZES = {'viton': (256, 192), 'viton-hd': (512, 384), 'dresscode': (512, 384)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Generate a synthetic try-on dataset')
    parser.add_argument('out_dir', help='dataset root to create (e.g. data/synthetic)')
    parser.add_argument('--layout', default='viton', choices=LAYOUTS,
                        help='folder layout and file formats (default: viton)')
    parser.add_argument('--num-train', type=int, default=64,
                        help='training samples (DressCode: per category)')
    parser.add_argument('--num-test', type=int, default=16,
                        help='test samples (DressCode: per category)')
    parser.add_argument('--seed', type=int, default=0,
                        help='dataset seed (same seed -> same files)')
    parser.add_argument('--height', type=int, default=None,
                        help='image height on disk (default 256 for viton, 512 otherwise)')
    parser.add_argument('--width', type=int, default=None,
                        help='image width on disk (default 192 for viton, 384 otherwise)')
    parser.add_argument('--category', default='all', choices=('all', ) + CATEGORIES,
                        help='DressCode categories to write (default: all)')
    parser.add_argument('--no-cloth-masks', action='store_true',
                        help='DressCode: write only what the release ships (no cloth_mask/; '
                        'make them later with tools/dataset/make_cloth_masks.py)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the dataset folders if they are not empty')
    args = parser.parse_args(argv)
    default_h, default_w = DEFAULT_SIZES[args.layout]
    args.height = default_h if args.height is None else args.height
    args.width = default_w if args.width is None else args.width
    return args


def check_args(args) -> None:
    """Counts, sizes and layout options the generator takes, before anything is written."""
    for option, count in (('--num-train', args.num_train), ('--num-test', args.num_test)):
        if not 0 <= count < MAX_SAMPLES_PER_SPLIT:
            raise UserError(f'{option} must be 0 to {MAX_SAMPLES_PER_SPLIT - 1}, got {count}',
                            option, 'pass a sample count in that range')
    if min(args.height, args.width) < MIN_SIZE:
        raise UserError(f'images must be at least {MIN_SIZE} x {MIN_SIZE}, got '
                        f'{args.height} x {args.width}', '--height / --width',
                        'pass larger sizes, e.g. --height 256 --width 192')
    if args.layout != 'dresscode' and (args.category != 'all' or args.no_cloth_masks):
        raise UserError('--category and --no-cloth-masks are DressCode options',
                        f'--layout {args.layout}', 'pass --layout dresscode, or leave them out')


def main(argv=None):
    args = parse_args(argv)
    check_args(args)
    options = dict(category=args.category, cloth_masks=not args.no_cloth_masks) \
        if args.layout == 'dresscode' else {}
    start = time.perf_counter()
    try:
        paths = make_synthetic(args.out_dir, args.layout, args.num_train, args.num_test,
                               args.seed, args.height, args.width, overwrite=args.overwrite,
                               log=lambda msg: print(msg, file=sys.stderr, flush=True),
                               **options)
    except FileExistsError as error:
        folder = str(error).split(' is not empty')[0]
        raise UserError('the dataset folder is not empty', folder,
                        'pass --overwrite to replace the synthetic data, or choose another '
                        'folder') from error
    total = args.num_train + args.num_test
    elapsed = time.perf_counter() - start
    per = ' per category' if args.layout == 'dresscode' else ''
    print(f'wrote {args.num_train} train + {args.num_test} test samples{per} '
          f'({args.height}x{args.width}, {args.layout} layout) to {args.out_dir} in '
          f'{elapsed:.1f} s ({1000 * elapsed / max(total, 1):.1f} ms/sample); pair lists: '
          + ', '.join(paths.values()))


if __name__ == '__main__':
    sys.exit(run_tool(main))
