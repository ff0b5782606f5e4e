"""Test-only re-derivation of the official PF-AFN test forward.

Written from the facts of the official networks and test script (described in the
repository's ``docs/advanced_guides/distillation.md`` and ``docs/model_zoo.md``) as plain
functions over a state dict in the OFFICIAL key layout (``image_features.*``,
``aflow_net.netMain.*``, ``model.model.*``); nothing here imports vtonbox, so a parity
test against vtonbox's modules compares two independent derivations.

Also builds seeded random state dicts in the official layout from the key table
``tests/data/pfafn_checkpoint_keys.txt`` (a copy of the shared key dump of the released
``warp_model_final.pth`` / ``gen_model_final.pth``).
"""
import math
import os.path as osp
from typing import Dict, List, NamedTuple, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

KEY_TABLE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
                     'pfafn_checkpoint_keys.txt')
WARP_FILE = 'warp_model_final.pth'
GEN_FILE = 'gen_model_final.pth'
DTYPES = {'float32': torch.float32, 'int64': torch.int64}

#: Architecture constants of the reference (sections 2.2, 2.3).
NUM_LEVELS = 5
RES_BLOCKS = 2
MAX_DISPLACEMENT = 3
LEAKY_SLOPE = 0.1
BN_EPS = 1e-5
GEN_NUM_DOWNS = 5
EDGE_THRESHOLD = 0.5

#: Random-weight scales chosen so that activations neither vanish nor explode and the
#: outputs are not saturated: He-normal convs, residual branches and output convs damped.
RESIDUAL_BRANCH_GAIN = 0.3
FLOW_OUTPUT_GAIN = 0.05
GEN_OUTPUT_GAIN = 0.3
#: Side of the noise cells of :func:`smooth_image`, in pixels.
SMOOTH_IMAGE_CELL = 8


class KeyEntry(NamedTuple):
    file: str
    key: str
    shape: Tuple[int, ...]
    dtype: torch.dtype


def read_key_table(path: str = KEY_TABLE) -> List[KeyEntry]:
    """Rows ``file, key, shape, dtype`` of the official key dump (comments skipped)."""
    entries = []
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            file, key, shape, dtype = line.rstrip('\n').split('\t')
            dims = tuple(int(d) for d in shape.strip('()').split(',') if d.strip())
            entries.append(KeyEntry(file, key, dims, DTYPES[dtype]))
    return entries


def _random_tensor(key: str, shape: Tuple[int, ...], dtype: torch.dtype,
                   gen: torch.Generator) -> Tensor:
    """One official tensor with a plausible distribution for its role."""
    if dtype == torch.int64:  # num_batches_tracked
        return torch.randint(1, 100000, shape, generator=gen, dtype=torch.int64)
    name = key.rsplit('.', 1)[-1]
    if len(shape) == 4:  # conv weight, He-normal
        fan_in = shape[1] * shape[2] * shape[3]
        gain = 1.0
        encoder_branch_end = '_features.' in key and key.endswith('block.5.weight')
        generator_branch_end = key.startswith('model.') and key.endswith('block.3.weight')
        if encoder_branch_end or generator_branch_end:
            gain = RESIDUAL_BRANCH_GAIN  # second conv of a residual branch
        if key.startswith('aflow_net.') and key.endswith('.6.weight'):
            gain = FLOW_OUTPUT_GAIN  # 2-channel pixel-offset output of a flow head
        if key == 'model.model.6.weight':
            gain = GEN_OUTPUT_GAIN  # generator output logits
        std = gain * math.sqrt(2.0 / fan_in)
        return torch.randn(shape, generator=gen) * std
    uniform = torch.rand(shape, generator=gen)
    if name == 'running_var':
        return 0.5 + uniform
    if name == 'weight':  # BN scale
        return 0.5 + uniform
    # BN bias / running_mean and conv biases: small
    return (uniform - 0.5) * 0.2


