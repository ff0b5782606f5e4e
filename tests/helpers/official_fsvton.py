"""Test-only re-derivation of the official FS-VTON test forward, from the reference facts.

Written from the FS-VTON reference facts (style-flow head, modulated conv, test forward)
as plain functions over a state dict in the OFFICIAL key layout (``image_features.*``,
``aflow_net.netStyle.*``, ``aflow_net.netF.*``, ``model.model.*``); nothing here imports
vtonbox, so a parity test against vtonbox's modules compares two independent
derivations. What FS-VTON shares with PF-AFN (encoders, FPNs, ``netRefine``,
``apply_offset``, torch 1.1 ``grid_sample`` = ``align_corners=True``, the generator and
the composition) comes from :mod:`tests.helpers.official_pfafn`.

Like upstream it runs at 256 x 192 only: the style convs have an (8, 6) kernel, the size
of the coarsest FPN map there. The modulated convs use upstream's per-sample grouped form.

Also builds seeded random state dicts in the official layout from the key table
``tests/data/fsvton_checkpoint_keys.txt`` (key names and shapes of the released
``PFAFN_warp_epoch_101.pth`` / ``PFAFN_gen_epoch_101.pth``).
"""
import math
import os.path as osp
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from tests.helpers import official_pfafn as pfafn

KEY_TABLE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
                     'fsvton_checkpoint_keys.txt')
WARP_FILE = 'PFAFN_warp_epoch_101.pth'
GEN_FILE = 'PFAFN_gen_epoch_101.pth'
#: What a warp file saved after a training step also holds (fixed smoothness filters).
TRAINING_FILTER_KEY = 'aflow_net.weight'
TRAINING_FILTER_SHAPE = (4, 1, 3, 3)
#: The only input size of the official head (the style kernel = coarsest map there).
HEIGHT, WIDTH = 256, 192

NUM_LEVELS = 5
STYLE_SLOPE = 0.1  # LeakyReLU after cond_style / image_style (and netRefine)
MODULATED_SLOPE = 0.2  # LeakyReLU after the modulated convs, times sqrt(2)
MODULATED_GAIN = math.sqrt(2.0)
DEMODULATION_EPS = 1e-5
#: Numerator of the equalised-lr scales sqrt(2 / fan_in).
EQUALISED_GAIN = 2.0
#: Small uniform range of random biases.
BIAS_RANGE = 0.2
#: Gain of the random cloth-FPN output convs. The modulated convs are scale-free in their
#: weights (demodulation) and positively homogeneous in their input, so the style-flow
#: offsets grow with the cloth features: undamped He-normal FPNs give chaotic flows of
#: tens of pixels, which amplify float-order differences through the ten flow
#: compositions; damped, the flows move a few pixels, as trained ones do.
CLOTH_FPN_GAIN = 0.1


def read_key_table(path: str = KEY_TABLE) -> List[pfafn.KeyEntry]:
    """Rows ``file, key, shape, dtype`` of the FS-VTON key table."""
    return pfafn.read_key_table(path)


def _is_modulated(key: str) -> bool:
    return key.startswith(('aflow_net.netStyle.', 'aflow_net.netF.'))


def _random_tensor(key: str, shape: Tuple[int, ...], dtype: torch.dtype,
                   gen: torch.Generator) -> Tensor:
    """One official tensor: the modulated convs as initialised upstream (stored weights
    N(0, 1), used with their equalised-lr scale), small random biases; everything else
    (BN stats positive, He-normal convs, damped residual / flow outputs) as PF-AFN's,
    the cloth FPN output convs damped by :data:`CLOTH_FPN_GAIN`."""
    if _is_modulated(key):
        name = key.rsplit('.', 1)[-1]
        if name in ('weight', 'weight_orig'):
            return torch.randn(shape, generator=gen)
        return (torch.rand(shape, generator=gen) - 0.5) * BIAS_RANGE  # both biases
    value = pfafn._random_tensor(key, shape, dtype, gen)
    if key.startswith('image_FPN.smooth.') and key.endswith('.weight'):
        value = value * CLOTH_FPN_GAIN
    return value


