"""Try-on composition: blend the warped cloth and the rendered person (PF-AFN; see
docs/advanced_guides/losses.md).

One function used by every stage (teacher, tutor images, student, inference) so that
training and testing compose identically.
"""
from typing import NamedTuple, Optional

import torch

#: Channels of the generator output: rendered RGB + one composition-mask logit.
RENDERED_CHANNELS = 3
MASK_CHANNELS = 1


class TryOnComposition(NamedTuple):
    """Result of :func:`compose_tryon`.

    Attributes:
        tryon (Tensor): (N, 3, H, W) in [-1, 1], the final try-on image.
        rendered (Tensor): (N, 3, H, W) in [-1, 1], ``tanh`` of the rendered RGB.
        composite_mask (Tensor): (N, 1, H, W) in [0, 1], weight of the warped cloth.
    """

    tryon: torch.Tensor
    rendered: torch.Tensor
    composite_mask: torch.Tensor


def _check_map(name: str, value: torch.Tensor, channels: int, like: torch.Tensor) -> None:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f'{name} must be a Tensor, got {type(value).__name__}')
    expected = (like.shape[0], channels, *like.shape[-2:])
    if tuple(value.shape) != expected:
        raise ValueError(f'{name} must have shape {expected}, got {tuple(value.shape)}')


def compose_tryon(gen_output: torch.Tensor, warped_cloth: torch.Tensor,
                  warped_mask: torch.Tensor,
                  cloth_region: Optional[torch.Tensor] = None) -> TryOnComposition:
    """Compose the try-on image from the generator output.

    ``rendered = tanh(out[:, :3])``, ``m = sigmoid(out[:, 3:]) * warped_mask
    (* cloth_region)``, ``tryon = warped_cloth * m + rendered * (1 - m)``.

    Args:
        gen_output (Tensor): (N, 4, H, W) raw output of the generator.
        warped_cloth (Tensor): (N, 3, H, W) in [-1, 1].
        warped_mask (Tensor): (N, 1, H, W) in [0, 1], the warped cloth mask.
        cloth_region (Tensor, optional): (N, 1, H, W) in {0, 1}, the person's ground
            truth upper-cloth mask. Upstream multiplies it into ``m`` in the end-to-end
            *training* stages only; leave None at test time and for tutor images.

    Returns:
        TryOnComposition: ``(tryon, rendered, composite_mask)``.
    """
    if not isinstance(gen_output, torch.Tensor) or gen_output.ndim != 4 \
            or gen_output.shape[1] != RENDERED_CHANNELS + MASK_CHANNELS:
        shape = tuple(gen_output.shape) if isinstance(gen_output, torch.Tensor) else None
        raise ValueError('gen_output must be a (N, '
                         f'{RENDERED_CHANNELS + MASK_CHANNELS}, H, W) Tensor, got {shape}')
    _check_map('warped_cloth', warped_cloth, RENDERED_CHANNELS, gen_output)
    _check_map('warped_mask', warped_mask, MASK_CHANNELS, gen_output)
    rendered_logits, mask_logits = torch.split(
        gen_output, [RENDERED_CHANNELS, MASK_CHANNELS], dim=1)
    rendered = torch.tanh(rendered_logits)
    composite_mask = torch.sigmoid(mask_logits) * warped_mask
    if cloth_region is not None:
        _check_map('cloth_region', cloth_region, MASK_CHANNELS, gen_output)
        composite_mask = composite_mask * cloth_region
    tryon = warped_cloth * composite_mask + rendered * (1 - composite_mask)
    return TryOnComposition(tryon, rendered, composite_mask)
