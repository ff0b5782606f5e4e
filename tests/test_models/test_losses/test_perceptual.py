"""VGGPerceptualLoss: layer slicing, weight loading, freezing, gradients, autocast."""
import os.path as osp
import shutil

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models import vgg as tv_vgg

from vtonbox.models.losses import VGGPerceptualLoss, vgg19_relu_indices
from vtonbox.models.losses.perceptual import (
    VGG19_WEIGHTS_FILE,
    KeepSizeOneMaxPool2d,
    build_vgg19_features,
)
from vtonbox.registry import MODELS

#: Upstream slices end at these torchvision vgg19().features indices.
UPSTREAM_SLICE_ENDS = [1, 6, 11, 20, 29]
LAYERS = ('relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1')
#: A shallow VGG keeps the tests that do not need all five layers fast.
SHALLOW = dict(layers=('relu1_1', 'relu2_1'), layer_weights=(1.0, 0.5))


@pytest.fixture(scope='module')
def torchvision_features():
    torch.manual_seed(0)
    return tv_vgg.make_layers(tv_vgg.cfgs['E'])[:30].eval()


@pytest.fixture(scope='module')
def weights_file(tmp_path_factory, torchvision_features):
    """A random VGG19 in torchvision's full key layout (plus a classifier key)."""
    state = {f'features.{k}': v for k, v in torchvision_features.state_dict().items()}
    state['classifier.6.bias'] = torch.zeros(10)
    path = tmp_path_factory.mktemp('vgg') / VGG19_WEIGHTS_FILE
    torch.save(state, path)
    return str(path)


def _images(size=(16, 16), seed=0):
    gen = torch.Generator().manual_seed(seed)
    pred = torch.rand(2, 3, *size, generator=gen) * 2 - 1
    target = torch.rand(2, 3, *size, generator=gen) * 2 - 1
    return pred, target


def test_layer_slicing_matches_torchvision_vgg19(torchvision_features):
    assert [vgg19_relu_indices()[name] for name in LAYERS] == UPSTREAM_SLICE_ENDS
    ours = build_vgg19_features(29)
    assert len(ours) == len(torchvision_features) == 30
    for index, (a, b) in enumerate(zip(ours, torchvision_features)):
        assert isinstance(a, type(b)), index
        if isinstance(a, nn.Conv2d):
            assert a.weight.shape == b.weight.shape and a.padding == b.padding
    assert all(isinstance(ours[i], nn.ReLU) for i in UPSTREAM_SLICE_ENDS)
    assert len(build_vgg19_features(11)) == 12


def test_random_init_loss_and_build_from_config():
    loss = MODELS.build(dict(type='VGGPerceptualLoss', pretrained=False))
    pred, target = _images()
    value = loss(pred, target)
    assert value.ndim == 0 and value.dtype == torch.float32 and value > 0
    assert loss(target, target).item() == 0


def test_missing_weights_error_names_file_and_directory(tmp_path, monkeypatch):
    missing = tmp_path / 'nowhere' / VGG19_WEIGHTS_FILE
    with pytest.raises(FileNotFoundError) as info:
        VGGPerceptualLoss(weights=str(missing))
    assert VGG19_WEIGHTS_FILE in str(info.value) and str(tmp_path / 'nowhere') in str(info.value)
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    with pytest.raises(FileNotFoundError) as info:
        VGGPerceptualLoss()
    assert osp.join(str(tmp_path / 'hub'), 'checkpoints') in str(info.value)
    assert VGG19_WEIGHTS_FILE in str(info.value)


def test_loads_local_file_and_matches_torchvision(weights_file, torchvision_features):
    loss = VGGPerceptualLoss(weights=weights_file)
    for index, layer in enumerate(loss.vgg.features):
        if isinstance(layer, nn.Conv2d):
            assert torch.equal(layer.weight, torchvision_features[index].weight)
    pred, target = _images()
    with torch.no_grad():
        ours = loss.vgg(pred)
        x, expected = pred, []
        for index, layer in enumerate(torchvision_features):
            x = layer(x)
            if index in UPSTREAM_SLICE_ENDS:
                expected.append(x.clone())
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(ours, expected))
    # the loss is the weighted L1 of those features
    with torch.no_grad():
        target_features = loss.vgg(target)
    manual = sum(w * F.l1_loss(a, b) for w, a, b in
                 zip((1 / 32, 1 / 16, 1 / 8, 1 / 4, 1), ours, target_features))
    assert torch.allclose(loss(pred, target), manual, rtol=1e-5)


