"""Throughput of FID Inception feature extraction (images/s), random weights.

Speed does not depend on the weights, so a random-weight network is used (no download).
Example:
    python tools/analysis/benchmark_fid.py --device cpu --batch-sizes 16 32 --height 256 \
        --width 192 --iters 3
"""
import argparse
import os.path as osp
import sys
import tempfile
import time

import torch

from vtonbox.evaluation.functional.inception import (
    FIDInceptionV3,
    inception_features,
    save_random_inception_weights,
)
from vtonbox.utils.cli import UserError, check_device, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[16, 32])
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--width', type=int, default=192)
    parser.add_argument('--iters', type=int, default=3, help='timed batches per batch size')
    parser.add_argument('--threads', type=int, help='torch CPU threads (default: torch\'s)')
    return parser.parse_args(argv)


def _synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def main(argv=None) -> None:
    args = parse_args(argv)
    device = check_device(args.device)
    bad = [f'--{name.replace("_", "-")} {value}' for name, value in
           (('height', args.height), ('width', args.width), ('iters', args.iters))
           if value < 1] + [f'--batch-sizes {b}' for b in args.batch_sizes if b < 1]
    if bad:
        raise UserError('sizes and counts must be positive', ', '.join(bad),
                        'pass positive integers')
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        model = FIDInceptionV3(save_random_inception_weights(osp.join(tmp, 'w.pth'))).to(device)
    print(f'device={device} threads={torch.get_num_threads()} '
          f'input={args.height}x{args.width} (resized to 299x299)')
    for batch_size in args.batch_sizes:
        images = torch.randint(0, 256, (batch_size, 3, args.height, args.width),
                               dtype=torch.uint8, device=device)
        inception_features(model, images, batch_size)  # warm-up
        _synchronize(device)
        start = time.perf_counter()
        for _ in range(args.iters):
            inception_features(model, images, batch_size)
        _synchronize(device)
        elapsed = time.perf_counter() - start
        print(f'batch {batch_size}: {args.iters * batch_size / elapsed:.1f} images/s '
              f'({elapsed / args.iters:.2f} s/batch)')


if __name__ == '__main__':
    sys.exit(run_tool(main))
