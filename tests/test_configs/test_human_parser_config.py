"""configs/human_parser.py and configs/synthetic/human_parser.py: model, data, a short run."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tests.conftest import REPO_ROOT
from tests.helpers.tool_runs import fresh_process_state, load_tool
from vtonbox.datasets import make_synthetic_viton, read_label_map
from vtonbox.registry import DATASETS, MODELS
from vtonbox.utils import register_all_modules
from vtonbox.utils.cli import run_tool

VITON_CONFIG = osp.join(REPO_ROOT, 'configs', 'human_parser.py')
SYNTHETIC_CONFIG = osp.join(REPO_ROOT, 'configs', 'synthetic', 'human_parser.py')
NUM_TRAIN, NUM_TEST = 4, 2
HEIGHT, WIDTH = 128, 96  # the synthetic config's model size
BATCH = 2  # NUM_TRAIN / BATCH = 2 training iterations per epoch


@pytest.fixture(scope='module')
def tiny_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic'))
    make_synthetic_viton(root, NUM_TRAIN, NUM_TEST, seed=0, height=HEIGHT, width=WIDTH)
    return root


def load(path, data_root):
    cfg = Config.fromfile(path)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    register_all_modules()
    init_default_scope('vtonbox')
    return cfg


def test_viton_config_holds_out_a_disjoint_tail():
    cfg = Config.fromfile(VITON_CONFIG)
    train, val = cfg.train_dataloader.dataset, cfg.val_dataloader.dataset
    assert train.data_prefix.parsing == 'train_label' == val.data_prefix.parsing
    assert train.indices > 0 and val.indices < 0
    assert train.indices - val.indices == cfg.num_labelled_pairs
    assert cfg.val_evaluator.type == 'ParsingMIoU'
    assert tuple(cfg.train_pipeline[2]['size']) == (256, 192)


def test_held_out_split_mechanism(tiny_root):
    cfg = load(VITON_CONFIG, tiny_root)
    cfg.train_dataloader.dataset.indices = NUM_TRAIN - 1
    cfg.val_dataloader.dataset.indices = -1
    train = DATASETS.build(cfg.train_dataloader.dataset)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    train_names = {train.get_data_info(i)['person_name'] for i in range(len(train))}
    val_names = {val.get_data_info(i)['person_name'] for i in range(len(val))}
    assert len(train_names) == NUM_TRAIN - 1 and len(val_names) == 1
    assert not train_names & val_names


def test_synthetic_config_builds_model_and_data(tiny_root):
    cfg = load(SYNTHETIC_CONFIG, tiny_root)
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'HumanParser' and model.num_classes == 14
    assert model.network.encoders[0][0].conv.out_channels == 16

    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(train) == NUM_TRAIN
    item = train[0]
    assert set(item['inputs']) == {'person', 'parsing'}
    assert item['inputs']['person'].shape == (3, HEIGHT, WIDTH)
    assert item['inputs']['parsing'].shape == (1, HEIGHT, WIDTH)
    assert item['inputs']['parsing'].dtype == torch.int64

    val = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(val) == NUM_TEST
    sample = val[0]
    label = read_label_map(sample['data_samples'].person_path.replace(
        'test_img', 'test_label').replace('.jpg', '.png'))
    np.testing.assert_array_equal(sample['inputs']['parsing'][0].numpy(), label)

    # One loss step and one prediction on the collated batch.
    batch = model.data_preprocessor(dict(
        inputs={k: [item['inputs'][k], sample['inputs'][k]] for k in item['inputs']},
        data_samples=[item['data_samples'], sample['data_samples']]), training=True)
    losses = model(**batch, mode='loss')
    assert torch.isfinite(losses['loss_ce'])
    model.eval()
    with torch.no_grad():
        preds = model(**batch, mode='predict')
    assert preds[0].pred_parsing.shape == (1, HEIGHT, WIDTH)


def test_synthetic_config_trains_and_tests(tiny_root, tmp_path, capsys):
    """tools/train.py then tools/test.py on the config, through their ``main`` in this
    process (both tools run as real processes in tests/test_tools)."""
    work_dir = str(tmp_path / 'work')
    roots = [f'{loader}.dataset.data_root={tiny_root}'
             for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    options = [*roots, f'train_dataloader.batch_size={BATCH}', 'train_dataloader.num_workers=0',
               'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
               'default_hooks.checkpoint.interval=1', 'default_hooks.logger.interval=1']
    with fresh_process_state():
        status = run_tool(load_tool('train.py').main,
                          [SYNTHETIC_CONFIG, '--work-dir', work_dir, '--cfg-options', *options])
        captured = capsys.readouterr()
    log = captured.out + captured.err
    assert status == 0, log[-3000:]
    assert f'Epoch(train) [1][{NUM_TRAIN // BATCH}/{NUM_TRAIN // BATCH}]' in log
    assert 'mIoU' in log
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert state['meta']['iter'] == NUM_TRAIN // BATCH

    out = str(tmp_path / 'metrics.json')
    with fresh_process_state():
        status = run_tool(load_tool('test.py').main,
                          [SYNTHETIC_CONFIG, ckpt, '--work-dir', work_dir, '--protocols',
                           'unpaired', '--out', out, '--cfg-options', *roots])
        captured = capsys.readouterr()
    assert status == 0, (captured.out + captured.err)[-3000:]
    with open(out) as f:
        metrics = json.load(f)['metrics']
    assert 0.0 <= metrics['mIoU'] <= 1.0 and 0.0 <= metrics['aAcc'] <= 1.0
    assert 'IoU.background' in metrics
