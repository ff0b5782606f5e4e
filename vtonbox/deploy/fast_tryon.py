"""Fast inference graph of the parser-free try-on (PF-AFN, FS-VTON): same weights, same
results, less work.

``optimize_for_inference(model)`` returns a :class:`FastParserFreeTryOn` holding a copy
of the model's warp model and generator with

* BatchNorms folded into the convolutions in front of them (:mod:`.bn_folding`);
* the generator's "nearest upsample x2 -> 3x3 conv" pairs computed as one 2x2 conv at
  low resolution (:mod:`.upsample_conv`, 2.25x fewer FLOPs in those layers);
* channels_last memory format (oneDNN's fast layout on CPU, tensor cores on GPU);
* only the work inference needs: the flow cascade without the per-level warped
  images and second differences that training uses;
* a cloth cache: :meth:`FastParserFreeTryOn.encode_cloth` runs the cloth encoder + FPN
  once, :meth:`FastParserFreeTryOn.tryon_with_cloth` tries that garment on any number of
  people. The cached cloth pyramid does not depend on the person. What does is computed
  per person: the condition pyramid and the flow cascade, and with FS-VTON's style-flow
  head its global style vector (it concatenates a code of the person's coarsest
  condition map with one of the garment's, so it is recomputed for every pair from the
  cached pyramid);
* bf16 (CPU with AMX / AVX512-BF16, or GPU) or fp16 (GPU): weights cast once, the
  network run under ``torch.autocast``. What stays fp32 and why (measured on a Xeon
  with AMX, 1 thread, 4 x 64 x 128 x 96): ``grid_sample`` (bf16 is 3.5x *slower* than
  fp32 in channels_last, 18.2 vs 5.2 ms, and bf16 grids cannot address sub-pixel
  positions), the flows and sampling grids (``apply_offset``, flow composition and
  resizing), the composition of the final image. bf16 is kept where it is faster:
  convolutions (AMX), the correlation (bf16 GEMMs), nearest upsampling (3.5 vs 19.8
  ms), BatchNorm, ReLU, concatenation. Naive autocast of the unmodified model is slow
  because every convolution re-casts its fp32 weights and reorders NCHW activations
  (``aten::copy_`` took 28% of the time).

On a CPU without native bf16, ``precision='bf16'`` warns once and stays in fp32.
"""
import copy
from contextlib import nullcontext
from typing import NamedTuple, Sequence, Tuple

import torch
from torch import Tensor, nn

from vtonbox.models.generators.composition import compose_tryon
from vtonbox.models.ops.flow import resize_flow, warp
from vtonbox.models.warpers.flow_warp_model import FlowWarpModel

from .bn_folding import fold_batchnorms
from .precision import PRECISION_DTYPES, resolve_precision
from .upsample_conv import fuse_upsample_convs

#: Image channels of the person / cloth and of the cloth mask.
IMAGE_CHANNELS = 3
MASK_CHANNELS = 1


class ClothFeatures(NamedTuple):
    """The cached cloth branch of one or more garments.

    Attributes:
        cloth (Tensor): ``(M, 3, H, W)`` masked cloth in ``[-1, 1]``, float32.
        cloth_mask (Tensor): ``(M, 1, H, W)`` in ``{0, 1}``, float32.
        pyramid (tuple[Tensor]): cloth FPN features fine -> coarse in the compute dtype.
    """

    cloth: Tensor
    cloth_mask: Tensor
    pyramid: Tuple[Tensor, ...]

    def expand(self, batch: int) -> 'ClothFeatures':
        """The same garment repeated ``batch`` times (views, no copies); M must be 1 or
        ``batch``."""
        if self.cloth.shape[0] == batch:
            return self
        if self.cloth.shape[0] != 1:
            raise ValueError(f'cached cloth batch {self.cloth.shape[0]} does not match the '
                             f'person batch {batch} (cache one garment or one per person)')
        def grow(tensor: Tensor) -> Tensor:
            return tensor.expand(batch, *tensor.shape[1:])

        return ClothFeatures(grow(self.cloth), grow(self.cloth_mask),
                             tuple(grow(level) for level in self.pyramid))

    @property
    def num_garments(self) -> int:
        """M, the number of garments held."""
        return self.cloth.shape[0]

    def take(self, index: int) -> 'ClothFeatures':
        """Garment ``index`` alone (M = 1; views, no copies)."""
        if not -self.num_garments <= index < self.num_garments:
            raise IndexError(f'garment {index} of {self.num_garments}')
        index %= self.num_garments
        pick = slice(index, index + 1)
        return ClothFeatures(self.cloth[pick], self.cloth_mask[pick],
                             tuple(level[pick] for level in self.pyramid))

    def clone(self) -> 'ClothFeatures':
        """Copies of every tensor (memory format kept), e.g. so that one garment taken from
        a batch does not keep the whole batch's pyramid alive in a cache."""
        return ClothFeatures(self.cloth.clone(), self.cloth_mask.clone(),
                             tuple(level.clone() for level in self.pyramid))

    @staticmethod
    def stack(garments: Sequence['ClothFeatures']) -> 'ClothFeatures':
        """Concatenate garments along the batch (e.g. one cached garment per person)."""
        if not garments:
            raise ValueError('stack needs at least one ClothFeatures')
        if len(garments) == 1:
            return garments[0]
        return ClothFeatures(torch.cat([g.cloth for g in garments]),
                             torch.cat([g.cloth_mask for g in garments]),
                             tuple(torch.cat(levels) for levels in
                                   zip(*(g.pyramid for g in garments))))