def random_official_state_dicts(seed: int = 0, zeros: bool = False
                                ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
    """(warp, generator) state dicts in the official layout, seeded random values.

    Args:
        seed (int): generator seed.
        zeros (bool): zero tensors of the right shapes/dtypes instead (fast; for key tests).
    """
    gen = torch.Generator().manual_seed(seed)
    parts = {WARP_FILE: {}, GEN_FILE: {}}
    for entry in read_key_table():
        if zeros:
            value = torch.zeros(entry.shape, dtype=entry.dtype)
        else:
            value = _random_tensor(entry.key, entry.shape, entry.dtype, gen)
        parts[entry.file][entry.key] = value
    return parts[WARP_FILE], parts[GEN_FILE]


# ---------------------------------------------------------------------------- layers
def _conv(x: Tensor, sd: Dict[str, Tensor], prefix: str, stride: int = 1) -> Tensor:
    weight = sd[prefix + 'weight']
    return F.conv2d(x, weight, sd.get(prefix + 'bias'), stride, weight.shape[-1] // 2)


def _bn(x: Tensor, sd: Dict[str, Tensor], prefix: str) -> Tensor:
    return F.batch_norm(x, sd[prefix + 'running_mean'], sd[prefix + 'running_var'],
                        sd[prefix + 'weight'], sd[prefix + 'bias'], training=False,
                        eps=BN_EPS)


def _sample(x: Tensor, grid: Tensor, padding: str) -> Tensor:
    """torch 1.1 grid_sample (align_corners=True behaviour); grid (N, H, W, 2)."""
    return F.grid_sample(x, grid, mode='bilinear', padding_mode=padding, align_corners=True)


# ---------------------------------------------------------------------------- AFWM
def feature_encoder(x: Tensor, sd: Dict[str, Tensor], prefix: str) -> List[Tensor]:
    """5 stages of DownSample (BN, ReLU, conv s2) + 2 pre-activation ResBlocks."""
    features = []
    for stage in range(NUM_LEVELS):
        p = f'{prefix}encoders.{stage}.'
        x = _conv(F.relu(_bn(x, sd, p + '0.block.0.')), sd, p + '0.block.2.', stride=2)
        for r in range(1, RES_BLOCKS + 1):
            q = f'{p}{r}.block.'
            h = _conv(F.relu(_bn(x, sd, q + '0.')), sd, q + '2.')
            h = _conv(F.relu(_bn(h, sd, q + '3.')), sd, q + '5.')
            x = h + x
        features.append(x)
    return features


def refine_pyramid(features: List[Tensor], sd: Dict[str, Tensor], prefix: str
                   ) -> List[Tensor]:
    """FPN coarse -> fine (1x1 lateral + nearest x2 of previous, 3x3 smooth); fine first."""
    outputs, last = [], None
    for j, feature in enumerate(reversed(features)):
        y = _conv(feature, sd, f'{prefix}adaptive.{j}.')
        if last is not None:
            y = y + F.interpolate(last, scale_factor=2, mode='nearest')
        last = _conv(y, sd, f'{prefix}smooth.{j}.')
        outputs.append(last)
    return outputs[::-1]


def correlation(first: Tensor, second: Tensor, disp: int = MAX_DISPLACEMENT) -> Tensor:
    """out[k = (dy+d)*(2d+1) + dx+d] = channel mean of first * second shifted (zero pad)."""
    height, width = first.shape[-2:]
    padded = F.pad(second, (disp, disp, disp, disp))
    size = 2 * disp + 1
    return torch.stack([(first * padded[:, :, dy:dy + height, dx:dx + width]).mean(1)
                        for dy in range(size) for dx in range(size)], dim=1)


def apply_offset(offset: Tensor) -> Tensor:
    """Upstream apply_offset: pixel offsets (N, 2, H, W) -> normalised grid (N, H, W, 2)."""
    sizes = list(offset.shape[2:])
    grids = reversed(torch.meshgrid([torch.arange(s) for s in sizes], indexing='ij'))
    grids = [g.float().unsqueeze(0) + offset[:, dim] for dim, g in enumerate(grids)]
    grids = [g / ((s - 1.0) / 2.0) - 1.0 for g, s in zip(grids, reversed(sizes))]
    return torch.stack(grids, dim=-1)


def _flow_head(x: Tensor, sd: Dict[str, Tensor], prefix: str) -> Tensor:
    for index in (0, 2, 4):
        x = F.leaky_relu(_conv(x, sd, f'{prefix}{index}.'), LEAKY_SLOPE)
    return _conv(x, sd, f'{prefix}6.')


def aflow_net(cloth: Tensor, cloth_pyramid: List[Tensor], cond_pyramid: List[Tensor],
              sd: Dict[str, Tensor]) -> Tuple[Tensor, Tensor]:
    """PF-AFN_test AFlowNet.forward: (warped cloth, last_flow (N, 2, H, W))."""
    last_flow = None
    for i in range(NUM_LEVELS):
        x_warp = cloth_pyramid[NUM_LEVELS - 1 - i]
        x_cond = cond_pyramid[NUM_LEVELS - 1 - i]
        if last_flow is not None:
            x_warp_after = _sample(x_warp, last_flow.detach().permute(0, 2, 3, 1), 'border')
        else:
            x_warp_after = x_warp
        corr = F.leaky_relu(correlation(x_warp_after, x_cond), LEAKY_SLOPE)
        flow = apply_offset(_flow_head(corr, sd, f'aflow_net.netMain.{i}.'))
        if last_flow is not None:
            flow = _sample(last_flow, flow, 'border')
        else:
            flow = flow.permute(0, 3, 1, 2)
        last_flow = flow
        x_warp = _sample(x_warp, flow.permute(0, 2, 3, 1), 'border')
        concat = torch.cat([x_warp, x_cond], 1)
        flow = apply_offset(_flow_head(concat, sd, f'aflow_net.netRefine.{i}.'))
        flow = _sample(last_flow, flow, 'border')
        last_flow = F.interpolate(flow, scale_factor=2, mode='bilinear', align_corners=False)
    return _sample(cloth, last_flow.permute(0, 2, 3, 1), 'border'), last_flow


# ---------------------------------------------------------------------------- generator
def _residual(x: Tensor, sd: Dict[str, Tensor], p: str) -> Tensor:
    h = F.relu(_bn(_conv(x, sd, p + 'block.0.'), sd, p + 'block.1.'))
    h = _bn(_conv(h, sd, p + 'block.3.'), sd, p + 'block.4.')
    return F.relu(h + x)


def _res_pair(x: Tensor, sd: Dict[str, Tensor], p: str, first: int) -> Tensor:
    return _residual(_residual(x, sd, f'{p}{first}.'), sd, f'{p}{first + 1}.')


def _up(x: Tensor) -> Tensor:
    return F.interpolate(x, scale_factor=2, mode='nearest')


def _unet_level(x: Tensor, sd: Dict[str, Tensor], p: str, level: int) -> Tensor:
    """ResUnetSkipConnectionBlock at depth ``level`` (0 outermost)."""
    if level == 0:  # 0 conv s2, 1 relu, 2-3 res, 4 sub, 5 up, 6 conv
        h = _res_pair(F.relu(_conv(x, sd, p + '0.', stride=2)), sd, p, 2)
        h = _unet_level(h, sd, p + '4.model.', level + 1)
        return _conv(_up(h), sd, p + '6.')
    if level == GEN_NUM_DOWNS - 1:  # 0 conv s2, 1 relu, 2-3 res, 4 up, 5 conv, 6 bn, 7 relu, 8-9
        h = _res_pair(F.relu(_conv(x, sd, p + '0.', stride=2)), sd, p, 2)
        h = F.relu(_bn(_conv(_up(h), sd, p + '5.'), sd, p + '6.'))
        return torch.cat([x, _res_pair(h, sd, p, 8)], 1)
    # 0 conv s2, 1 bn, 2 relu, 3-4 res, 5 sub, 6 up, 7 conv, 8 bn, 9 relu, 10-11 res
    h = F.relu(_bn(_conv(x, sd, p + '0.', stride=2), sd, p + '1.'))
    h = _unet_level(_res_pair(h, sd, p, 3), sd, p + '5.model.', level + 1)
    h = F.relu(_bn(_conv(_up(h), sd, p + '7.'), sd, p + '8.'))
    return torch.cat([x, _res_pair(h, sd, p, 10)], 1)


def res_unet_generator(x: Tensor, sd: Dict[str, Tensor]) -> Tensor:
    """ResUnetGenerator(input_nc, 4, 5, ngf=64, BatchNorm2d) forward."""
    return _unet_level(x, sd, 'model.model.', 0)


# ---------------------------------------------------------------------------- test.py
@torch.no_grad()
def official_test_forward(warp_sd: Dict[str, Tensor], gen_sd: Dict[str, Tensor],
                          person: Tensor, cloth: Tensor, edge: Tensor) -> Dict[str, Tensor]:
    """PF-AFN_test/test.py for one batch (the official test forward).

    Args:
        person (Tensor): (N, 3, H, W) in [-1, 1].
        cloth (Tensor): (N, 3, H, W) in [-1, 1] (unmasked).
        edge (Tensor): (N, 1, H, W) in [0, 1] cloth mask.

    Returns:
        dict: ``tryon``, ``warped_cloth``, ``warped_edge``, ``rendered``, ``flow``.
    """
    edge = (edge > EDGE_THRESHOLD).float()
    cloth = cloth * edge
    cond_pyramid = refine_pyramid(feature_encoder(person, warp_sd, 'cond_features.'),
                                  warp_sd, 'cond_FPN.')
    cloth_pyramid = refine_pyramid(feature_encoder(cloth, warp_sd, 'image_features.'),
                                   warp_sd, 'image_FPN.')
    warped_cloth, last_flow = aflow_net(cloth, cloth_pyramid, cond_pyramid, warp_sd)
    warped_edge = _sample(edge, last_flow.permute(0, 2, 3, 1), 'zeros')
    gen_out = res_unet_generator(torch.cat([person, warped_cloth, warped_edge], 1), gen_sd)
    rendered, mask = torch.split(gen_out, [3, 1], 1)
    rendered = torch.tanh(rendered)
    mask = torch.sigmoid(mask) * warped_edge
    tryon = warped_cloth * mask + rendered * (1 - mask)
    return dict(tryon=tryon, warped_cloth=warped_cloth, warped_edge=warped_edge,
                rendered=rendered, flow=last_flow)


def smooth_image(batch: int, height: int, width: int, seed: int = 0,
                 cell: int = SMOOTH_IMAGE_CELL) -> Tensor:
    """(N, 3, H, W) in [-1, 1]: coarse uniform noise upsampled bilinearly (photo-like
    smoothness, so sub-pixel float-order flow differences do not dominate comparisons)."""
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.rand(batch, 3, max(height // cell, 2), max(width // cell, 2),
                        generator=gen) * 2 - 1
    return F.interpolate(coarse, size=(height, width), mode='bilinear', align_corners=False)


def blob_mask(batch: int, height: int, width: int, seed: int = 0) -> Tensor:
    """(N, 1, H, W) {0, 1} cloth-like blob: an ellipse with a wavy border per sample."""
    gen = torch.Generator().manual_seed(seed)
    ys = torch.linspace(-1, 1, height).view(height, 1)
    xs = torch.linspace(-1, 1, width).view(1, width)
    angle = torch.atan2(ys, xs)
    masks = []
    for _ in range(batch):
        cy, cx = (torch.rand(2, generator=gen) - 0.5) * 0.3
        ry, rx = 0.5 + torch.rand(2, generator=gen) * 0.3
        wave = 1 + 0.15 * torch.sin(3 * angle + float(torch.rand(1, generator=gen)) * 6)
        radius = ((ys - cy) / ry) ** 2 + ((xs - cx) / rx) ** 2
        masks.append((radius < wave).float())
    return torch.stack(masks).unsqueeze(1)
