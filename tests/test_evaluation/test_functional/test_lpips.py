"""LPIPS (AlexNet, v0.1) built offline equals ``lpips.LPIPS`` on the same trunk weights."""
import lpips
import numpy as np
import pytest
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image

from vtonbox.evaluation.errors import EvaluationFileNotFoundError, EvaluationInputError
from vtonbox.evaluation.functional.lpips import (
    ALEXNET_WEIGHTS_FILENAME,
    ALEXNET_WEIGHTS_URL,
    HRVITON_LPIPS_SIZE,
    build_lpips_alex,
    default_alexnet_weights_path,
    lpips_distance,
    lpips_input,
    resolve_alexnet_weights,
    save_random_alexnet_weights,
)

from ..conftest import make_images

#: Parity bound with the ``lpips`` package (float32 forward, same ops).
TOLERANCE = 1e-6


@pytest.fixture(scope='module')
def alexnet_weights(tmp_path_factory):
    """A random torchvision AlexNet saved like ``alexnet-owt-7be5be79.pth``."""
    return save_random_alexnet_weights(str(tmp_path_factory.mktemp('alex') / 'alex.pth'), seed=3)


@pytest.fixture(scope='module')
def reference(alexnet_weights):
    """``lpips.LPIPS(net='alex')`` whose torchvision AlexNet comes from the same file, loaded
    by torchvision itself (the package's own path, not vtonbox's key mapping)."""
    trunk = torchvision.models.alexnet(weights=None)
    trunk.load_state_dict(torch.load(alexnet_weights, weights_only=True))
    original = lpips.pretrained_networks.tv.alexnet
    lpips.pretrained_networks.tv.alexnet = lambda *args, **kwargs: trunk
    try:
        model = lpips.LPIPS(net='alex', version='0.1', verbose=False)
    finally:
        lpips.pretrained_networks.tv.alexnet = original
    return model.eval()


@pytest.fixture(scope='module')
def model(alexnet_weights):
    return build_lpips_alex(alexnet_weights)


@pytest.fixture(scope='module')
def pairs():
    preds = make_images(3, seed=20, noise=30.0, size=(96, 72))
    gts = make_images(3, seed=21, size=(96, 72))
    return list(zip(preds, gts))


def test_full_resolution_equals_lpips_package(model, reference, pairs):
    for pred, gt in pairs:
        with torch.no_grad():
            expected = reference(lpips.im2tensor(pred), lpips.im2tensor(gt)).item()
        assert abs(lpips_distance(model, pred, gt) - expected) <= TOLERANCE
        assert expected > 0


def test_hrviton_resize_equals_its_evaluate_script(model, reference, pairs):
    """HR-VITON: transforms.Resize((128, 128)) on PIL images, ToTensor, Normalize(0.5)."""
    transform = T.Compose([T.Resize((128, 128)), T.ToTensor(),
                           T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    for pred, gt in pairs:
        with torch.no_grad():
            expected = reference(transform(Image.fromarray(gt))[None],
                                 transform(Image.fromarray(pred))[None]).item()
        value = lpips_distance(model, pred, gt, resize=HRVITON_LPIPS_SIZE)
        assert abs(value - expected) <= TOLERANCE
        assert abs(value - lpips_distance(model, pred, gt)) > 1e-4  # a different convention


def test_input_scaling_and_resize():
    image = np.full((10, 6, 3), 255, np.uint8)
    image[0, 0] = 0
    tensor = lpips_input(image)
    assert tensor.shape == (1, 3, 10, 6) and tensor.max() == 1 and tensor.min() == -1
    assert lpips_input(image, resize=(4, 8)).shape == (1, 3, 4, 8)  # (H, W)
    with pytest.raises(ValueError, match='uint8'):
        lpips_input(image.astype(np.float32))


def test_identical_images_and_size_mismatch(model, pairs):
    pred, gt = pairs[0]
    assert lpips_distance(model, gt, gt) == 0
    with pytest.raises(ValueError, match='differ in size'):
        lpips_distance(model, pred, gt[:-2])


def test_missing_weights_name_the_file_and_never_download(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    hub = str(tmp_path / 'hub' / 'checkpoints' / ALEXNET_WEIGHTS_FILENAME)
    assert default_alexnet_weights_path() == hub
    with pytest.raises(EvaluationFileNotFoundError) as error:
        build_lpips_alex()
    assert isinstance(error.value, FileNotFoundError)
    assert str(error.value).startswith(
        f'LPIPS AlexNet weights not found ({hub}): put {ALEXNET_WEIGHTS_FILENAME} there')
    assert 'backbone_weights=' in str(error.value) and ALEXNET_WEIGHTS_URL in str(error.value)
    other = str(tmp_path / 'elsewhere.pth')
    with pytest.raises(FileNotFoundError, match=f'put {ALEXNET_WEIGHTS_FILENAME} at {hub}'):
        resolve_alexnet_weights(other)


def test_bad_weights_files(tmp_path):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(EvaluationInputError, match='LPIPS AlexNet weights file is empty'):
        build_lpips_alex(str(empty))
    text = tmp_path / 'text.pth'
    text.write_text('not a checkpoint')
    with pytest.raises(EvaluationInputError, match='not a PyTorch file'):
        build_lpips_alex(str(text))
    foreign = tmp_path / 'foreign.pth'
    torch.save({'conv.weight': torch.zeros(1)}, foreign)
    with pytest.raises(EvaluationInputError, match="lack 'features.0.weight'"):
        build_lpips_alex(str(foreign))


def test_alexnet_url_is_torchvisions():
    # restated in vtonbox so that importing it does not import torchvision
    import torchvision
    assert ALEXNET_WEIGHTS_URL == torchvision.models.AlexNet_Weights.IMAGENET1K_V1.url