class FastPrediction(NamedTuple):
    """Everything the fast graph predicts for a batch of N pairs, float32.

    Attributes:
        tryon (Tensor): ``(N, 3, H, W)`` in ``[-1, 1]``, the person wearing the garment.
        rendered (Tensor): ``(N, 3, H, W)`` in ``[-1, 1]``, the generator's rendered image.
        warped_cloth (Tensor): ``(N, 3, H, W)`` in ``[-1, 1]``, the garment on the body.
        warped_mask (Tensor): ``(N, 1, H, W)`` in ``[0, 1]``, its warped mask.
    """

    tryon: Tensor
    rendered: Tensor
    warped_cloth: Tensor
    warped_mask: Tensor


def _check_image(name: str, value: Tensor, channels: int, divisor: int) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f'{name} must be a Tensor, got {type(value).__name__}')
    if value.ndim != 4 or value.shape[1] != channels:
        raise ValueError(f'{name} must have shape (N, {channels}, H, W), '
                         f'got {tuple(value.shape)}')
    height, width = value.shape[-2:]
    if height % divisor or width % divisor:
        raise ValueError(f'{name} size {height}x{width}: H and W must be multiples of '
                         f'{divisor} (one stride-2 stage per pyramid level)')


def supports_fast_inference(model: nn.Module) -> bool:
    """Whether :func:`optimize_for_inference` can take ``model``: a parser-free try-on
    with a ``generator`` and a :class:`FlowWarpModel` whose warper is a flow cascade
    (``estimate_flows``: ``AFlowNet`` of PF-AFN, ``StyleFlowWarper`` of FS-VTON,
    ``ClothFlowWarper``; not a TPS warper)."""
    return (isinstance(getattr(model, 'generator', None), nn.Module)
            and _is_flow_cascade_warp_model(getattr(model, 'warp_model', None)))


def _is_flow_cascade_warp_model(warp_model: object) -> bool:
    """A :class:`FlowWarpModel` whose warper has a flow cascade ``estimate_flows`` (what
    :meth:`FlowWarpModel.final_flow` runs)."""
    return (isinstance(warp_model, FlowWarpModel)
            and callable(getattr(warp_model.warper, 'estimate_flows', None)))


