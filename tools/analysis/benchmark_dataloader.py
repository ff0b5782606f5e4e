"""Measure dataloader throughput (items/s) of a config's training dataset.

``SOURCE`` is a config file (its ``train_dataloader``) or a dataset root, which is read
with ``configs/_base_/datasets/viton.py`` (256 x 192, every modality, unpaired cloth).

Example::

    python tools/dataset/make_synthetic.py /tmp/syn --num-train 64 --num-test 0
    python tools/analysis/benchmark_dataloader.py /tmp/syn --num-workers 2 --iters 40

The pose maps, region masks and DensePose one-hots of the configs are built by the data
preprocessor (``defer=True``) and the batch is stacked in the workers (``tryon_collate``);
``--worker-maps`` builds the maps in the workers and collates with ``pseudo_collate``
instead (the configs before issue 18), and ``--preprocess DEVICE`` also times the data
preprocessor on each batch (where the deferred maps are made), as a training step would.
"""
import argparse
import os.path as osp
import sys
import time
from functools import partial

import cv2
import torch
from mmengine.dataset import worker_init_fn
from mmengine.registry import FUNCTIONS
from torch.utils.data import DataLoader

from vtonbox.datasets.transforms.deferred import set_deferred
from vtonbox.engine.launch import load_config
from vtonbox.registry import DATASETS, MODELS
from vtonbox.utils.cli import UserError, check_device, run_tool

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
    parser.add_argument('--worker-maps', action='store_true',
                        help='build pose maps / region masks / one-hots in the workers '
                        '(defer=False) and collate with pseudo_collate: the pipeline before '
                        'issue 18, for comparison')
    parser.add_argument('--preprocess', metavar='DEVICE', default=None,
                        help="also run TryOnDataPreprocessor on each batch on DEVICE "
                        "('cpu', 'cuda')")
    return parser.parse_args(argv)


def build_loader(args):
    """The training dataset of the source and a DataLoader like MMEngine's."""
    if osp.isdir(args.source):
        cfg = load_config(DEFAULT_DATASET_CONFIG)
        cfg.train_dataloader.dataset.data_root = args.source
    elif osp.isfile(args.source):
        cfg = load_config(args.source)
    else:
        raise UserError('neither a config file nor a dataset folder', args.source,
                        'pass a config or a VITON-layout dataset root (e.g. made by '
                        'tools/dataset/make_synthetic.py)')
    if 'train_dataloader' not in cfg:
        raise UserError('config has no train_dataloader', args.source,
                        'pass a training config or a dataset root')
    loader_cfg = cfg.train_dataloader
    if args.worker_maps:
        loader_cfg.dataset.pipeline = set_deferred(loader_cfg.dataset.pipeline, False)
        loader_cfg.collate_fn = dict(type='pseudo_collate')
    dataset = DATASETS.build(loader_cfg.dataset)
    batch_size = args.batch_size or loader_cfg.batch_size
    init_fn = partial(worker_init_fn, num_workers=args.num_workers, rank=0, seed=args.seed)
    pin_memory = bool(loader_cfg.get('pin_memory')) and torch.cuda.is_available()
    collate_cfg = dict(loader_cfg.get('collate_fn', dict(type='pseudo_collate')))
    collate_fn = partial(FUNCTIONS.get(collate_cfg.pop('type')), **collate_cfg)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                        num_workers=args.num_workers, collate_fn=collate_fn,
                        worker_init_fn=init_fn if args.num_workers else None,
                        persistent_workers=args.num_workers > 0, drop_last=True,
                        pin_memory=pin_memory)
    return dataset, loader, batch_size


def main(argv=None):
    args = parse_args(argv)
    cv2.setNumThreads(0)  # as MMEngine's env_cfg.mp_cfg.opencv_num_threads=0
    device = check_device(args.preprocess, '--preprocess') if args.preprocess else None
    dataset, loader, batch_size = build_loader(args)
    if len(dataset) < batch_size:
        raise UserError(f'the dataset has {len(dataset)} items, fewer than one batch of '
                        f'{batch_size}', args.source, 'pass a smaller --batch-size')
    preprocessor = None
    if device is not None:
        preprocessor = MODELS.build(dict(type='TryOnDataPreprocessor',
                                         non_blocking=device.type == 'cuda')).to(device)
    done, start = 0, None
    while done < args.iters + WARMUP_BATCHES:
        for batch in loader:
            if preprocessor is not None:
                preprocessor(batch, True)
                if device.type == 'cuda':
                    torch.cuda.synchronize(device)
            done += 1
            if done == WARMUP_BATCHES:
                start = time.perf_counter()
            if done >= args.iters + WARMUP_BATCHES:
                break
    elapsed = time.perf_counter() - start
    items = args.iters * batch_size
    print(f'{type(dataset).__name__}: {len(dataset)} items, batch {batch_size}, '
          f'{args.num_workers} workers{", maps in workers" if args.worker_maps else ""}'
          f'{f", preprocessed on {args.preprocess}" if preprocessor else ""}: '
          f'{items / elapsed:.1f} items/s '
          f'({1000 * elapsed / args.iters:.1f} ms/batch over {args.iters} batches)')


if __name__ == '__main__':
    sys.exit(run_tool(main))
