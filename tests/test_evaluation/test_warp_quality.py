"""Warp quality is computed from what any algorithm's ``predict`` returns: the model's
warped cloth and the identity warp, scored inside the worn-cloth region."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tests.conftest import REPO_ROOT
from vtonbox.datasets import make_synthetic_viton
from vtonbox.evaluation.warp_quality import (
    IDENTITY_L1,
    WARP_L1,
    evaluate_warp_quality,
    region_l1_sums,
)
from vtonbox.models.tryon import inference_model_config
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules


@pytest.fixture(scope='module')
def paired_batches(tmp_path_factory):
    register_all_modules()
    root = str(tmp_path_factory.mktemp('warp_quality'))
    make_synthetic_viton(root, num_train=0, num_test=4, seed=2, height=64, width=64)
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'synthetic', 'pfafn_student.py'))
    loader = cfg.synthetic_teacher_val_dataloader.to_dict()
    loader.pop('_delete_', None)
    loader.update(num_workers=0, persistent_workers=False, batch_size=2)
    loader['dataset']['data_root'] = root
    for step in loader['dataset']['pipeline']:
        if step['type'] == 'ResizePad':
            step['size'] = (64, 64)
    return cfg, list(Runner.build_dataloader(loader))


@pytest.mark.parametrize('config', ['pfafn_student', 'pbafn_tryon', 'cpvton_gmm'])
def test_any_algorithm_is_scored_from_its_predictions(paired_batches, config):
    _, batches = paired_batches
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'synthetic', f'{config}.py'))
    torch.manual_seed(0)
    model = MODELS.build(inference_model_config(cfg.model)).eval()
    result = evaluate_warp_quality(model, batches)
    assert result['num_images'] == 4

    # The same numbers from the float warp of the one contract, within uint8 rounding.
    warp_sum = identity_sum = count = 0.0
    with torch.no_grad():
        for batch in batches:
            inputs = model.data_preprocessor(batch, False)['inputs']
            region = inputs['upper_cloth_mask']
            target = inputs['person'] * region
            warped = model.warp(inputs).warped_cloth
            s, n = region_l1_sums(warped * region, target, region)
            warp_sum, count = warp_sum + s, count + n
            identity = inputs['cloth'] * inputs['cloth_mask']
            identity_sum += region_l1_sums(identity * region, target, region)[0]
    assert result[IDENTITY_L1] == pytest.approx(identity_sum / count, abs=1e-9)
    assert result[WARP_L1] == pytest.approx(warp_sum / count, abs=1 / 255)


def test_data_without_parsing_is_refused(paired_batches):
    cfg, batches = paired_batches
    model = MODELS.build(inference_model_config(cfg.model)).eval()
    batch = dict(batches[0])
    # no parsing: neither the region masks nor the labels they are made from
    batch['inputs'] = {k: v for k, v in batch['inputs'].items()
                       if k not in ('upper_cloth_mask', 'parsing')}
    with pytest.raises(KeyError, match='upper_cloth_mask'):
        evaluate_warp_quality(model, [batch])