class FastParserFreeTryOn(nn.Module):
    """Inference-only parser-free try-on: ``(person, cloth, cloth_mask) -> try-on``.

    Build it with :func:`optimize_for_inference`. Outputs equal the source model's
    ``tensor_forward`` within float rounding (1e-4 in fp32; bf16: PSNR >= 35 dB).

    Args:
        warp_model (FlowWarpModel): with a flow-cascade warper (``estimate_flows``:
            ``AFlowNet``, ``StyleFlowWarper``, ``ClothFlowWarper``; deep-copied).
        generator (nn.Module): the try-on generator (deep-copied).
        precision (str): ``'fp32'``, ``'bf16'`` or ``'fp16'``; already resolved for the
            device (see :func:`resolve_precision`).
        channels_last (bool): run convolutions in channels_last.
        fold_bn (bool): fold conv -> BN pairs.
        fuse_upsampling (bool): fuse "upsample x2 -> 3x3 conv" pairs.
    """

    def __init__(self, warp_model: FlowWarpModel, generator: nn.Module,
                 precision: str = 'fp32', channels_last: bool = True,
                 fold_bn: bool = True, fuse_upsampling: bool = True) -> None:
        super().__init__()
        if not _is_flow_cascade_warp_model(warp_model):
            warper = getattr(warp_model, 'warper', None)
            got = type(warp_model).__name__ + (
                f' with {type(warper).__name__}' if warper is not None else '')
            raise TypeError('the fast path supports a FlowWarpModel whose warper has a flow '
                            f'cascade (estimate_flows: AFlowNet, StyleFlowWarper, '
                            f'ClothFlowWarper), got {got}')
        if precision not in PRECISION_DTYPES:
            raise ValueError(f'precision must be one of {tuple(PRECISION_DTYPES)}, '
                             f'got {precision!r}')
        self.precision = precision
        self.compute_dtype = PRECISION_DTYPES[precision]
        self.channels_last = channels_last
        self.warp_model = copy.deepcopy(warp_model).eval()
        self.generator = copy.deepcopy(generator).eval()
        self.num_folded_bn = self.num_fused_upsampling = 0
        for name in ('warp_model', 'generator'):
            if fold_bn:
                self.num_folded_bn += fold_batchnorms(getattr(self, name), inplace=True)[1]
            if fuse_upsampling:
                self.num_fused_upsampling += fuse_upsample_convs(getattr(self, name),
                                                                 inplace=True)[1]
        self.requires_grad_(False)
        if channels_last:
            self.to(memory_format=torch.channels_last)
        self.to(self.compute_dtype)

    # ------------------------------------------------------------------ helpers
    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def _autocast(self):
        """Autocast to the compute dtype (its fp32 list keeps grid_sample in fp32)."""
        if self.compute_dtype == torch.float32:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.compute_dtype)

    def _to_compute(self, tensor: Tensor) -> Tensor:
        """Compute dtype and memory format of the network."""
        tensor = tensor.to(self.compute_dtype)
        if self.channels_last:
            tensor = tensor.contiguous(memory_format=torch.channels_last)
        return tensor

    def _check(self, **images: Tensor) -> None:
        divisor = self.warp_model.size_divisor
        for name, value in images.items():
            channels = MASK_CHANNELS if name == 'cloth_mask' else IMAGE_CHANNELS
            _check_image(name, value, channels, divisor)

    # ------------------------------------------------------------------ API
    @torch.no_grad()
    def encode_cloth(self, cloth: Tensor, cloth_mask: Tensor) -> ClothFeatures:
        """Run the cloth branch once (cache it to try a garment on many people). Only
        the person-independent part is cached: the cloth FPN pyramid. A style-flow head's
        style vector needs the person's condition map too, so
        :meth:`predict_with_cloth` computes it per person (from the cached pyramid).

        Args:
            cloth (Tensor): ``(M, 3, H, W)`` cloth photo in ``[-1, 1]`` (not yet masked).
            cloth_mask (Tensor): ``(M, 1, H, W)`` binary cloth mask.

        Returns:
            ClothFeatures: masked cloth, mask and the cloth FPN pyramid.
        """
        self._check(cloth=cloth, cloth_mask=cloth_mask)
        if cloth.shape[0] != cloth_mask.shape[0] or cloth.shape[-2:] != cloth_mask.shape[-2:]:
            raise ValueError(f'cloth {tuple(cloth.shape)} and cloth_mask '
                             f'{tuple(cloth_mask.shape)} must share N, H, W')
        masked = (cloth * cloth_mask).float()
        with self._autocast():
            pyramid = self.warp_model.encode_cloth(self._to_compute(masked))
        return ClothFeatures(masked, cloth_mask.float(), tuple(pyramid))

    @torch.no_grad()
    def predict_with_cloth(self, person: Tensor, cloth: ClothFeatures) -> FastPrediction:
        """Try cached garments (one, or one per person) on ``person``, with the
        intermediate images (what ``ParserFreeTryOn.predict`` returns).

        Args:
            person (Tensor): ``(N, 3, H, W)`` person photo in ``[-1, 1]``.
            cloth (ClothFeatures): from :meth:`encode_cloth` (or
                :meth:`ClothFeatures.stack`) with M = 1 or N.

        Returns:
            FastPrediction: try-on, rendered image, warped cloth and mask, float32.
        """
        self._check(person=person)
        if person.shape[-2:] != cloth.cloth.shape[-2:]:
            raise ValueError(f'person size {tuple(person.shape[-2:])} differs from the cached '
                             f'cloth size {tuple(cloth.cloth.shape[-2:])}')
        cloth = cloth.expand(person.shape[0])
        person = person.float()
        with self._autocast():
            cond_pyramid = self.warp_model.encode_cond(self._to_compute(person))
            flow = self.warp_model.final_flow(cloth.pyramid, cond_pyramid)
            if flow.shape[-2:] != person.shape[-2:]:
                flow = resize_flow(flow, person.shape[-2:])
            warped_cloth = warp(cloth.cloth, flow, 'border')
            warped_mask = warp(cloth.cloth_mask, flow, 'zeros')
            gen_input = torch.cat([person, warped_cloth, warped_mask], dim=1)
            gen_output = self.generator(self._to_compute(gen_input))
        composition = compose_tryon(gen_output.float(), warped_cloth, warped_mask)
        return FastPrediction(composition.tryon, composition.rendered, warped_cloth,
                              warped_mask)

    def tryon_with_cloth(self, person: Tensor, cloth: ClothFeatures) -> Tensor:
        """Try a cached garment (one, or one per person) on ``person``.

        Args:
            person (Tensor): ``(N, 3, H, W)`` person photo in ``[-1, 1]``.
            cloth (ClothFeatures): from :meth:`encode_cloth` with M = 1 or N.

        Returns:
            Tensor: ``(N, 3, H, W)`` try-on in ``[-1, 1]``, float32.
        """
        return self.predict_with_cloth(person, cloth).tryon

    def forward(self, person: Tensor, cloth: Tensor, cloth_mask: Tensor) -> Tensor:
        """``(N, 3, H, W)`` person, cloth in ``[-1, 1]`` and ``(N, 1, H, W)`` cloth mask ->
        ``(N, 3, H, W)`` try-on (float32), as the source model's ``tensor_forward``."""
        return self.tryon_with_cloth(person, self.encode_cloth(cloth, cloth_mask))

    def extra_repr(self) -> str:
        return (f'precision={self.precision!r}, channels_last={self.channels_last}, '
                f'num_folded_bn={self.num_folded_bn}, '
                f'num_fused_upsampling={self.num_fused_upsampling}')


