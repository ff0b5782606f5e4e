"""``TryOnInferencer(device='cuda')``: fp32 equals the CPU (1e-4 on the float outputs,
1 grey level on the images), for the fast graph and the model as built; the fast graph
in fp16 / bf16 (channels_last and NCHW) stays close to fp32."""
import numpy as np
import pytest
import torch

from tests.helpers.tiny_model import garment_photo, person_photo, write_tiny_model
from tests.test_gpu.gpu_helpers import GPU, skip_without_bf16, strict_fp32_cuda
from vtonbox.apis import TryOnInferencer
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.benchmark.accuracy import psnr_db

pytestmark = GPU

FP32_ATOL = 1e-4
#: uint8 outputs: rounding of values that differ by float noise.
UINT8_MAX_DIFF = 1
#: What the fast graph promises in low precision (see vtonbox.deploy.fast_tryon).
LOW_PRECISION_MIN_PSNR_DB = 35.0
IMAGE_KEYS = ('tryon', 'warped_cloth', 'warped_mask')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """Tiny PF-AFN config and checkpoint (random BatchNorm statistics), and test photos."""
    config, checkpoint = write_tiny_model(tmp_path_factory.mktemp('tiny_gpu_model'))
    cloth, mask = garment_photo(120, 100, seed=6)
    photos = ([person_photo(203, 151, seed=5), person_photo(61, 140, seed=7)], cloth, mask)
    return config, checkpoint, photos


def _float_outputs(inferencer, batch=2, seed=3):
    """Float predictions of the inferencer's graph on fixed random inputs (model size)."""
    inputs = random_tryon_inputs(batch, *inferencer.model_size, inferencer.device, seed)
    with torch.inference_mode():
        if inferencer.optimized:
            fast = inferencer.fast_model
            pred = fast.predict_with_cloth(inputs['person'],
                                           fast.encode_cloth(inputs['cloth'],
                                                             inputs['cloth_mask']))
            return dict(tryon=pred.tryon, warped_cloth=pred.warped_cloth,
                        warped_mask=pred.warped_mask)
        return dict(tryon=inferencer.model.tensor_forward(inputs))


def _images(inferencer, photos):
    people, cloth, mask = photos
    return inferencer(people, cloth, mask, batch_size=len(people))


@pytest.mark.parametrize('optimize', [True, False], ids=['fast_graph', 'model_as_built'])
def test_cuda_fp32_equals_cpu(tiny, optimize):
    config, checkpoint, photos = tiny
    with strict_fp32_cuda():
        cpu = TryOnInferencer(config, checkpoint, device='cpu', optimize=optimize)
        cuda = TryOnInferencer(config, checkpoint, device='cuda', optimize=optimize)
        assert cuda.optimized == cpu.optimized == optimize
        assert next(cuda.model.parameters()).is_cuda
        expected, got = _float_outputs(cpu), _float_outputs(cuda)
        for key, value in expected.items():
            assert got[key].is_cuda and got[key].dtype == torch.float32
            torch.testing.assert_close(got[key].cpu(), value, atol=FP32_ATOL, rtol=0,
                                       msg=lambda m, k=key: f'{k}: {m}')
        for cpu_result, cuda_result in zip(_images(cpu, photos), _images(cuda, photos)):
            for key in IMAGE_KEYS:
                a = cpu_result[key].astype(np.int16)
                b = cuda_result[key].astype(np.int16)
                assert a.shape == b.shape and cuda_result[key].dtype == np.uint8
                assert np.abs(a - b).max() <= UINT8_MAX_DIFF, key


@pytest.mark.parametrize('channels_last', [True, False], ids=['channels_last', 'nchw'])
@pytest.mark.parametrize('precision', ['fp16', 'bf16'])
def test_fast_graph_low_precision_on_cuda(tiny, precision, channels_last):
    skip_without_bf16(precision)
    config, checkpoint, photos = tiny
    dtype = torch.float16 if precision == 'fp16' else torch.bfloat16
    reference = TryOnInferencer(config, checkpoint, device='cuda')
    low = TryOnInferencer(config, checkpoint, device='cuda', precision=precision,
                          channels_last=channels_last)
    assert low.optimized and low.fast_model.precision == precision
    assert low.fast_model.channels_last == channels_last
    assert next(low.fast_model.generator.parameters()).dtype == dtype
    expected, got = _float_outputs(reference), _float_outputs(low)
    for key, value in got.items():
        assert value.dtype == torch.float32 and torch.isfinite(value).all(), key
    psnr = psnr_db(got['tryon'], expected['tryon'])
    assert psnr.min() >= LOW_PRECISION_MIN_PSNR_DB, psnr.tolist()
    results = _images(low, photos)
    for result, person in zip(results, photos[0]):
        assert result['tryon'].shape == person.shape and result['tryon'].dtype == np.uint8
