"""The fast inference graph, its garment cache and the Inferencer's fast path with DM-VTON's
mobile student (MobileNetV2 pyramids + AFlowNet + MobileNetV2 U-Net): the synthetic
students (PF-AFN- and FS-VTON-taught), the full-width one and its 128-channel ablation,
seeded random weights."""
import os.path as osp

import numpy as np
import pytest
import torch
from torch import nn

from tests.conftest import REPO_ROOT
from tests.helpers.tiny_model import garment_photo, person_photo
from vtonbox.apis import TryOnInferencer
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.benchmark.accuracy import psnr_db
from vtonbox.deploy import (
    FastParserFreeTryOn,
    count_batchnorms,
    load_tryon_model,
    optimize_for_inference,
    supports_fast_inference,
)
from vtonbox.models.backbones import MobileNetV2Pyramid
from vtonbox.models.generators import MobileUNetGenerator

DMVTON = osp.join(REPO_ROOT, 'configs', 'synthetic', 'dmvton_student.py')
DMVTON_FSVTON = osp.join(REPO_ROOT, 'configs', 'synthetic', 'dmvton_fsvton_student.py')
FULL_WIDTH = osp.join(REPO_ROOT, 'configs', 'dmvton_student.py')
FULL_WIDTH_C128 = osp.join(REPO_ROOT, 'configs', 'dmvton_student_c128.py')
#: The synthetic configs' size, and the smallest one five levels take.
SIZES = [(128, 96), (64, 64)]
FP32_TOLERANCE = 1e-4
#: bf16 vs fp32, as for PF-AFN.
BF16_MIN_PSNR_DB = 35.0


@pytest.fixture(autouse=True)
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def mobile_model():
    model, _ = load_tryon_model(DMVTON, seed=0)
    assert isinstance(model.warp_model.cloth_backbone, MobileNetV2Pyramid)
    assert isinstance(model.generator, MobileUNetGenerator)
    return model


def reference(model, inputs):
    with torch.no_grad():
        return model.tensor_forward(inputs)


def call(fast, inputs):
    return fast(inputs['person'], inputs['cloth'], inputs['cloth_mask'])


def depthwise_convs(module):
    return [m for m in module.modules()
            if isinstance(m, nn.Conv2d) and m.groups > 1 and m.groups == m.in_channels]


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('channels_last', [True, False])
def test_fp32_fast_graph_equals_model(mobile_model, size, channels_last):
    assert supports_fast_inference(mobile_model)
    fast = optimize_for_inference(mobile_model, 'fp32', channels_last=channels_last)
    # every BN of the inverted residuals (expand, depthwise, project) and of the stems
    # follows its conv: all fold, none is left
    assert fast.num_folded_bn == count_batchnorms(mobile_model) > 0
    assert count_batchnorms(fast) == 0
    assert all(conv.bias is not None for conv in depthwise_convs(fast))
    inputs = random_tryon_inputs(2, *size, seed=1)
    out = call(fast, inputs)
    assert out.dtype == torch.float32 and out.shape == inputs['person'].shape
    torch.testing.assert_close(out, reference(mobile_model, inputs), atol=FP32_TOLERANCE,
                               rtol=0)


def test_fsvton_taught_pair_builds_the_same_inference_model(mobile_model):
    """The teacher is training-only: the FS-VTON-taught student's inference model has
    the same modules, so the tests above cover its fast graph; checked here once."""
    model, _ = load_tryon_model(DMVTON_FSVTON, seed=0)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes == {k: v.shape for k, v in mobile_model.state_dict().items()}
    inputs = random_tryon_inputs(2, *SIZES[0], seed=2)
    fast = optimize_for_inference(model, 'fp32')
    assert count_batchnorms(fast) == 0
    torch.testing.assert_close(call(fast, inputs), reference(model, inputs),
                               atol=FP32_TOLERANCE, rtol=0)


@pytest.mark.parametrize('config, channels', [(FULL_WIDTH, 256), (FULL_WIDTH_C128, 128)],
                         ids=['c256', 'c128'])
