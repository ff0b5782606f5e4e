import math

import pytest
import torch
import torch.nn.functional as F

from vtonbox.models.ops import ModulatedConv2d
from vtonbox.registry import MODELS


def naive_modulated_conv(conv, x, style):
    """Per-sample loop, written from the StyleGAN2 / FS-VTON description: w' = s * w,
    w'' = w' / sqrt(sum w'^2 + 1e-5) per output channel, zero padding 1, bias after."""
    linear = conv.mlp_class_std.linear
    scales = F.linear(style, linear.weight_orig * math.sqrt(2 / style.shape[1]), linear.bias)
    weight = conv.weight * math.sqrt(2 / (conv.in_channels * 9))
    outs = []
    for n in range(x.shape[0]):
        w = weight * scales[n][None, :, None, None]
        w = w * torch.rsqrt(w.pow(2).sum(dim=(1, 2, 3), keepdim=True) + 1e-5)
        outs.append(F.conv2d(x[n:n + 1], w, padding=1))
    return torch.cat(outs) + conv.bias


def make_conv(in_channels=6, out_channels=5, style_channels=12, seed=0):
    torch.manual_seed(seed)
    conv = ModulatedConv2d(in_channels, out_channels, style_channels)
    with torch.no_grad():  # non-zero biases so that they are tested too
        conv.bias.normal_()
        conv.mlp_class_std.linear.bias.normal_()
    return conv


def rel_diff(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def test_parameters_match_checkpoint_layout():
    conv = ModulatedConv2d(256, 49, style_channels=256)
    shapes = {k: tuple(v.shape) for k, v in conv.state_dict().items()}
    assert shapes == {
        'weight': (49, 256, 3, 3), 'bias': (1, 49, 1, 1),
        'mlp_class_std.linear.weight_orig': (256, 256),
        'mlp_class_std.linear.bias': (256,)}
    assert conv.scale == pytest.approx(math.sqrt(2 / (256 * 9)))
    assert conv.mlp_class_std.linear.scale == pytest.approx(math.sqrt(2 / 256))
    # equalised lr: stored weights N(0, 1), biases zero
    assert abs(conv.weight.std().item() - 1) < 0.02 and abs(conv.weight.mean().item()) < 0.02
    assert abs(conv.mlp_class_std.linear.weight_orig.std().item() - 1) < 0.02
    assert not conv.bias.any() and not conv.mlp_class_std.linear.bias.any()
    assert MODELS.get('ModulatedConv2d') is ModulatedConv2d


@pytest.mark.parametrize('batch', [1, 3])
def test_static_and_grouped_forms_agree(batch):
    conv = make_conv()
    torch.manual_seed(1)
    x = torch.randn(batch, 6, 7, 9, requires_grad=True)
    style = torch.randn(batch, 12, requires_grad=True)
    target = torch.randn(batch, 5, 7, 9)
    results = []
    for grouped in (False, True):
        conv.zero_grad()
        x.grad = style.grad = None
        out = conv(x, style, grouped=grouped)
        (out * target).sum().backward()
        grads = [x.grad, style.grad] + [p.grad for p in conv.parameters()]
        results.append((out.detach(), [g.clone() for g in grads]))
    (static, static_grads), (grouped, grouped_grads) = results
    assert static.shape == (batch, 5, 7, 9)
    assert rel_diff(static, grouped) <= 1e-5
    assert rel_diff(static, naive_modulated_conv(conv, x, style).detach()) <= 1e-5
    for a, b in zip(static_grads, grouped_grads):
        assert rel_diff(a, b) <= 1e-5


def test_constructor_flag_selects_the_form():
    conv = make_conv()
    grouped = make_conv()
    grouped.grouped = True
    x, style = torch.randn(2, 6, 4, 4), torch.randn(2, 12)
    assert torch.allclose(conv(x, style), grouped(x, style), rtol=1e-5, atol=1e-6)
    assert torch.equal(grouped(x, style), grouped.forward_grouped(x, style))


def test_demodulated_weight_has_unit_norm():
    conv = make_conv(in_channels=16, out_channels=4)
    style = torch.randn(3, 12)
    scales = conv.mlp_class_std(style)
    demod = conv.demodulation(scales)
    weight = conv.weight[None] * conv.scale * scales[:, None, :, None, None]
    norms = (weight * demod[:, :, None, None, None]).pow(2).sum(dim=(2, 3, 4))
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-3)
    # the scale of s cancels: s and 10 s give the same output (up to eps)
    no_bias = ModulatedConv2d(16, 4, 12)
    with torch.no_grad():
        no_bias.weight.copy_(conv.weight)
        no_bias.mlp_class_std.linear.weight_orig.copy_(conv.mlp_class_std.linear.weight_orig)
    x = torch.randn(3, 16, 5, 5)
    assert torch.allclose(no_bias(x, style), no_bias(x, 10 * style), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('grouped', [False, True])
def test_bf16_autocast(grouped):
    conv = make_conv(in_channels=16, out_channels=8)
    x, style = torch.randn(2, 16, 8, 6), torch.randn(2, 12)
    reference = conv(x, style)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = conv(x, style, grouped=grouped)
    assert out.shape == reference.shape and torch.isfinite(out).all()
    assert rel_diff(out.float(), reference) < 0.05


def test_onnx_export_of_static_form(tmp_path):
    onnx = pytest.importorskip('onnx')
    ort = pytest.importorskip('onnxruntime')
    conv = make_conv().eval()
    x, style = torch.randn(2, 6, 8, 6), torch.randn(2, 12)
    path = str(tmp_path / 'modconv.onnx')
    torch.onnx.export(conv, (x, style), path, input_names=['x', 'style'],
                      output_names=['out'], opset_version=17, dynamo=False,
                      dynamic_axes={'x': {0: 'n'}, 'style': {0: 'n'}, 'out': {0: 'n'}})
    model = onnx.load(path)
    convs = [node for node in model.graph.node if node.op_type == 'Conv']
    initializers = {init.name for init in model.graph.initializer}
    # one ungrouped convolution whose weight is a constant of the graph
    assert len(convs) == 1 and convs[0].input[1] in initializers
    assert all(attr.i == 1 for attr in convs[0].attribute if attr.name == 'group')
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    x3, style3 = torch.randn(3, 6, 8, 6), torch.randn(3, 12)
    (out,) = session.run(None, {'x': x3.numpy(), 'style': style3.numpy()})
    with torch.no_grad():
        expected = conv(x3, style3)
    assert rel_diff(torch.from_numpy(out), expected) < 1e-5


def test_bad_inputs():
    conv = make_conv()
    with pytest.raises(ValueError, match=r'x must have shape \(N, 6, H, W\)'):
        conv(torch.randn(1, 5, 4, 4), torch.randn(1, 12))
    with pytest.raises(ValueError, match=r'style must have shape \(2, 12\)'):
        conv(torch.randn(2, 6, 4, 4), torch.randn(1, 12))
    with pytest.raises(ValueError, match='odd'):
        ModulatedConv2d(4, 4, kernel_size=2)
