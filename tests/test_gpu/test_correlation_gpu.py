"""The correlation op's CUDA path (stacked samples, whole-row GEMM blocks) against the
formula, computed independently by loops over displacements and rows in float64."""
import pytest
import torch

from tests.test_gpu.gpu_helpers import GPU, skip_without_bf16, strict_fp32_cuda
from vtonbox.models.ops import local_correlation
from vtonbox.models.ops.correlation import default_block_width, merges_samples

pytestmark = GPU

SHAPES = [
    (2, 5, 6, 7),     # whole rows
    (1, 4, 5, 11),    # several column blocks (block 4), last one padded
    (2, 3, 2, 2),     # coarsest level of a 64x64 input: smaller than the window
    (2, 3, 2, 9),     # fewer rows than the shift
    (3, 16, 8, 6),    # a real level size (16x12 input / 2), three stacked samples
]


def formula(first, second, disp=3):
    """``out[n, k, y, x] = 1/C sum_c first[n, c, y, x] second[n, c, y + dy, x + dx]``,
    zero outside, ``k = (dy + d)(2d + 1) + dx + d``: one output row at a time."""
    batch, channels, height, width = first.shape
    size = 2 * disp + 1
    out = first.new_zeros(batch, size * size, height, width)
    for dy in range(-disp, disp + 1):
        for dx in range(-disp, disp + 1):
            k = (dy + disp) * size + dx + disp
            x0, x1 = max(0, -dx), min(width, width - dx)
            for y in range(max(0, -dy), min(height, height - dy)):
                if x1 > x0:
                    out[:, k, y, x0:x1] = (first[:, :, y, x0:x1] * second[
                        :, :, y + dy, x0 + dx:x1 + dx]).sum(1) / channels
    return out


def _pair(shape, dtype, device, seed=0, requires_grad=False):
    generator = torch.Generator().manual_seed(seed)
    tensors = [torch.randn(*shape, generator=generator, dtype=torch.float64)
               for _ in range(2)]
    return [t.to(device=device, dtype=dtype).requires_grad_(requires_grad) for t in tensors]


def test_cuda_defaults_stack_samples_and_use_whole_rows():
    device = torch.device('cuda')
    assert merges_samples(device, 128, 96)
    assert default_block_width(torch.float32, device) == default_block_width(
        torch.float16, device)


@pytest.mark.parametrize('block', [None, 4])
@pytest.mark.parametrize('shape', SHAPES)
def test_float64_forward_and_gradients_match_formula(shape, block):
    first, second = _pair(shape, torch.float64, 'cuda', requires_grad=True)
    ref_first, ref_second = (t.detach().cpu().requires_grad_(True) for t in (first, second))
    out = local_correlation(first, second, 3, block)
    expected = formula(ref_first, ref_second)
    assert out.is_cuda and out.shape == expected.shape
    torch.testing.assert_close(out.cpu(), expected)
    weights = torch.randn(expected.shape, dtype=torch.float64,
                          generator=torch.Generator().manual_seed(1))
    grads = torch.autograd.grad((out * weights.cuda()).sum(), (first, second))
    expected_grads = torch.autograd.grad((expected * weights).sum(), (ref_first, ref_second))
    for grad, expected_grad in zip(grads, expected_grads):
        assert grad.is_cuda
        torch.testing.assert_close(grad.cpu(), expected_grad)


def test_float32_and_channels_last_on_cuda():
    first, second = _pair((2, 32, 16, 12), torch.float32, 'cuda', seed=2)
    expected = formula(first.double().cpu(), second.double().cpu()).float()
    with strict_fp32_cuda():
        out = local_correlation(first, second)
        last = local_correlation(first.contiguous(memory_format=torch.channels_last),
                                 second.contiguous(memory_format=torch.channels_last))
        shift = local_correlation(first, second, implementation='shift')
    assert out.dtype == torch.float32
    assert last.is_contiguous(memory_format=torch.channels_last)
    for result in (out, last, shift):
        torch.testing.assert_close(result.cpu(), expected, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize('precision', ['fp16', 'bf16'])
def test_autocast_on_cuda(precision):
    skip_without_bf16(precision)
    dtype = torch.float16 if precision == 'fp16' else torch.bfloat16
    first, second = _pair((2, 64, 8, 6), torch.float32, 'cuda', seed=3, requires_grad=True)
    expected = formula(first.detach().double().cpu(), second.detach().double().cpu())
    with torch.autocast('cuda', dtype=dtype):
        out = local_correlation(first, second)
    assert out.dtype == dtype
    torch.testing.assert_close(out.double().cpu(), expected, atol=2e-2, rtol=2e-2)
    out.float().sum().backward()
    assert first.grad.dtype == torch.float32 and torch.isfinite(first.grad).all()
    assert second.grad is not None and torch.isfinite(second.grad).all()
