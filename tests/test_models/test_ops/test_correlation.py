import pytest
import torch
import torch.nn.functional as F

from vtonbox.models.ops import Correlation, correlation, local_correlation
from vtonbox.models.ops.correlation import (
    CPU_FP32_BLOCK_WIDTH,
    WHOLE_ROW_BLOCK_WIDTH,
    default_block_width,
    fit_block_width,
    merges_samples,
)
from vtonbox.registry import MODELS


def naive_correlation(first, second, disp=3):
    """Explicit loops over displacements and pixels (the upstream formula)."""
    batch, channels, height, width = first.shape
    size = 2 * disp + 1
    out = first.new_zeros(batch, size * size, height, width)
    for dy in range(-disp, disp + 1):
        for dx in range(-disp, disp + 1):
            k = (dy + disp) * size + (dx + disp)
            for y in range(height):
                for x in range(width):
                    if 0 <= y + dy < height and 0 <= x + dx < width:
                        out[:, k, y, x] = (first[:, :, y, x]
                                           * second[:, :, y + dy, x + dx]).sum(1) / channels
    return out


@pytest.fixture(params=['stacked', 'per_sample'])
def gemm_grouping(request, monkeypatch):
    """Run a test with all samples' rows stacked into one GEMM, and one sample at a time."""
    limit = 10 ** 9 if request.param == 'stacked' else 0
    monkeypatch.setattr(correlation, 'MERGE_MAX_PIXELS', limit)
    return request.param


@pytest.mark.parametrize('shape,disp,block', [
    ((2, 5, 6, 7), 3, 96),   # whole rows
    ((1, 4, 5, 11), 3, 4),   # several column blocks, last one padded
    ((2, 3, 9, 24), 3, 16),  # column blocks that divide the row (12 columns)
    ((2, 3, 2, 2), 3, 96),   # coarsest level of a 64x64 input: smaller than the window
    ((2, 3, 2, 9), 3, 96),   # fewer rows than the shift, whole rows
    ((1, 2, 4, 5), 1, 2),
])
def test_matches_naive_forward_and_gradients(shape, disp, block, gemm_grouping):
    torch.manual_seed(0)
    first = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    second = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    expected = naive_correlation(first, second, disp)
    out = local_correlation(first, second, disp, block)
    assert out.shape == (shape[0], (2 * disp + 1) ** 2) + shape[2:]
    torch.testing.assert_close(out, expected)
    weights = torch.randn_like(expected)
    grads = torch.autograd.grad((out * weights).sum(), (first, second))
    expected_grads = torch.autograd.grad((expected * weights).sum(), (first, second))
    for grad, expected_grad in zip(grads, expected_grads):
        torch.testing.assert_close(grad, expected_grad)


def test_channel_order_and_zero_padding():
    # second is 1 at a single pixel: channel k responds at (y, x) = pixel - (dy, dx)
    first = torch.ones(1, 2, 7, 7)
    second = torch.zeros(1, 2, 7, 7)
    second[:, :, 1, 5] = 1.0
    out = local_correlation(first, second)
    for dy in range(-3, 4):
        for dx in range(-3, 4):
            channel = out[0, (dy + 3) * 7 + (dx + 3)]
            y, x = 1 - dy, 5 - dx
            inside = 0 <= y < 7 and 0 <= x < 7
            assert channel.sum().item() == pytest.approx(1.0 if inside else 0.0)
            if inside:
                assert channel[y, x].item() == pytest.approx(1.0)


def test_gradcheck_float64(gemm_grouping):
    torch.manual_seed(1)
    first = torch.randn(1, 2, 3, 4, dtype=torch.float64, requires_grad=True)
    second = torch.randn(1, 2, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, b: local_correlation(a, b, 3, 2), (first, second))


def test_grad_of_one_input_only():
    first = torch.randn(1, 4, 4, 4, requires_grad=True)
    second = torch.randn(1, 4, 4, 4)
    local_correlation(first, second).sum().backward()
    assert first.grad is not None and first.grad.abs().sum() > 0


def test_bf16_autocast_close_to_float32():
    torch.manual_seed(2)
    first = torch.randn(2, 32, 8, 6, requires_grad=True)
    second = torch.randn(2, 32, 8, 6)
    expected = local_correlation(first, second)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = local_correlation(first, second.bfloat16())
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), expected, atol=2e-2, rtol=2e-2)
    out.float().sum().backward()
    assert first.grad.dtype == torch.float32 and torch.isfinite(first.grad).all()


def test_promotes_mixed_dtypes_outside_autocast():
    out = local_correlation(torch.randn(1, 2, 3, 3), torch.randn(1, 2, 3, 3).bfloat16())
    assert out.dtype == torch.float32


