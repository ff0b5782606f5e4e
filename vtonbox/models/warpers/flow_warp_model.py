"""FlowWarpModel: two encoders, two FPNs and a warping head (PF-AFN's AFWM), or one
pyramid backbone per branch and the head (DM-VTON's MobileAFWM)."""
from typing import List, Optional, Sequence

from torch import Tensor, nn

from vtonbox.registry import MODELS

from .outputs import WarpOutput

#: Condition channels of the configurations in the paper.
PARSER_BASED_COND_CHANNELS = 45  # 2 preserve masks + 25 DensePose one-hot + 18 pose
PARSER_BASED_NO_DENSEPOSE_COND_CHANNELS = 20  # 2 preserve masks + 18 pose
PARSER_FREE_COND_CHANNELS = 3  # the person (tutor) image
#: The coarsest flow level must have at least 2 pixels per side (apply_offset normalises
#: by (S - 1) / 2), so each side needs at least 2 ** num_levels * this.
MIN_COARSEST_SIDE = 2


@MODELS.register_module()
class FlowWarpModel(nn.Module):
    """Cloth encoder + condition encoder + their FPNs + a warping head (upstream AFWM).

    The encoder config is built twice (``in_channels`` = ``cloth_channels`` and
    ``cond_channels``); its ``out_channels`` become the FPN's ``in_channels``, and the
    FPN's ``out_channels`` / the number of levels become the warper's ``in_channels`` /
    ``num_levels`` unless given. With the defaults the state-dict keys equal upstream
    AFWM's after the prefix renames ``image_features -> cloth_encoder``,
    ``cond_features -> cond_encoder``, ``image_FPN -> cloth_fpn``, ``cond_FPN -> cond_fpn``,
    ``aflow_net.netMain -> warper.main_nets``, ``aflow_net.netRefine -> warper.refine_nets``.

    Args:
        cond_channels (int): condition channels: 45 (parser-based teacher), 20 (teacher
            without DensePose), 3 (parser-free student).
        cloth_channels (int): cloth channels (3).
        encoder (dict): encoder config without ``in_channels``
            (default ``dict(type='FeatureEncoder')``).
        fpn (dict): FPN config without ``in_channels`` (default
            ``dict(type='RefinePyramid', out_channels=256)``).
        warper (dict): warping head config (default ``dict(type='AFlowNet')``).
        backbone (dict, optional): instead of ``encoder`` + ``fpn``, one pyramid
            backbone per branch (e.g. ``dict(type='MobileNetV2Pyramid')``, DM-VTON),
            built twice as ``cloth_backbone`` / ``cond_backbone`` with ``in_channels``
            = ``cloth_channels`` / ``cond_channels``; it returns the pyramid fine ->
            coarse and has ``out_channels`` (int) and ``num_levels``. Excludes
            ``encoder`` and ``fpn``.

    Example:
        >>> model = FlowWarpModel(cond_channels=3)
        >>> out = model(torch.randn(1, 3, 256, 192), torch.randn(1, 3, 256, 192),
        ...             torch.ones(1, 1, 256, 192))  # doctest: +SKIP
        >>> out.flow.shape, [f.shape[-2:] for f in out.level_flows]  # doctest: +SKIP
        (1, 2, 256, 192), [(16, 12), (32, 24), (64, 48), (128, 96), (256, 192)]
    """

    def __init__(self, cond_channels: int, cloth_channels: int = 3,
                 encoder: Optional[dict] = None, fpn: Optional[dict] = None,
                 warper: Optional[dict] = None, backbone: Optional[dict] = None) -> None:
        super().__init__()
        warper = dict(dict(type='AFlowNet'), **(warper or {}))
        self.cond_channels = cond_channels
        self.cloth_channels = cloth_channels
        self.uses_backbone = backbone is not None
        if self.uses_backbone:
            if encoder is not None or fpn is not None:
                raise ValueError('give either backbone or encoder + fpn, not both')
            if 'in_channels' in backbone:
                raise ValueError('backbone.in_channels is derived by FlowWarpModel; set '
                                 'cond_channels / cloth_channels instead')
            self.cloth_backbone = MODELS.build(dict(backbone, in_channels=cloth_channels))
            self.cond_backbone = MODELS.build(dict(backbone, in_channels=cond_channels))
            self.num_levels = self.cloth_backbone.num_levels
            pyramid_channels = self.cloth_backbone.out_channels
        else:
            self._build_encoders_and_fpns(encoder, fpn)
            pyramid_channels = self.cloth_fpn.out_channels
        warper.setdefault('num_levels', self.num_levels)
        warper.setdefault('in_channels', pyramid_channels)
        if warper['num_levels'] != self.num_levels:
            raise ValueError(f'warper.num_levels={warper["num_levels"]} does not match the '
                             f'{self.num_levels} encoder levels')
        self.warper = MODELS.build(warper)

    def _build_encoders_and_fpns(self, encoder: Optional[dict], fpn: Optional[dict]) -> None:
        """``cloth_encoder``, ``cond_encoder``, ``cloth_fpn``, ``cond_fpn`` (PF-AFN)."""
        # A sub-config without `type` only changes the defaults' arguments.
        encoder = dict(dict(type='FeatureEncoder'), **(encoder or {}))
        fpn = dict(dict(type='RefinePyramid'), **(fpn or {}))
        for name, cfg in (('encoder', encoder), ('fpn', fpn)):
            if 'in_channels' in cfg:
                raise ValueError(f'{name}.in_channels is derived by FlowWarpModel; set '
                                 f'cond_channels / cloth_channels / encoder channels instead')
        self.cloth_encoder = MODELS.build(dict(encoder, in_channels=self.cloth_channels))
        self.cond_encoder = MODELS.build(dict(encoder, in_channels=self.cond_channels))
        encoder_channels = list(self.cloth_encoder.out_channels)
        self.cloth_fpn = MODELS.build(dict(fpn, in_channels=encoder_channels))
        self.cond_fpn = MODELS.build(dict(fpn, in_channels=encoder_channels))
        self.num_levels = len(encoder_channels)

    @property
    def size_divisor(self) -> int:
        """Input sides must be multiples of this (one stride-2 stage per level)."""
        return 2 ** self.num_levels

    def _check_inputs(self, cond: Tensor, cloth: Tensor, cloth_mask: Tensor) -> None:
        for name, value, channels in (('cond', cond, self.cond_channels),
                                      ('cloth', cloth, self.cloth_channels),
                                      ('cloth_mask', cloth_mask, 1)):
            if not isinstance(value, Tensor):
                raise TypeError(f'{name} must be a Tensor, got {type(value).__name__}')
            if value.ndim != 4 or value.shape[1] != channels:
                raise ValueError(f'{name} must have shape (N, {channels}, H, W), '
                                 f'got {tuple(value.shape)}')
        if not cond.shape[0] == cloth.shape[0] == cloth_mask.shape[0] or not (
                cond.shape[-2:] == cloth.shape[-2:] == cloth_mask.shape[-2:]):
            raise ValueError(f'cond, cloth and cloth_mask must share N, H, W, got '
                             f'{tuple(cond.shape)}, {tuple(cloth.shape)}, '
                             f'{tuple(cloth_mask.shape)}')
        height, width = cloth.shape[-2:]
        divisor = self.size_divisor
        if height % divisor or width % divisor or min(height, width) < (
                MIN_COARSEST_SIDE * divisor):
            raise ValueError(
                f'input size {height}x{width} is not supported: height and width must be '
                f'multiples of {divisor} ({self.num_levels} stride-2 levels) and at least '
                f'{MIN_COARSEST_SIDE * divisor}; resize or pad the inputs (e.g. 256x192)')

    def forward(self, cond: Tensor, cloth: Tensor, cloth_mask: Tensor) -> WarpOutput:
        """Warp the cloth onto the person described by ``cond``.

        H and W must be multiples of ``size_divisor`` (32 for 5 levels) and at least twice
        that (64); otherwise a ValueError names the size.

        Args:
            cond (Tensor): ``(N, cond_channels, H, W)`` condition (person image for the
                parser-free model; preserve masks + DensePose + pose for the teacher).
            cloth (Tensor): ``(N, 3, H, W)`` masked cloth in ``[-1, 1]``.
            cloth_mask (Tensor): ``(N, 1, H, W)`` cloth mask in ``{0, 1}``.

        Returns:
            WarpOutput: see :class:`WarpOutput`; for 256x192 the levels are 16x12, 32x24,
            64x48, 128x96, 256x192 and ``flow`` is ``(N, 2, 256, 192)``.
        """
        self._check_inputs(cond, cloth, cloth_mask)
        return self.warp_pyramids(cloth, cloth_mask, self.encode_cloth(cloth),
                                  self.encode_cond(cond))

    # The three steps of forward, for callers that reuse one branch: the teacher warps
    # two garments onto one condition, the fast inference graph caches a garment.
    def encode_cloth(self, cloth: Tensor) -> List[Tensor]:
        """Cloth branch: ``(N, 3, H, W)`` masked cloth -> FPN pyramid, fine -> coarse,
        ``(N, C, H / 2 ** (l + 1), W / 2 ** (l + 1))`` for level ``l``."""
        if self.uses_backbone:
            return list(self.cloth_backbone(cloth))
        return list(self.cloth_fpn(self.cloth_encoder(cloth)))

    def encode_cond(self, cond: Tensor) -> List[Tensor]:
        """Condition branch: ``(N, cond_channels, H, W)`` -> FPN pyramid (as
        :meth:`encode_cloth`)."""
        if self.uses_backbone:
            return list(self.cond_backbone(cond))
        return list(self.cond_fpn(self.cond_encoder(cond)))

    def warp_pyramids(self, cloth: Tensor, cloth_mask: Tensor, cloth_pyramid: Sequence[Tensor],
                      cond_pyramid: Sequence[Tensor]) -> WarpOutput:
        """The warping head on encoded pyramids -> ``WarpOutput`` (what forward returns).

        Args:
            cloth (Tensor): ``(N, 3, H, W)`` masked cloth in ``[-1, 1]``.
            cloth_mask (Tensor): ``(N, 1, H, W)`` in ``{0, 1}``.
            cloth_pyramid, cond_pyramid (Sequence[Tensor]): from :meth:`encode_cloth` /
                :meth:`encode_cond`.
        """
        out = self.warper(cloth, cloth_mask, cloth_pyramid, cond_pyramid)
        # coarse -> fine like cond_features, whatever the head (garment distillation)
        out.cloth_features = list(reversed(cloth_pyramid))
        return out

    def final_flow(self, cloth_pyramid: Sequence[Tensor],
                   cond_pyramid: Sequence[Tensor]) -> Tensor:
        """Only the finest flow ``(N, 2, h, w)`` (float32), without the per-level training
        outputs (fast inference). Needs a warper with a flow cascade ``estimate_flows``
        (``AFlowNet``, ``StyleFlowWarper``, ``ClothFlowWarper``; not ``TPSWarper``)."""
        if not hasattr(self.warper, 'estimate_flows'):
            raise TypeError(f'{type(self.warper).__name__} has no flow cascade '
                            '(estimate_flows); use warp_pyramids')
        return self.warper.estimate_flows(cloth_pyramid, cond_pyramid)[0][-1]
