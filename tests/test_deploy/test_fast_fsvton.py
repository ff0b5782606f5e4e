"""The fast inference graph, its garment cache and the Inferencer's fast path with the
FS-VTON student (style-flow head) and the ClothFlow ablation: the tiny synthetic
students with seeded random weights."""
import os.path as osp

import numpy as np
import pytest
import torch

from tests.conftest import REPO_ROOT
from tests.helpers.tiny_model import garment_photo, person_photo
from vtonbox.apis import TryOnInferencer
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.benchmark.accuracy import psnr_db
from vtonbox.deploy import (
    FastParserFreeTryOn,
    load_tryon_model,
    optimize_for_inference,
    supports_fast_inference,
)
from vtonbox.models.warpers import ClothFlowWarper, StyleFlowWarper

FSVTON = osp.join(REPO_ROOT, 'configs', 'synthetic', 'fsvton_student.py')
CLOTHFLOW = osp.join(REPO_ROOT, 'configs', 'synthetic', 'clothflow_student.py')
#: The synthetic configs' size, and a smaller one whose coarsest map (2x2) is pooled to
#: the style kernel.
SIZES = [(128, 96), (64, 64)]
FP32_TOLERANCE = 1e-4
#: bf16 vs fp32 (as for PF-AFN; the style vector and the modulated nets run in bf16 too).
BF16_MIN_PSNR_DB = 35.0


@pytest.fixture(autouse=True)
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def fsvton_model():
    model, _ = load_tryon_model(FSVTON, seed=0)
    assert isinstance(model.warp_model.warper, StyleFlowWarper)
    return model


def reference(model, inputs):
    with torch.no_grad():
        return model.tensor_forward(inputs)


def call(fast, inputs):
    return fast(inputs['person'], inputs['cloth'], inputs['cloth_mask'])


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('channels_last', [True, False])
def test_fp32_fast_graph_equals_model(fsvton_model, size, channels_last):
    assert supports_fast_inference(fsvton_model)
    fast = optimize_for_inference(fsvton_model, 'fp32', channels_last=channels_last)
    assert isinstance(fast.warp_model.warper, StyleFlowWarper)
    assert fast.num_folded_bn > 0 and fast.num_fused_upsampling == 5
    inputs = random_tryon_inputs(2, *size, seed=1)
    out = call(fast, inputs)
    assert out.dtype == torch.float32 and out.shape == inputs['person'].shape
    torch.testing.assert_close(out, reference(fsvton_model, inputs), atol=FP32_TOLERANCE,
                               rtol=0)


def test_clothflow_student_runs_fast_too():
    model, _ = load_tryon_model(CLOTHFLOW, seed=0)
    assert isinstance(model.warp_model.warper, ClothFlowWarper)
    inputs = random_tryon_inputs(2, *SIZES[0], seed=2)
    out = call(optimize_for_inference(model, 'fp32'), inputs)
    torch.testing.assert_close(out, reference(model, inputs), atol=FP32_TOLERANCE, rtol=0)


def test_bf16_runs(fsvton_model):
    # constructed directly: runs bf16 even on CPUs without native bf16 (then emulated)
    fast = FastParserFreeTryOn(fsvton_model.warp_model, fsvton_model.generator, 'bf16')
    style_weight = fast.warp_model.warper.flow_nets[0].conv0.weight
    assert style_weight.dtype == torch.bfloat16
    inputs = random_tryon_inputs(2, *SIZES[0], seed=3)
    out = call(fast, inputs)
    assert out.dtype == torch.float32 and torch.isfinite(out).all()
    assert psnr_db(out, reference(fsvton_model, inputs)).min() >= BF16_MIN_PSNR_DB


def test_cached_garment_on_many_people_restyles_per_person(fsvton_model):
    """The cloth pyramid is cached once; the style vector (person + garment) is computed
    per person from it: same result as the model on the repeated garment."""
    fast = optimize_for_inference(fsvton_model, 'fp32')
    people = random_tryon_inputs(3, *SIZES[0], seed=4)
    garment = random_tryon_inputs(1, *SIZES[0], seed=5)
    styles = []
    hook = fast.warp_model.warper.cond_style.register_forward_hook(
        lambda module, args, output: styles.append(output.shape[0]))
    cached = fast.encode_cloth(garment['cloth'], garment['cloth_mask'])
    assert styles == []  # encoding the garment computes no style
    out = fast.tryon_with_cloth(people['person'], cached)
    hook.remove()
    assert styles == [3]  # one style vector per person
    repeated = dict(person=people['person'], cloth=garment['cloth'].expand(3, -1, -1, -1),
                    cloth_mask=garment['cloth_mask'].expand(3, -1, -1, -1))
    torch.testing.assert_close(out, reference(fsvton_model, repeated), atol=FP32_TOLERANCE,
                               rtol=0)


def test_inferencer_fast_path_encodes_each_garment_once(fsvton_model, tmp_path):
    checkpoint = str(tmp_path / 'fsvton_student.pth')
    torch.save(dict(state_dict=fsvton_model.state_dict()), checkpoint)
    inferencer = TryOnInferencer(FSVTON, checkpoint)
    assert inferencer.optimized
    plain = TryOnInferencer(FSVTON, checkpoint, optimize=False)
    encoded, styled = [], []
    warp_model = inferencer.fast_model.warp_model
    hooks = [
        warp_model.cloth_encoder.register_forward_hook(
            lambda module, args, output: encoded.append(args[0].shape[0])),
        warp_model.warper.cond_style.register_forward_hook(
            lambda module, args, output: styled.append(output.shape[0])),
    ]
    people = [person_photo(150, 110, seed=s) for s in range(3)]
    cloth, mask = garment_photo(130, 101, seed=7)
    results = inferencer(people, cloth, mask, batch_size=1)
    for hook in hooks:
        hook.remove()
    assert encoded == [1]  # one garment, three batches: encoded once
    assert styled == [1, 1, 1]  # the style vector per person
    for got, want in zip(results, plain(people, cloth, mask, batch_size=1)):
        assert got['tryon'].shape == (150, 110, 3)
        diff = np.abs(got['tryon'].astype(int) - want['tryon'].astype(int))
        assert diff.max() <= 1
