"""A tiny parser-free config (inherits configs/pfafn_student.py) and its checkpoint,
written into a test's tmp folder; shared by the API, demo and web UI tests."""
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from PIL import Image

from tests.conftest import REPO_ROOT
from vtonbox.models.tryon import inference_model_config
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

#: Model (H, W): multiples of 32, at least 64 (five stride-2 levels, 2 px at the top).
TINY_SIZE = (96, 64)

TINY_CONFIG = """
_base_ = [{base!r}]
img_size = {size!r}
model = dict(
    warp_model=dict(encoder=dict(channels=[8, 16, 16, 16, 16]), fpn=dict(out_channels=16),
                    warper=dict(hidden_channels=[16, 16, 8])),
    generator=dict(ngf=4))
test_pipeline = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    dict(type='ResizePad', size=img_size),
    dict(type='BinarizeMask', keys=['cloth_mask'], threshold=0.5),
    dict(type='PackTryOnInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
"""


def write_tiny_config(folder, size=TINY_SIZE, name='tiny_pfafn.py'):
    """Write the tiny config into ``folder``; returns its path."""
    path = osp.join(str(folder), name)
    base = osp.join(REPO_ROOT, 'configs', 'pfafn_student.py')
    with open(path, 'w') as f:
        f.write(TINY_CONFIG.format(base=base, size=tuple(size)))
    return path


def build_tiny_model(config_path, seed=0):
    """The inference model of a config with seeded random weights (BN statistics too)."""
    register_all_modules()
    torch.manual_seed(seed)
    model = MODELS.build(inference_model_config(Config.fromfile(config_path).model))
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name.endswith('running_mean'):
                buffer.uniform_(-0.1, 0.1)
            elif name.endswith('running_var'):
                buffer.uniform_(0.5, 1.5)
    return model.eval()


def write_tiny_model(folder, size=TINY_SIZE, seed=0):
    """Write the tiny config and an MMEngine-style checkpoint of it.

    Returns:
        tuple[str, str]: config path, checkpoint path.
    """
    config = write_tiny_config(folder, size)
    model = build_tiny_model(config, seed)
    checkpoint = osp.join(str(folder), 'tiny_pfafn.pth')
    torch.save(dict(meta=dict(note='tiny test model'), state_dict=model.state_dict()),
               checkpoint)
    return config, checkpoint


def person_photo(height, width, seed=0):
    """A smooth random (H, W, 3) uint8 'person' photo."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(coarse).resize((width, height), Image.BILINEAR))


def garment_photo(height, width, seed=1):
    """A garment-like photo: a coloured blob on a white studio background, and its mask.

    Returns:
        tuple[ndarray, ndarray]: (H, W, 3) uint8 RGB, (H, W) uint8 {0, 255}.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:height, :width]
    mask = ((yy - height / 2) / (0.35 * height)) ** 2 + ((xx - width / 2) / (0.3 * width)) ** 2
    mask = np.where(mask < 1, np.uint8(255), np.uint8(0))
    colour = rng.integers(20, 200, 3).astype(np.uint8)
    image = np.full((height, width, 3), 255, np.uint8)
    image[mask > 0] = colour
    return image, mask