def test_full_width_students_fast_graph(config, channels):
    model, _ = load_tryon_model(config, seed=0)
    assert model.warp_model.cloth_backbone.out_channels == channels
    fast = optimize_for_inference(model, 'fp32')
    assert count_batchnorms(fast) == 0
    inputs = random_tryon_inputs(1, *SIZES[1], seed=3)
    torch.testing.assert_close(call(fast, inputs), reference(model, inputs),
                               atol=FP32_TOLERANCE, rtol=0)


def test_bf16_psnr_with_fp32_islands(mobile_model):
    # constructed directly: runs bf16 even on CPUs without native bf16 (then emulated)
    fast = FastParserFreeTryOn(mobile_model.warp_model, mobile_model.generator, 'bf16')
    assert {conv.weight.dtype for conv in depthwise_convs(fast)} == {torch.bfloat16}
    sampled = []
    original_grid_sample = torch.nn.functional.grid_sample

    def recording_grid_sample(input, grid, *args, **kwargs):
        sampled.append((input.dtype, grid.dtype))
        return original_grid_sample(input, grid, *args, **kwargs)

    inputs = random_tryon_inputs(2, *SIZES[0], seed=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.nn.functional, 'grid_sample', recording_grid_sample)
        pred = fast.predict_with_cloth(inputs['person'],
                                       fast.encode_cloth(inputs['cloth'], inputs['cloth_mask']))
    # the warps (features, cloth, mask) sample fp32 maps with fp32 grids
    assert sampled and set(sampled) == {(torch.float32, torch.float32)}
    for image in pred:
        assert image.dtype == torch.float32 and torch.isfinite(image).all()
    assert psnr_db(pred.tryon, reference(mobile_model, inputs)).min() >= BF16_MIN_PSNR_DB


def test_cached_garment_equals_uncached(mobile_model):
    """The garment pyramid (cloth backbone) is computed once; the person pyramid and the
    flow per person: same try-on as the model on the repeated garment."""
    fast = optimize_for_inference(mobile_model, 'fp32')
    people = random_tryon_inputs(3, *SIZES[0], seed=5)
    garment = random_tryon_inputs(1, *SIZES[0], seed=6)
    calls = {'cloth': [], 'cond': []}
    hooks = [getattr(fast.warp_model, f'{name}_backbone').register_forward_hook(
        lambda module, args, output, name=name: calls[name].append(args[0].shape[0]))
        for name in calls]
    cached = fast.encode_cloth(garment['cloth'], garment['cloth_mask'])
    hit = fast.tryon_with_cloth(people['person'], cached)
    for hook in hooks:
        hook.remove()
    assert calls == {'cloth': [1], 'cond': [3]}
    repeated = dict(person=people['person'], cloth=garment['cloth'].expand(3, -1, -1, -1),
                    cloth_mask=garment['cloth_mask'].expand(3, -1, -1, -1))
    miss = call(fast, repeated)
    torch.testing.assert_close(hit, miss, atol=FP32_TOLERANCE, rtol=0)
    torch.testing.assert_close(hit, reference(mobile_model, repeated), atol=FP32_TOLERANCE,
                               rtol=0)


def test_inferencer_fast_path_encodes_each_garment_once(mobile_model, tmp_path):
    checkpoint = str(tmp_path / 'dmvton_student.pth')
    torch.save(dict(state_dict=mobile_model.state_dict()), checkpoint)
    inferencer = TryOnInferencer(DMVTON, checkpoint)
    assert inferencer.optimized
    plain = TryOnInferencer(DMVTON, checkpoint, optimize=False)
    encoded = []
    hook = inferencer.fast_model.warp_model.cloth_backbone.register_forward_hook(
        lambda module, args, output: encoded.append(args[0].shape[0]))
    people = [person_photo(150, 110, seed=s) for s in range(3)]
    cloth, mask = garment_photo(130, 101, seed=7)
    results = inferencer(people, cloth, mask, batch_size=1)
    hook.remove()
    assert encoded == [1]  # one garment, three batches: encoded once
    for got, want in zip(results, plain(people, cloth, mask, batch_size=1)):
        assert got['tryon'].shape == (150, 110, 3)
        diff = np.abs(got['tryon'].astype(int) - want['tryon'].astype(int))
        assert diff.max() <= 1
