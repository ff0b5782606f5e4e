"""Res-UNet try-on generator of PF-AFN / PB-AFN (upstream ``models/networks.py``).

A U-Net of nested skip-connection blocks whose encoder and decoder stages each
end with two residual blocks. The module tree (``model.model.<idx>...``) mirrors
upstream exactly, so a released ``gen_model_final.pth`` loads after a key prefix is
added and nothing else.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer

from vtonbox.registry import MODELS

#: Kernel size of every conv in the generator (3x3, padding 1).
KERNEL_SIZE = 3
#: Spatial factor of each encoder stride / decoder upsampling.
SCALE = 2
#: Encoder depth whose channel plan is fixed (ngf, 2ngf, 4ngf, 8ngf, 8ngf).
BASE_NUM_DOWNS = 5
#: Residual blocks after each down / up conv.
RES_BLOCKS_PER_STAGE = 2
#: Norm layer of upstream (SyncBN conversion happens at the runner level).
DEFAULT_NORM_CFG = dict(type='BN')


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1,
             bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, KERNEL_SIZE, stride=stride,
                     padding=KERNEL_SIZE // 2, bias=bias)


def _norm(norm_cfg: Optional[dict], channels: int) -> nn.Module:
    return build_norm_layer(norm_cfg or DEFAULT_NORM_CFG, channels)[1]


class ResidualBlock(nn.Module):
    """``relu(x + norm(conv(relu(norm(conv(x))))))`` with bias-free 3x3 convs.

    Keys: ``block.0`` conv, ``block.1`` norm, ``block.3`` conv, ``block.4`` norm (as
    upstream).

    Args:
        channels (int): input and output channels.
        norm_cfg (dict, optional): norm layer config; ``dict(type='BN')`` when None.
    """

    def __init__(self, channels: int, norm_cfg: Optional[dict] = None) -> None:
        super().__init__()
        self.block = nn.Sequential(
            _conv3x3(channels, channels), _norm(norm_cfg, channels), nn.ReLU(inplace=True),
            _conv3x3(channels, channels), _norm(norm_cfg, channels))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (Tensor): (N, C, H, W) -> (N, C, H, W)."""
        return self.relu(self.block(x) + x)


