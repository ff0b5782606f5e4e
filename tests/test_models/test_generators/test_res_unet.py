"""ResUnetGenerator: upstream key layout, shapes, autocast, errors."""
import os.path as osp

import pytest
import torch
import torch.nn as nn

from tests.conftest import REPO_ROOT
from vtonbox.models.generators import ResidualBlock, ResUnetGenerator
from vtonbox.models.generators.res_unet import ResUnetSkipConnectionBlock
from vtonbox.registry import MODELS

KEYS_FILE = osp.normpath(osp.join(REPO_ROOT, '..', 'shared', 'docs', 'pfafn-checkpoint-keys.txt'))
GEN_FILE = 'gen_model_final.pth'
SMALL_NGF = 8


def _reference_generator_keys():
    if not osp.isfile(KEYS_FILE):
        pytest.skip(f'upstream key list not found at {KEYS_FILE} (shared docs not checked out)')
    keys = {}
    with open(KEYS_FILE) as f:
        for line in f:
            if line.startswith(GEN_FILE):
                _, key, shape, dtype = line.rstrip('\n').split('\t')
                keys[key] = (shape, dtype)
    return keys


def test_state_dict_equals_released_generator_keys():
    reference = _reference_generator_keys()
    model = ResUnetGenerator(in_channels=7)
    ours = {k: (str(tuple(v.shape)), str(v.dtype).replace('torch.', ''))
            for k, v in model.state_dict().items()}
    assert len(reference) > 200
    assert sorted(ours) == sorted(reference)
    assert ours == reference
    # no conv has a bias, the last one included
    assert all(m.bias is None for m in model.modules() if isinstance(m, nn.Conv2d))
    assert model.model.model[6].weight.shape == (4, 128, 3, 3)
    num_params = sum(p.numel() for p in model.parameters())
    assert abs(num_params / 1e6 - 43.9) < 0.05


def test_teacher_in_channels_and_build_from_config():
    model = MODELS.build(dict(type='ResUnetGenerator', in_channels=8, ngf=SMALL_NGF))
    assert model.model.model[0].weight.shape == (SMALL_NGF, 8, 3, 3)
    assert isinstance(model.model.model[2].block[1], nn.BatchNorm2d)
    syncbn = ResUnetGenerator(7, ngf=SMALL_NGF, norm_cfg=dict(type='SyncBN'))
    assert any(isinstance(m, nn.SyncBatchNorm) for m in syncbn.modules())
    assert not any(type(m) is nn.BatchNorm2d for m in syncbn.modules())


@pytest.mark.parametrize('size', [(256, 192), (128, 96), (64, 64)])
def test_output_shapes(size):
    model = ResUnetGenerator(7, ngf=SMALL_NGF).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 7, *size))
    assert out.shape == (1, 4, *size)
    assert torch.isfinite(out).all()


def test_forward_backward_train_mode():
    model = ResUnetGenerator(7, ngf=SMALL_NGF).train()
    x = torch.randn(2, 7, 32, 32, requires_grad=True)
    out = model(x)
    assert out.shape == (2, 4, 32, 32)
    out.mean().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_bf16_autocast_cpu():
    model = ResUnetGenerator(7, ngf=SMALL_NGF)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = model(torch.randn(2, 7, 32, 32))
    assert out.shape == (2, 4, 32, 32)
    assert out.dtype == torch.bfloat16
    assert torch.isfinite(out.float()).all()


def test_skip_concat_puts_input_first():
    """Upstream concatenates [x, block(x)]; the up conv weights depend on that order."""
    inner = ResUnetSkipConnectionBlock(16, 16)
    block = ResUnetSkipConnectionBlock(8, 16, submodule=inner).eval()
    x = torch.randn(1, 8, 8, 8)
    with torch.no_grad():
        out = block(x)
    assert out.shape == (1, 16, 8, 8)
    assert torch.equal(out[:, :8], x)


def test_residual_block_formula():
    block = ResidualBlock(4).eval()
    x = torch.randn(2, 4, 5, 5)
    with torch.no_grad():
        expected = torch.relu(block.block(x) + x)
        assert torch.allclose(block(x), expected)


def test_bad_inputs_raise():
    model = ResUnetGenerator(7, ngf=SMALL_NGF)
    with pytest.raises(ValueError, match='expects'):
        model(torch.randn(1, 8, 64, 64))
    with pytest.raises(ValueError, match='multiples of 32'):
        model(torch.randn(1, 7, 64, 48))
    with pytest.raises(ValueError, match='num_downs'):
        ResUnetGenerator(7, num_downs=4)