def test_loads_from_hub_cache(weights_file, tmp_path, monkeypatch):
    checkpoints = tmp_path / 'checkpoints'
    checkpoints.mkdir()
    shutil.copy(weights_file, checkpoints / VGG19_WEIGHTS_FILE)
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    loss = VGGPerceptualLoss(**SHALLOW)
    reference = torch.load(weights_file, weights_only=True)['features.0.weight']
    assert torch.equal(loss.vgg.features[0].weight, reference)


def test_incomplete_weights_file_raises(tmp_path):
    path = tmp_path / 'partial.pth'
    torch.save({'features.0.weight': torch.zeros(64, 3, 3, 3)}, path)
    with pytest.raises(KeyError, match='features.0.bias'):
        VGGPerceptualLoss(weights=str(path))


def test_gradients_flow_to_input_only_and_vgg_stays_frozen():
    loss = VGGPerceptualLoss(pretrained=False, **SHALLOW)
    parent = nn.Sequential(loss)
    parent.train()
    assert not loss.vgg.training and not loss.vgg.features[0].training
    assert all(not p.requires_grad for p in loss.parameters())
    pred, target = _images()
    pred.requires_grad_(True)
    target.requires_grad_(True)
    loss(pred, target).backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0
    assert target.grad is None
    assert all(p.grad is None for p in loss.parameters())


def test_vgg_kept_out_of_state_dict_and_untouched_by_loading():
    loss = VGGPerceptualLoss(pretrained=False, **SHALLOW)
    parent = nn.ModuleDict(dict(loss=loss, head=nn.Conv2d(3, 3, 1)))
    state = parent.state_dict()
    assert not any(key.startswith('loss.vgg') for key in state)
    before = loss.vgg.features[0].weight.clone()
    parent.load_state_dict(state, strict=True)
    state['loss.vgg.features.0.weight'] = torch.zeros_like(before)
    parent.load_state_dict(state, strict=True)
    assert torch.equal(loss.vgg.features[0].weight, before)


def test_tiny_levels_pool_like_upstream():
    """16x12 (PF-AFN's coarsest level) reaches width 1 before pool4."""
    loss = VGGPerceptualLoss(pretrained=False)
    pred, target = _images(size=(16, 12))
    with torch.no_grad():
        features = loss.vgg(pred)
    assert features[-1].shape == (2, 512, 1, 1)
    assert torch.isfinite(loss(pred, target))
    pool = KeepSizeOneMaxPool2d(kernel_size=2, stride=2)
    x = torch.tensor([[[[1.0], [5.0], [3.0], [2.0], [9.0]]]])  # (1, 1, 5, 1)
    assert torch.equal(pool(x), torch.tensor([[[[5.0], [3.0]]]]))
    y = torch.randn(1, 2, 6, 4)
    assert torch.equal(pool(y), F.max_pool2d(y, 2, 2))


def test_imagenet_normalize_option():
    plain = VGGPerceptualLoss(pretrained=False, **SHALLOW)
    normalized = VGGPerceptualLoss(pretrained=False, imagenet_normalize=True, **SHALLOW)
    normalized.vgg.features.load_state_dict(plain.vgg.features.state_dict())
    pred, target = _images()
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def to_imagenet(x):
        return ((x + 1) / 2 - mean) / std

    expected = plain(to_imagenet(pred), to_imagenet(target))
    assert torch.allclose(normalized(pred, target), expected, rtol=1e-5)
    assert not torch.allclose(plain(pred, target), expected)


def test_bf16_autocast_and_weights():
    loss = VGGPerceptualLoss(pretrained=False, loss_weight=2.0, **SHALLOW)
    pred, target = _images()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(pred, target)
    assert value.dtype == torch.float32 and torch.isfinite(value)
    assert torch.allclose(value, loss(pred, target), rtol=0.05)
    with pytest.raises(ValueError, match='layer_weights'):
        VGGPerceptualLoss(pretrained=False, layer_weights=(1.0, ))
    with pytest.raises(ValueError, match='layers'):
        VGGPerceptualLoss(pretrained=False, layers=('relu9_9', ), layer_weights=(1.0, ))
    with pytest.raises(ValueError, match='pred and target'):
        loss(pred, target[:, :1])
