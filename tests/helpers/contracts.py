"""Checks of the algorithm contract (``warp`` -> ``WarpOutput``, ``render`` ->
``TryOnComposition``, ``predict`` -> ``TryOnDataSample``s) shared by the algorithm and
warping-head tests."""
from typing import Optional, Sequence

import torch

from vtonbox.models.generators.composition import TryOnComposition
from vtonbox.models.warpers.outputs import WarpOutput
from vtonbox.utils import to_uint8_image


def level_sizes(height: int, width: int, num_levels: int = 5):
    """(h_l, w_l) of the levels, coarse -> fine (the finest is the input size)."""
    return [(height >> (num_levels - 1 - i), width >> (num_levels - 1 - i))
            for i in range(num_levels)]


def assert_warp_output(out, batch: int, height: int, width: int, num_levels: int = 5,
                       num_deltas: Optional[int] = None,
                       cond_channels: Optional[int] = None) -> None:
    """``out`` fills every field of :class:`WarpOutput` with the documented shapes."""
    assert isinstance(out, WarpOutput), type(out)
    assert out.warped_cloth.shape == (batch, 3, height, width)
    assert out.warped_mask.shape == (batch, 1, height, width)
    assert out.flow.shape == (batch, 2, height, width) and out.flow.dtype == torch.float32
    assert 0 <= out.warped_mask.min() and out.warped_mask.max() <= 1
    sizes = level_sizes(height, width, num_levels)
    assert [tuple(f.shape) for f in out.level_flows] == [(batch, 2, *s) for s in sizes]
    assert all(f.dtype == torch.float32 for f in out.level_flows)
    assert torch.equal(out.level_flows[-1], out.flow)
    assert [tuple(c.shape) for c in out.level_warped_cloths] == [(batch, 3, *s) for s in sizes]
    assert [tuple(m.shape) for m in out.level_warped_masks] == [(batch, 1, *s) for s in sizes]
    assert [tuple(d.shape) for d in out.level_flow_diffs] == [
        (batch, 2, 4, h - 2, w - 2) for h, w in sizes]
    # condition features: coarse -> fine, half the level size
    assert [tuple(f.shape[-2:]) for f in out.cond_features] == [
        (h // 2, w // 2) for h, w in sizes]
    assert all(f.shape[0] == batch for f in out.cond_features)
    if cond_channels is not None:
        assert {f.shape[1] for f in out.cond_features} == {cond_channels}
    if num_deltas is not None:
        assert len(out.deltas) == num_deltas


def assert_composition(comp, batch: int, height: int, width: int) -> None:
    """A :class:`TryOnComposition` of images in [-1, 1] and a mask in [0, 1]."""
    assert isinstance(comp, TryOnComposition), type(comp)
    assert comp.tryon.shape == comp.rendered.shape == (batch, 3, height, width)
    assert comp.composite_mask.shape == (batch, 1, height, width)
    for image in (comp.tryon, comp.rendered):
        assert -1 <= image.min() and image.max() <= 1
    assert 0 <= comp.composite_mask.min() and comp.composite_mask.max() <= 1


def assert_predictions(samples, expected: dict, extra: Sequence[str] = ()) -> None:
    """Each sample holds ``expected[name][i]`` (a float tensor batch, images in [-1, 1],
    masks in [0, 1]) as a uint8 image, and has the ``extra`` fields."""
    for name, tensor in expected.items():
        value_range = 'unit' if tensor.shape[1] == 1 else 'signed'
        images = to_uint8_image(tensor.detach(), value_range)
        assert len(samples) == len(images)
        for sample, image in zip(samples, images):
            assert torch.equal(getattr(sample, name), image), name
    for name in extra:
        assert all(getattr(s, name, None) is not None for s in samples), name