def optimize_for_inference(model: nn.Module, precision: str = 'fp32',
                           channels_last: bool = True, fold_bn: bool = True,
                           fuse_upsampling: bool = True, compile: bool = False,
                           compile_kwargs: Sequence = ()) -> nn.Module:
    """Fast inference copy of a parser-free try-on model (the source is untouched).

    Args:
        model (nn.Module): a ``ParserFreeTryOn`` (anything with a ``warp_model``
            (:class:`FlowWarpModel` with a flow-cascade warper: ``AFlowNet``,
            ``StyleFlowWarper`` or ``ClothFlowWarper``) and a ``generator``); its device
            is kept.
        precision (str): ``'fp32'``, ``'bf16'`` or ``'fp16'``. bf16 on a CPU without AMX /
            AVX512-BF16 warns once and gives fp32 (see :func:`resolve_precision`).
        channels_last (bool): channels_last memory format.
        fold_bn (bool): fold conv -> BatchNorm pairs.
        fuse_upsampling (bool): fuse the generator's "upsample x2 -> 3x3 conv" pairs.
        compile (bool): wrap the result in ``torch.compile`` (only ``forward`` is
            compiled; the first call compiles, minutes on a small CPU).
        compile_kwargs: ``(key, value)`` pairs for ``torch.compile``.

    Returns:
        nn.Module: :class:`FastParserFreeTryOn` (or its ``torch.compile`` wrapper),
        called as ``fast(person, cloth, cloth_mask)``.
    """
    for name in ('warp_model', 'generator'):
        if not isinstance(getattr(model, name, None), nn.Module):
            raise TypeError(f'optimize_for_inference needs a parser-free try-on model with '
                            f'`warp_model` and `generator`, got {type(model).__name__} '
                            f'without {name}')
    device = next(model.parameters()).device
    effective = resolve_precision(precision, device)
    fast = FastParserFreeTryOn(model.warp_model, model.generator, effective, channels_last,
                               fold_bn, fuse_upsampling)
    if compile:
        return torch.compile(fast, **dict(compile_kwargs))
    return fast