def test_module_is_registered_and_parameter_free():
    module = MODELS.build(dict(type='Correlation', max_displacement=3))
    assert isinstance(module, Correlation)
    assert module.out_channels == 49 and len(list(module.parameters())) == 0
    a, b = torch.randn(2, 8, 4, 6), torch.randn(2, 8, 4, 6)
    torch.testing.assert_close(module(a, b), naive_correlation(a, b), atol=1e-6, rtol=1e-5)


def test_upstream_shift_formulation_on_pyramid_level():
    # pad-and-shift form of the reference doc, at a real level size (8x6, C = 256)
    torch.manual_seed(3)
    first, second = torch.randn(2, 256, 8, 6), torch.randn(2, 256, 8, 6)
    padded = F.pad(second, (3, 3, 3, 3))
    expected = torch.stack([(first * padded[:, :, dy:dy + 8, dx:dx + 6]).mean(1)
                            for dy in range(7) for dx in range(7)], dim=1)
    torch.testing.assert_close(local_correlation(first, second), expected,
                               atol=1e-5, rtol=1e-4)


def test_bad_inputs():
    with pytest.raises(ValueError, match='same shape'):
        local_correlation(torch.randn(1, 2, 3, 3), torch.randn(1, 2, 3, 4))
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        local_correlation(torch.randn(2, 3, 3), torch.randn(2, 3, 3))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu():
    torch.manual_seed(4)
    first, second = torch.randn(2, 16, 8, 6), torch.randn(2, 16, 8, 6)
    weights = torch.randn(2, 49, 8, 6)
    results = []
    for device in ('cpu', 'cuda'):
        a = first.to(device).requires_grad_()
        b = second.to(device).requires_grad_()
        out = local_correlation(a, b)
        (out * weights.to(device)).sum().backward()
        results.append([t.detach().cpu() for t in (out, a.grad, b.grad)])
    for cpu, cuda in zip(*results):
        torch.testing.assert_close(cuda, cpu, atol=1e-4, rtol=1e-4)
    with torch.autocast('cuda', dtype=torch.bfloat16):
        out = local_correlation(first.cuda(), second.cuda())
    assert out.dtype == torch.bfloat16


def test_maps_smaller_than_the_window_fill_every_output(gemm_grouping):
    # Rows whose shifted source row lies outside the map must be written as zeros,
    # whatever the output buffer held before: leave NaNs in freed memory first.
    torch.manual_seed(5)
    for height, width in ((1, 3), (2, 2), (3, 1), (2, 5)):
        first = torch.randn(2, 3, height, width, dtype=torch.float64)
        second = torch.randn(2, 3, height, width, dtype=torch.float64)
        for _ in range(5):
            garbage = torch.full((2 * height * width * 49,), float('nan'),
                                 dtype=torch.float64)
            del garbage
            out = local_correlation(first, second)
            torch.testing.assert_close(out, naive_correlation(first, second))


@pytest.mark.parametrize('dtype', [torch.float64, torch.bfloat16])
@pytest.mark.parametrize('width,block', [(40, None), (12, None), (11, 4)])
def test_channels_last_input_gives_channels_last_output(dtype, width, block,
                                                       gemm_grouping):
    torch.manual_seed(6)
    first, second = (torch.randn(2, 8, 5, width, dtype=torch.float64) for _ in range(2))
    expected = naive_correlation(first, second)
    first_cl, second_cl = (t.to(dtype).contiguous(memory_format=torch.channels_last)
                           for t in (first, second))
    out = local_correlation(first_cl, second_cl, block_width=block)
    assert out.is_contiguous(memory_format=torch.channels_last)
    assert local_correlation(first.to(dtype), second.to(dtype), block_width=block) \
        .is_contiguous()
    tolerance = 1e-7 if dtype == torch.float64 else 3e-2
    torch.testing.assert_close(out.double(), expected, atol=tolerance, rtol=tolerance)


def test_block_width_choice():
    assert default_block_width(torch.float32, torch.device('cpu')) == CPU_FP32_BLOCK_WIDTH
    assert default_block_width(torch.bfloat16, torch.device('cpu')) == WHOLE_ROW_BLOCK_WIDTH
    assert default_block_width(torch.float32, torch.device('cuda')) == WHOLE_ROW_BLOCK_WIDTH
    assert fit_block_width(12, 16) == 12      # whole row fits
    assert fit_block_width(96, 16) == 16      # divisor: no padded columns
    assert fit_block_width(40, 16) == 10      # largest divisor above half the target
    assert fit_block_width(97, 16) == 16      # prime width: pad the last block
    assert merges_samples(torch.device('cpu'), 8, 6)
    assert not merges_samples(torch.device('cpu'), 128, 96)
    assert merges_samples(torch.device('cuda'), 128, 96)
