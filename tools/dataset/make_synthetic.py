"""Generate the synthetic VITON-format dataset.

Example::

    python tools/dataset/make_synthetic.py data/synthetic --num-train 256 --num-test 32 \
        --seed 0 --height 128 --width 96
"""
import argparse
import sys
import time

from vtonbox.datasets import make_synthetic_viton
from vtonbox.datasets.synthetic import MAX_SAMPLES_PER_SPLIT, MIN_SIZE
from vtonbox.utils.cli import UserError, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Generate a synthetic VITON-format dataset')
    parser.add_argument('out_dir', help='dataset root to create (e.g. data/synthetic)')
    parser.add_argument('--num-train', type=int, default=64, help='training samples')
    parser.add_argument('--num-test', type=int, default=16, help='test samples')
    parser.add_argument('--seed', type=int, default=0,
                        help='dataset seed (same seed -> same files)')
    parser.add_argument('--height', type=int, default=256, help='image height on disk')
    parser.add_argument('--width', type=int, default=192, help='image width on disk')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the split folders if they are not empty')
    return parser.parse_args(argv)


def check_args(args) -> None:
    """Counts and sizes the generator takes, before anything is written."""
    for option, count in (('--num-train', args.num_train), ('--num-test', args.num_test)):
        if not 0 <= count < MAX_SAMPLES_PER_SPLIT:
            raise UserError(f'{option} must be 0 to {MAX_SAMPLES_PER_SPLIT - 1}, got {count}',
                            option, 'pass a sample count in that range')
    if min(args.height, args.width) < MIN_SIZE:
        raise UserError(f'images must be at least {MIN_SIZE} x {MIN_SIZE}, got '
                        f'{args.height} x {args.width}', '--height / --width',
                        'pass larger sizes, e.g. --height 256 --width 192')


def main(argv=None):
    args = parse_args(argv)
    check_args(args)
    start = time.perf_counter()
    try:
        paths = make_synthetic_viton(args.out_dir, args.num_train, args.num_test, args.seed,
                                     args.height, args.width, overwrite=args.overwrite,
                                     log=lambda msg: print(msg, file=sys.stderr, flush=True))
    except FileExistsError as error:
        folder = str(error).split(' is not empty')[0]
        raise UserError('the dataset folder is not empty', folder,
                        'pass --overwrite to replace the synthetic data, or choose another '
                        'folder') from error
    total = args.num_train + args.num_test
    elapsed = time.perf_counter() - start
    print(f'wrote {args.num_train} train + {args.num_test} test samples '
          f'({args.height}x{args.width}) to {args.out_dir} in {elapsed:.1f} s '
          f'({1000 * elapsed / max(total, 1):.1f} ms/sample); pair lists: '
          + ', '.join(paths.values()))


if __name__ == '__main__':
    sys.exit(run_tool(main))
