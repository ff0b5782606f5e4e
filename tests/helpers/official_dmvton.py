"""Test-only re-derivation of the official DM-VTON student test forward, from the facts.

Written from the DM-VTON facts (two MobileNetV2 feature pyramids, PF-AFN's correlation
flow head, a MobileNetV2 U-Net generator composed like PF-AFN's; see
``docs/model_zoo.md``) as plain functions over state dicts in the OFFICIAL key layout
(``image_mobile.*``, ``cond_mobile.*``, ``aflow_net.*``, ``backbone.features.*``,
``dconv1..4``, ``invres1..4``, ``conv_last``); nothing here imports vtonbox, so a parity
test against vtonbox's modules compares two independent derivations. What DM-VTON shares
with PF-AFN (the flow head ``aflow_net``, ``apply_offset``, ``grid_sample`` with
``align_corners=True``, the composition) comes from :mod:`tests.helpers.official_pfafn`.

Each pyramid level here is smoothed with ITS OWN stored copy (``smooth_layers.<level>``)
of the shared conv, as the file stores them; vtonbox keeps one module.

Also builds seeded random state dicts in the official layout from the key table
``tests/data/dmvton_keys.txt`` (key names and shapes of the released
``dmvton_pf_warp.pt`` / ``dmvton_pf_gen.pt``), with the five smoothing-conv copies equal.
"""
import math
import os.path as osp
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from tests.helpers import official_pfafn as pfafn

KEY_TABLE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
                     'dmvton_keys.txt')
WARP_FILE = 'dmvton_pf_warp.pt'
GEN_FILE = 'dmvton_pf_gen.pt'
#: What a warp file saved after a training step also holds (fixed smoothness filters).
TRAINING_FILTER_KEY = 'aflow_net.weight'
TRAINING_FILTER_SHAPE = (4, 1, 3, 3)
#: The two pyramids of the warp file (garment, person).
PYRAMIDS = ('image_mobile.', 'cond_mobile.')

#: Pyramid: (expansion t, channels, stride) of the seven one-block stages; the expansion
#: conv is there even for t = 1. Laterals on the outputs of stages 1..5 (strides 2..32).
PYRAMID_STAGES = ((1, 16, 1), (6, 24, 2), (6, 32, 2), (6, 64, 2), (6, 96, 2), (6, 160, 2),
                  (6, 320, 1))
LATERAL_STAGES = (1, 2, 3, 4, 5)
#: U-Net encoder ``features[1..7]`` (t, channels, stride); t = 1 has no expansion conv.
UNET_STAGES = ((1, 16, 1), (6, 24, 2), (6, 32, 2), (6, 64, 2), (6, 96, 1), (6, 160, 2),
               (6, 320, 1))
#: Index (into features[1..7]) of the last stage of each skip: x1, x2, x3, x4.
UNET_SKIP_STAGES = (1, 2, 3, 5)
RELU6_MAX = 6.0

#: Random-weight gains (see :func:`_random_tensor`): the projection conv of an inverted
#: residual and the lateral / top convs damped so that ReLU6 rarely clips, the U-Net
#: output conv damped so that tanh / sigmoid are not saturated.
PROJECTION_GAIN = 0.5
LATERAL_GAIN = 0.5
GEN_OUTPUT_GAIN = 0.3


def read_key_table(path: str = KEY_TABLE) -> List[pfafn.KeyEntry]:
    """Rows ``file, key, shape, dtype`` of the DM-VTON key table."""
    return pfafn.read_key_table(path)


def smooth_copy_index(key: str) -> int:
    """``i`` of a ``<pyramid>smooth_layers.<i>.*`` key, else -1."""
    for prefix in PYRAMIDS:
        head = prefix + 'smooth_layers.'
        if key.startswith(head):
            return int(key[len(head):].split('.', 1)[0])
    return -1


