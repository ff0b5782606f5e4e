"""Measure dataloader throughput (items/s) of a config's training dataset.

``SOURCE`` is a config file (its ``train_dataloader``) or a dataset root, which is read
with ``configs/_base_/datasets/viton.py`` (256 x 192, every modality, unpaired cloth).

Example::

    python tools/dataset/make_synthetic.py /tmp/syn --num-train 64 --num-test 0
    python tools/analysis/benchmark_dataloader.py /tmp/syn --num-workers 2 --iters 40
"""
import argparse
import os.path as osp
import time
from functools import partial

import cv2
from mmengine.config import Config
from mmengine.dataset import pseudo_collate, worker_init_fn
from torch.utils.data import DataLoader

from vtonbox.registry import DATASETS

DEFAULT_DATASET_CONFIG = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'configs',
                                  '_base_', 'datasets', 'viton.py')
WARMUP_BATCHES = 2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Benchmark the training dataloader')
    parser.add_argument('source', help='config file, or a VITON-layout dataset root')
    parser.add_argument('--num-workers', type=int, default=2, help='dataloader workers')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='batch size (default: the config value)')
    parser.add_argument('--iters', type=int, default=40, help='timed batches')
    parser.add_argument('--seed', type=int, default=0, help='worker seed')
    return parser.parse_args(argv)


def build_loader(args):
    """The training dataset of the source and a DataLoader like MMEngine's."""
    if osp.isdir(args.source):
        cfg = Config.fromfile(DEFAULT_DATASET_CONFIG)
        cfg.train_dataloader.dataset.data_root = args.source
    else:
        cfg = Config.fromfile(args.source)
    loader_cfg = cfg.train_dataloader
    dataset = DATASETS.build(loader_cfg.dataset)
    batch_size = args.batch_size or loader_cfg.batch_size
    init_fn = partial(worker_init_fn, num_workers=args.num_workers, rank=0, seed=args.seed)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                        num_workers=args.num_workers, collate_fn=pseudo_collate,
                        worker_init_fn=init_fn if args.num_workers else None,
                        persistent_workers=args.num_workers > 0, drop_last=True)
    return dataset, loader, batch_size


def main(argv=None):
    args = parse_args(argv)
    cv2.setNumThreads(0)  # as MMEngine's env_cfg.mp_cfg.opencv_num_threads=0
    dataset, loader, batch_size = build_loader(args)
    if len(dataset) < batch_size:
        raise ValueError(f'the dataset has {len(dataset)} items, fewer than one batch')
    done, start = 0, None
    while done < args.iters + WARMUP_BATCHES:
        for _ in loader:
            done += 1
            if done == WARMUP_BATCHES:
                start = time.perf_counter()
            if done >= args.iters + WARMUP_BATCHES:
                break
    elapsed = time.perf_counter() - start
    items = args.iters * batch_size
    print(f'{type(dataset).__name__}: {len(dataset)} items, batch {batch_size}, '
          f'{args.num_workers} workers: {items / elapsed:.1f} items/s '
          f'({1000 * elapsed / args.iters:.1f} ms/batch over {args.iters} batches)')


if __name__ == '__main__':
    main()