class ResUnetSkipConnectionBlock(nn.Module):
    """One U-Net level: down conv, residual blocks, the inner level, up conv.

    Layouts (Sequential indices as upstream; ``Res`` = :class:`ResidualBlock`):

    * outermost: conv s2 (in->inner), ReLU, Res x2, [sub], Upsample, conv (2*inner->outer);
      returns the raw output.
    * middle: conv s2 (outer->inner), norm, ReLU, Res x2, [sub], Upsample,
      conv (2*inner->outer), norm, ReLU, Res x2; returns ``cat[x, out]``.
    * innermost: conv s2, ReLU (no norm), Res x2, Upsample, conv (inner->outer), norm,
      ReLU, Res x2; returns ``cat[x, out]``.

    Args:
        outer_channels (int): channels this level returns to (before the skip concat).
        inner_channels (int): channels after the down conv.
        in_channels (int | None): input channels (outermost only); ``outer_channels``
            when None.
        submodule (nn.Module | None): the next inner level; None for the innermost.
        outermost (bool): the top level (no skip concat, no output norm/activation).
        norm_cfg (dict, optional): norm layer config; ``dict(type='BN')`` when None.
        conv_bias (bool): bias on the down/up convs. Upstream uses a bias only with
            InstanceNorm, so False for the BatchNorm models.
    """

    def __init__(self, outer_channels: int, inner_channels: int,
                 in_channels: Optional[int] = None, submodule: Optional[nn.Module] = None,
                 outermost: bool = False, norm_cfg: Optional[dict] = None,
                 conv_bias: bool = False) -> None:
        super().__init__()
        self.outermost = outermost
        innermost = submodule is None
        if outermost and innermost:
            raise ValueError('a Res-UNet needs at least two levels: the outermost block '
                             'must have a submodule')
        in_channels = outer_channels if in_channels is None else in_channels
        up_in = inner_channels if innermost else inner_channels * 2

        def res_blocks(channels: int) -> list:
            return [ResidualBlock(channels, norm_cfg) for _ in range(RES_BLOCKS_PER_STAGE)]

        down = [_conv3x3(in_channels, inner_channels, SCALE, conv_bias)]
        if not (outermost or innermost):
            down.append(_norm(norm_cfg, inner_channels))
        down += [nn.ReLU(inplace=True)] + res_blocks(inner_channels)
        up = [nn.Upsample(scale_factor=SCALE, mode='nearest'),
              _conv3x3(up_in, outer_channels, bias=conv_bias)]
        if not outermost:
            up += [_norm(norm_cfg, outer_channels), nn.ReLU(inplace=True)]
            up += res_blocks(outer_channels)
        middle = [] if innermost else [submodule]
        self.model = nn.Sequential(*(down + middle + up))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (Tensor): (N, C_in, H, W) -> (N, outer, H, W) outermost, else (N, 2*outer, H, W)."""
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], dim=1)


@MODELS.register_module()
class ResUnetGenerator(nn.Module):
    """PF-AFN try-on generator (``ResUnetGenerator(input_nc, 4, 5, ngf=64, BN)``).

    Channel plan for ``num_downs=5``: in -> ngf -> 2ngf -> 4ngf -> 8ngf -> 8ngf
    (bottleneck at 1/32 of the input size, 8x6 for 256x192), mirrored in the decoder with
    skip concatenation. Every conv is bias-free with BatchNorm; the output is raw (no
    activation): split it 3 + 1 with :func:`compose_tryon`.

    Args:
        in_channels (int): 7 for the parser-free student (person 3 + warped cloth 3 +
            warped mask 1), 8 for the parser-based teacher (preserve region 3 + warped
            cloth 3 + warped mask 1 + dense preserve mask 1).
        out_channels (int): 4 = rendered RGB 3 + composition mask logit 1.
        num_downs (int): number of stride-2 levels (>= 5; extra levels are 8ngf->8ngf).
        ngf (int): channels of the first level.
        norm_cfg (dict, optional): norm layer config; None means ``dict(type='BN')`` as
            upstream (convert to SyncBN at the runner level for DDP).
        conv_bias (bool): bias on the U-Net down/up convs (upstream: only with
            InstanceNorm).
    """

    def __init__(self, in_channels: int = 7, out_channels: int = 4,
                 num_downs: int = BASE_NUM_DOWNS, ngf: int = 64,
                 norm_cfg: Optional[dict] = None, conv_bias: bool = False) -> None:
        super().__init__()
        if num_downs < BASE_NUM_DOWNS:
            raise ValueError(f'num_downs must be >= {BASE_NUM_DOWNS}, got {num_downs}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_downs = num_downs
        kwargs = dict(norm_cfg=norm_cfg, conv_bias=conv_bias)
        block = ResUnetSkipConnectionBlock(ngf * 8, ngf * 8, **kwargs)
        for _ in range(num_downs - BASE_NUM_DOWNS):
            block = ResUnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, **kwargs)
        for outer_mult, inner_mult in ((4, 8), (2, 4), (1, 2)):
            block = ResUnetSkipConnectionBlock(ngf * outer_mult, ngf * inner_mult,
                                               submodule=block, **kwargs)
        self.model = ResUnetSkipConnectionBlock(out_channels, ngf, in_channels=in_channels,
                                                submodule=block, outermost=True, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run the generator.

        Args:
            x (Tensor): (N, in_channels, H, W); H and W multiples of ``2**num_downs``.

        Returns:
            Tensor: (N, out_channels, H, W) raw output (rendered RGB logits + mask logit).
        """
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'ResUnetGenerator expects (N, {self.in_channels}, H, W), '
                             f'got {tuple(x.shape)}')
        factor = SCALE ** self.num_downs
        if x.shape[-2] % factor or x.shape[-1] % factor:
            raise ValueError(f'ResUnetGenerator needs H and W to be multiples of {factor}, '
                             f'got {tuple(x.shape[-2:])}')
        return self.model(x)
