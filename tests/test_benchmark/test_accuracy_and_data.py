import math

import pytest
import torch

from tests.helpers.tiny_configs import TINY_SIZE
from vtonbox.benchmark import build_graph, psnr_db, random_tryon_inputs
from vtonbox.benchmark.accuracy import synthetic_split_accuracy
from vtonbox.benchmark.data import resize_pipeline
from vtonbox.benchmark.peak import conv_peak_gflops
from vtonbox.deploy import FastParserFreeTryOn

BF16_MIN_PSNR_DB = 35.0


def test_bf16_on_the_synthetic_test_split(tiny_model):
    fast = FastParserFreeTryOn(tiny_model.warp_model, tiny_model.generator, 'bf16')
    result = synthetic_split_accuracy(tiny_model, fast, TINY_SIZE, batch_size=2, num_items=4)
    assert result['num_images'] == 4
    assert result['psnr_db_min'] >= BF16_MIN_PSNR_DB, result
    fp32 = build_graph(tiny_model, 'fast', 'fp32').fn
    exact = synthetic_split_accuracy(tiny_model, fp32, TINY_SIZE, batch_size=2, num_items=2)
    assert exact['max_abs_diff'] < 1e-4


def test_psnr():
    image = torch.zeros(2, 3, 4, 4)
    noisy = image.clone()
    noisy[1] += 0.02
    values = psnr_db(noisy, image)
    assert math.isinf(values[0]) and values[1].item() == pytest.approx(10 * math.log10(4 / 4e-4))


def test_random_inputs_and_pipeline_resize():
    inputs = random_tryon_inputs(2, 64, 32, seed=3)
    assert inputs['person'].shape == (2, 3, 64, 32) and inputs['cloth_mask'].shape[1] == 1
    assert inputs['person'].min() >= -1 and inputs['person'].max() <= 1
    assert set(inputs['cloth_mask'].unique().tolist()) == {0.0, 1.0}
    pipeline = resize_pipeline([dict(type='ResizePad', size=(256, 192))], (64, 32))
    assert pipeline[0]['size'] == (64, 32)
    with pytest.raises(ValueError, match='ResizePad'):
        resize_pipeline([dict(type='LoadTryOnImage')], (64, 32))


def test_conv_peak_is_positive():
    assert conv_peak_gflops(torch.float32, True, repeats=1, shape=(1, 16, 8, 8)) > 0