def _random_tensor(key: str, shape: Tuple[int, ...], dtype: torch.dtype,
                   gen: torch.Generator) -> Tensor:
    """One official tensor: PF-AFN's distributions (He-normal convs, positive BN scales and
    variances, small biases, damped flow outputs), transposed convs He-normal over their
    real fan-in (in x 2 x 2 taps per output at stride 2), and the gains above."""
    if key.startswith('dconv') and key.endswith('.weight'):
        in_channels, _, kh, kw = shape
        std = math.sqrt(2.0 / (in_channels * kh * kw / 4))
        return torch.randn(shape, generator=gen) * std
    value = pfafn._random_tensor(key, shape, dtype, gen)
    if len(shape) != 4:
        return value
    if '.conv.' in key and key.endswith(('conv.6.weight', 'conv.3.weight')) and shape[1] != 1:
        value = value * PROJECTION_GAIN  # 1x1 projection (not the depthwise conv.3)
    if '.lateral_layers.' in key or '.top_layer.' in key:
        value = value * LATERAL_GAIN
    if key == 'conv_last.weight':
        value = value * GEN_OUTPUT_GAIN
    return value


def random_official_state_dicts(seed: int = 0, zeros: bool = False,
                                training_filter: bool = False
                                ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
    """(warp, generator) state dicts in the official layout, seeded random values; the
    copies ``smooth_layers.1..4`` of each pyramid equal ``smooth_layers.0`` (clones).

    Args:
        seed (int): generator seed.
        zeros (bool): zero tensors of the right shapes/dtypes instead (fast; key tests).
        training_filter (bool): also hold ``aflow_net.weight`` (a file saved after a
            training step).
    """
    gen = torch.Generator().manual_seed(seed)
    parts = {WARP_FILE: {}, GEN_FILE: {}}
    for entry in read_key_table():
        if zeros:
            value = torch.zeros(entry.shape, dtype=entry.dtype)
        elif smooth_copy_index(entry.key) > 0:
            first = entry.key.replace(f'smooth_layers.{smooth_copy_index(entry.key)}.',
                                      'smooth_layers.0.', 1)
            value = parts[entry.file][first].clone()
        else:
            value = _random_tensor(entry.key, entry.shape, entry.dtype, gen)
        parts[entry.file][entry.key] = value
    if training_filter:
        parts[WARP_FILE][TRAINING_FILTER_KEY] = torch.zeros(TRAINING_FILTER_SHAPE)
    return parts[WARP_FILE], parts[GEN_FILE]


def training_state(weights: Dict[str, Tensor], epoch: int = 100) -> dict:
    """``{'epoch', 'model', 'optimizer'}`` as the official training scripts save it (an
    Adam state of two small parameters stands in for the real one)."""
    state = {i: dict(step=torch.tensor(float(epoch)), exp_avg=torch.zeros(2),
                     exp_avg_sq=torch.zeros(2)) for i in range(2)}
    groups = [dict(lr=5e-5, betas=(0.5, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                   params=[0, 1])]
    return dict(epoch=epoch, model=weights, optimizer=dict(state=state, param_groups=groups))


# ---------------------------------------------------------------------------- layers
def _relu6(x: Tensor) -> Tensor:
    return x.clamp(0.0, RELU6_MAX)


def _conv_bn(x: Tensor, sd: Dict[str, Tensor], conv: str, bn: str, stride: int = 1
             ) -> Tensor:
    """Bias-free conv (depthwise when its weight has one input channel) + BN."""
    weight = sd[conv + 'weight']
    groups = x.shape[1] if weight.shape[1] == 1 and x.shape[1] > 1 else 1
    out = F.conv2d(x, weight, None, stride, weight.shape[-1] // 2, groups=groups)
    return pfafn._bn(out, sd, bn)


def inverted_residual(x: Tensor, sd: Dict[str, Tensor], prefix: str, stride: int,
                      expand: bool) -> Tensor:
    """MobileNetV2 block at ``prefix`` (``....conv.``): [1x1 expand + BN + ReLU6],
    3x3 depthwise (stride) + BN + ReLU6, 1x1 project + BN; + x when the shapes allow."""
    h, first = x, 0
    if expand:
        h = _relu6(_conv_bn(h, sd, prefix + '0.', prefix + '1.'))
        first = 3
    h = _relu6(_conv_bn(h, sd, f'{prefix}{first}.', f'{prefix}{first + 1}.', stride))
    h = _conv_bn(h, sd, f'{prefix}{first + 3}.', f'{prefix}{first + 4}.')
    return x + h if stride == 1 and h.shape == x.shape else h


# ---------------------------------------------------------------------------- pyramid
def mobile_pyramid(x: Tensor, sd: Dict[str, Tensor], prefix: str) -> List[Tensor]:
    """The MobileNetV2 FPN at ``prefix``: 5 levels of 256 ch, finest (1/2) first."""
    x = _relu6(_conv_bn(x, sd, prefix + 'first_layer.0.', prefix + 'first_layer.1.'))
    stages = []
    for index, (_, _, stride) in enumerate(PYRAMID_STAGES):
        x = inverted_residual(x, sd, f'{prefix}inverted_residual_blocks.{index}.0.conv.',
                              stride, expand=True)
        stages.append(x)
    laterals = [pfafn._conv(stages[s], sd, f'{prefix}lateral_layers.{j}.')
                for j, s in enumerate(LATERAL_STAGES)]
    running = pfafn._conv(x.mean(dim=(2, 3), keepdim=True), sd, prefix + 'top_layer.')
    levels = [None] * len(laterals)
    for level in reversed(range(len(laterals))):  # coarse -> fine
        lateral = laterals[level]
        running = lateral + F.interpolate(running, size=lateral.shape[-2:], mode='bilinear',
                                          align_corners=False)
        levels[level] = pfafn._conv(running, sd, f'{prefix}smooth_layers.{level}.')
    return levels


# ---------------------------------------------------------------------------- generator
def mobile_unet(x: Tensor, sd: Dict[str, Tensor]) -> Tensor:
    """The MobileNetV2 U-Net: (N, 7, H, W) -> raw (N, 4, H, W)."""
    features = 'backbone.features.'
    x = _relu6(_conv_bn(x, sd, features + '0.0.', features + '0.1.', stride=2))
    outputs = []
    for index, (expansion, _, stride) in enumerate(UNET_STAGES, 1):
        x = inverted_residual(x, sd, f'{features}{index}.conv.', stride, expansion != 1)
        outputs.append(x)
    skips = [outputs[s - 1] for s in UNET_SKIP_STAGES]  # x1 (1/2) .. x4 (1/16)
    last = len(UNET_STAGES) + 1
    x = _relu6(_conv_bn(x, sd, f'{features}{last}.0.', f'{features}{last}.1.'))
    for i, skip in enumerate(reversed(skips), 1):
        up = F.conv_transpose2d(x, sd[f'dconv{i}.weight'], sd[f'dconv{i}.bias'], stride=2,
                                padding=1)
        x = inverted_residual(torch.cat([skip, up], 1), sd, f'invres{i}.conv.', 1, True)
    x = F.interpolate(x, scale_factor=2, mode='nearest')
    return F.conv2d(x, sd['conv_last.weight'], None, padding=1)


# ---------------------------------------------------------------------------- test forward
@torch.no_grad()
def official_test_forward(warp_sd: Dict[str, Tensor], gen_sd: Dict[str, Tensor],
                          person: Tensor, cloth: Tensor, edge: Tensor) -> Dict[str, Tensor]:
    """The official DM-VTON student test forward for one batch.

    Args:
        person (Tensor): (N, 3, H, W) in [-1, 1], H and W multiples of 32.
        cloth (Tensor): (N, 3, H, W) in [-1, 1] (unmasked).
        edge (Tensor): (N, 1, H, W) in [0, 1] cloth mask.

    Returns:
        dict: ``tryon``, ``warped_cloth``, ``warped_edge``, ``rendered``, ``flow``.
    """
    edge = (edge > pfafn.EDGE_THRESHOLD).float()
    cloth = cloth * edge
    cond_pyramid = mobile_pyramid(person, warp_sd, 'cond_mobile.')
    cloth_pyramid = mobile_pyramid(cloth, warp_sd, 'image_mobile.')
    warped_cloth, last_flow = pfafn.aflow_net(cloth, cloth_pyramid, cond_pyramid, warp_sd)
    warped_edge = pfafn._sample(edge, last_flow.permute(0, 2, 3, 1), 'zeros')
    gen_out = mobile_unet(torch.cat([person, warped_cloth, warped_edge], 1), gen_sd)
    rendered, mask = torch.split(gen_out, [3, 1], 1)
    rendered = torch.tanh(rendered)
    mask = torch.sigmoid(mask) * warped_edge
    tryon = warped_cloth * mask + rendered * (1 - mask)
    return dict(tryon=tryon, warped_cloth=warped_cloth, warped_edge=warped_edge,
                rendered=rendered, flow=last_flow)