def random_official_state_dicts(seed: int = 0, zeros: bool = False,
                                training_filter: bool = False
                                ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
    """(warp, generator) state dicts in the official layout, seeded random values.

    Args:
        seed (int): generator seed.
        zeros (bool): zero tensors of the right shapes/dtypes instead (fast; key tests).
        training_filter (bool): also hold ``aflow_net.weight`` (as an "aug" file saved
            after a training step).
    """
    gen = torch.Generator().manual_seed(seed)
    parts = {WARP_FILE: {}, GEN_FILE: {}}
    for entry in read_key_table():
        if zeros:
            value = torch.zeros(entry.shape, dtype=entry.dtype)
        else:
            value = _random_tensor(entry.key, entry.shape, entry.dtype, gen)
        parts[entry.file][entry.key] = value
    if training_filter:
        parts[WARP_FILE][TRAINING_FILTER_KEY] = torch.zeros(TRAINING_FILTER_SHAPE)
    return parts[WARP_FILE], parts[GEN_FILE]


# ---------------------------------------------------------------------------- style head
def _scaled_leaky(x: Tensor) -> Tensor:
    return F.leaky_relu(x, MODULATED_SLOPE) * MODULATED_GAIN


def modulated_conv(x: Tensor, style: Tensor, sd: Dict[str, Tensor], prefix: str) -> Tensor:
    """StyleGAN2 modulated 3x3 conv, upstream's grouped per-sample form.

    ``s = style @ (weight_orig * sqrt(2 / S)).T + bias`` (N, C_in); per sample
    ``w' = s * weight * sqrt(2 / (C_in * 9))``, demodulated by
    ``rsqrt(sum_{C_in, kh, kw} w'^2 + 1e-5)``; one grouped conv (zero padding 1,
    groups = N); then the stored ``(1, C_out, 1, 1)`` bias.
    """
    weight = sd[prefix + 'weight']
    out_channels, in_channels, kh, kw = weight.shape
    linear = sd[prefix + 'mlp_class_std.linear.weight_orig']
    linear = linear * math.sqrt(EQUALISED_GAIN / linear.shape[1])
    scales = F.linear(style, linear, sd[prefix + 'mlp_class_std.linear.bias'])
    batch, _, height, width = x.shape
    weight = weight * math.sqrt(EQUALISED_GAIN / (in_channels * kh * kw))
    weight = weight[None] * scales[:, None, :, None, None]  # (N, C_out, C_in, kh, kw)
    demod = torch.rsqrt(weight.pow(2).sum(dim=(2, 3, 4)) + DEMODULATION_EPS)
    weight = weight * demod[:, :, None, None, None]
    out = F.conv2d(x.reshape(1, batch * in_channels, height, width),
                   weight.reshape(batch * out_channels, in_channels, kh, kw),
                   padding=kh // 2, groups=batch)
    return out.reshape(batch, out_channels, height, width) + sd[prefix + 'bias']


def _style_code(feature: Tensor, sd: Dict[str, Tensor], prefix: str) -> Tensor:
    """Conv with the size of the coarsest map (8 x 6 kernel, no padding) + LeakyReLU(0.1)
    -> (N, 128)."""
    out = F.conv2d(feature, sd[prefix + '0.weight'], sd[prefix + '0.bias'])
    return F.leaky_relu(out, STYLE_SLOPE).flatten(1)


def style_vector(cloth_pyramid: List[Tensor], cond_pyramid: List[Tensor],
                 sd: Dict[str, Tensor]) -> Tensor:
    """concat(cond_style(coarsest cond map), image_style(coarsest cloth map)), (N, 256)."""
    return torch.cat([_style_code(cond_pyramid[-1], sd, 'aflow_net.cond_style.'),
                      _style_code(cloth_pyramid[-1], sd, 'aflow_net.image_style.')], dim=1)


def style_flow_net(cloth: Tensor, cloth_pyramid: List[Tensor], cond_pyramid: List[Tensor],
                   sd: Dict[str, Tensor]) -> Tuple[Tensor, Tensor]:
    """The official style-flow AFlowNet test forward: (warped cloth, last_flow)."""
    style = style_vector(cloth_pyramid, cond_pyramid, sd)
    sample = pfafn._sample
    last_flow = None
    for i in range(NUM_LEVELS):
        x_warp = cloth_pyramid[NUM_LEVELS - 1 - i]
        x_cond = cond_pyramid[NUM_LEVELS - 1 - i]
        if last_flow is not None:
            x_warp_after = sample(x_warp, last_flow.detach().permute(0, 2, 3, 1), 'border')
        else:
            x_warp_after = x_warp
        h = _scaled_leaky(modulated_conv(x_warp_after, style, sd,
                                         f'aflow_net.netStyle.{i}.conv0.'))
        h = _scaled_leaky(modulated_conv(h, style, sd, f'aflow_net.netStyle.{i}.conv1.'))
        h = _scaled_leaky(modulated_conv(h, style, sd, f'aflow_net.netF.{i}.conv0.'))
        offset = modulated_conv(h, style, sd, f'aflow_net.netF.{i}.conv1.')
        flow = pfafn.apply_offset(offset)
        if last_flow is not None:
            flow = sample(last_flow, flow, 'border')
        else:
            flow = flow.permute(0, 3, 1, 2)
        last_flow = flow
        x_warp = sample(x_warp, flow.permute(0, 2, 3, 1), 'border')
        concat = torch.cat([x_warp, x_cond], 1)
        flow = pfafn.apply_offset(pfafn._flow_head(concat, sd, f'aflow_net.netRefine.{i}.'))
        flow = sample(last_flow, flow, 'border')
        last_flow = F.interpolate(flow, scale_factor=2, mode='bilinear', align_corners=False)
    return sample(cloth, last_flow.permute(0, 2, 3, 1), 'border'), last_flow


# ---------------------------------------------------------------------------- test.py
@torch.no_grad()
def official_test_forward(warp_sd: Dict[str, Tensor], gen_sd: Dict[str, Tensor],
                          person: Tensor, cloth: Tensor, edge: Tensor) -> Dict[str, Tensor]:
    """The official FS-VTON test forward for one batch (same as PF-AFN's but the head).

    Args:
        person (Tensor): (N, 3, 256, 192) in [-1, 1].
        cloth (Tensor): (N, 3, 256, 192) in [-1, 1] (unmasked).
        edge (Tensor): (N, 1, 256, 192) in [0, 1] cloth mask.

    Returns:
        dict: ``tryon``, ``warped_cloth``, ``warped_edge``, ``rendered``, ``flow``.
    """
    if tuple(person.shape[-2:]) != (HEIGHT, WIDTH):
        raise ValueError(f'the official FS-VTON head runs at {HEIGHT}x{WIDTH} only, got '
                         f'{tuple(person.shape[-2:])}')
    edge = (edge > pfafn.EDGE_THRESHOLD).float()
    cloth = cloth * edge
    cond_pyramid = pfafn.refine_pyramid(
        pfafn.feature_encoder(person, warp_sd, 'cond_features.'), warp_sd, 'cond_FPN.')
    cloth_pyramid = pfafn.refine_pyramid(
        pfafn.feature_encoder(cloth, warp_sd, 'image_features.'), warp_sd, 'image_FPN.')
    warped_cloth, last_flow = style_flow_net(cloth, cloth_pyramid, cond_pyramid, warp_sd)
    warped_edge = pfafn._sample(edge, last_flow.permute(0, 2, 3, 1), 'zeros')
    gen_out = pfafn.res_unet_generator(torch.cat([person, warped_cloth, warped_edge], 1),
                                       gen_sd)
    rendered, mask = torch.split(gen_out, [3, 1], 1)
    rendered = torch.tanh(rendered)
    mask = torch.sigmoid(mask) * warped_edge
    tryon = warped_cloth * mask + rendered * (1 - mask)
    return dict(tryon=tryon, warped_cloth=warped_cloth, warped_edge=warped_edge,
                rendered=rendered, flow=last_flow)
