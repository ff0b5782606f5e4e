import warnings

import pytest
import torch

from tests.helpers.tiny_configs import TINY_SIZE
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.benchmark.accuracy import psnr_db
from vtonbox.deploy import (
    ClothFeatures,
    FastParserFreeTryOn,
    count_batchnorms,
    optimize_for_inference,
    precision,
    supports_fast_inference,
)
from vtonbox.deploy.precision import Bf16Support

FP32_TOLERANCE = 1e-4
BF16_MIN_PSNR_DB = 35.0


def reference(model, inputs):
    with torch.no_grad():
        return model.tensor_forward(inputs)


def call(fast, inputs):
    return fast(inputs['person'], inputs['cloth'], inputs['cloth_mask'])


@pytest.mark.parametrize('channels_last', [True, False])
def test_fp32_fast_graph_equals_model(tiny_model, channels_last):
    inputs = random_tryon_inputs(2, *TINY_SIZE, seed=1)
    fast = optimize_for_inference(tiny_model, 'fp32', channels_last=channels_last)
    assert fast.num_folded_bn > 0 and fast.num_fused_upsampling == 5
    assert count_batchnorms(fast.generator) == 0
    out = call(fast, inputs)
    assert out.dtype == torch.float32 and out.shape == inputs['person'].shape
    torch.testing.assert_close(out, reference(tiny_model, inputs), atol=FP32_TOLERANCE, rtol=0)


def test_source_model_untouched(tiny_model):
    keys = list(tiny_model.state_dict())
    optimize_for_inference(tiny_model, 'fp32')
    assert list(tiny_model.state_dict()) == keys and count_batchnorms(tiny_model) > 0


def test_bf16_psnr_against_fp32(tiny_model):
    # constructed directly: runs bf16 even on CPUs without native bf16 (then emulated)
    fast = FastParserFreeTryOn(tiny_model.warp_model, tiny_model.generator, 'bf16')
    assert next(fast.generator.parameters()).dtype == torch.bfloat16
    inputs = random_tryon_inputs(2, *TINY_SIZE, seed=2)
    out = call(fast, inputs)
    assert out.dtype == torch.float32
    assert psnr_db(out, reference(tiny_model, inputs)).min() >= BF16_MIN_PSNR_DB


def test_cloth_cache_one_garment_many_people(tiny_model):
    fast = optimize_for_inference(tiny_model, 'fp32')
    people = random_tryon_inputs(3, *TINY_SIZE, seed=3)
    garment = random_tryon_inputs(1, *TINY_SIZE, seed=4)
    cached = fast.encode_cloth(garment['cloth'], garment['cloth_mask'])
    out = fast.tryon_with_cloth(people['person'], cached)
    repeated = dict(person=people['person'], cloth=garment['cloth'].expand(3, -1, -1, -1),
                    cloth_mask=garment['cloth_mask'].expand(3, -1, -1, -1))
    torch.testing.assert_close(out, reference(tiny_model, repeated), atol=FP32_TOLERANCE,
                               rtol=0)
    two = fast.encode_cloth(repeated['cloth'][:2], repeated['cloth_mask'][:2])
    with pytest.raises(ValueError, match='cached cloth batch 2'):
        fast.tryon_with_cloth(people['person'], two)


def test_bf16_falls_back_to_fp32_without_native_support(tiny_model, monkeypatch):
    monkeypatch.setattr(precision, '_warned', set())
    monkeypatch.setattr(precision, 'cpu_bf16_support',
                        lambda: Bf16Support(False, 'AVX2', ()))
    with pytest.warns(RuntimeWarning, match='stays in fp32'):
        fast = optimize_for_inference(tiny_model, 'bf16')
    assert fast.precision == 'fp32'
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # warned once only
        assert optimize_for_inference(tiny_model, 'bf16').precision == 'fp32'


def test_bad_inputs(tiny_model):
    fast = optimize_for_inference(tiny_model, 'fp32')
    inputs = random_tryon_inputs(1, *TINY_SIZE)
    with pytest.raises(ValueError, match='multiples of 32'):
        fast(inputs['person'][..., :48], inputs['cloth'], inputs['cloth_mask'])
    with pytest.raises(ValueError, match=r'cloth_mask must have shape \(N, 1, H, W\)'):
        fast(inputs['person'], inputs['cloth'], inputs['cloth'])
    with pytest.raises(TypeError, match='warp_model'):
        optimize_for_inference(torch.nn.Linear(2, 2))


def test_predict_with_cloth_matches_model_predict(tiny_model):
    fast = optimize_for_inference(tiny_model, 'fp32')
    inputs = random_tryon_inputs(2, *TINY_SIZE, seed=5)
    pred = fast.predict_with_cloth(inputs['person'],
                                   fast.encode_cloth(inputs['cloth'], inputs['cloth_mask']))
    with torch.no_grad():
        out = tiny_model.warp(inputs)
        comp = tiny_model.render(inputs, out)
    for got, want in ((pred.tryon, comp.tryon), (pred.rendered, comp.rendered),
                      (pred.warped_cloth, out.warped_cloth),
                      (pred.warped_mask, out.warped_mask)):
        torch.testing.assert_close(got, want, atol=FP32_TOLERANCE, rtol=0)


def test_cloth_features_take_stack_clone(tiny_model):
    fast = optimize_for_inference(tiny_model, 'fp32')
    garments = random_tryon_inputs(3, *TINY_SIZE, seed=6)
    encoded = fast.encode_cloth(garments['cloth'], garments['cloth_mask'])
    assert encoded.num_garments == 3
    def storage(tensor):
        return tensor.untyped_storage().data_ptr()

    second = encoded.take(1)
    assert second.num_garments == 1
    assert storage(second.pyramid[0]) == storage(encoded.pyramid[0])  # a view
    copy = second.clone()
    assert storage(copy.pyramid[0]) != storage(encoded.pyramid[0])
    assert copy.pyramid[0].is_contiguous(memory_format=torch.channels_last)
    restacked = ClothFeatures.stack([encoded.take(2), copy, encoded.take(0)])
    for level, original in zip(restacked.pyramid, encoded.pyramid):
        torch.testing.assert_close(level, original[[2, 1, 0]], atol=0, rtol=0)
    with pytest.raises(IndexError, match='garment 3 of 3'):
        encoded.take(3)
    with pytest.raises(ValueError, match='at least one'):
        ClothFeatures.stack([])


def test_supports_fast_inference(tiny_model):
    assert supports_fast_inference(tiny_model)
    assert not supports_fast_inference(torch.nn.Linear(2, 2))
