"""compose_tryon: ranges, the two extreme masks, the training-time cloth region."""
import pytest
import torch

from vtonbox.models.generators import TryOnComposition, compose_tryon

# sigmoid(+-LARGE) is 1 / 0 to float precision
LARGE = 50.0


def _inputs(mask_logit: float = 0.0):
    torch.manual_seed(0)
    out = torch.randn(2, 4, 8, 6) * 3
    out[:, 3:] = mask_logit
    cloth = torch.rand(2, 3, 8, 6) * 2 - 1
    return out, cloth


def test_ranges_and_formula():
    out, cloth = _inputs()
    out[:, 3:] = torch.randn(2, 1, 8, 6)
    mask = (torch.rand(2, 1, 8, 6) > 0.5).float()
    result = compose_tryon(out, cloth, mask)
    assert isinstance(result, TryOnComposition)
    assert result.tryon.shape == (2, 3, 8, 6)
    assert result.rendered.min() >= -1 and result.rendered.max() <= 1
    assert result.tryon.min() >= -1 and result.tryon.max() <= 1
    m = result.composite_mask
    assert m.shape == (2, 1, 8, 6) and m.min() >= 0 and m.max() <= 1
    assert torch.allclose(m, torch.sigmoid(out[:, 3:]) * mask)
    assert torch.allclose(result.tryon, cloth * m + torch.tanh(out[:, :3]) * (1 - m))


def test_zero_mask_gives_rendered_and_full_mask_gives_cloth():
    out, cloth = _inputs(mask_logit=LARGE)
    ones = torch.ones(2, 1, 8, 6)
    full = compose_tryon(out, cloth, ones)
    assert torch.allclose(full.tryon, cloth, atol=1e-6)
    zero = compose_tryon(out, cloth, torch.zeros_like(ones))
    assert torch.equal(zero.tryon, zero.rendered)
    out_neg, _ = _inputs(mask_logit=-LARGE)
    assert torch.allclose(compose_tryon(out_neg, cloth, ones).tryon,
                          torch.tanh(out_neg[:, :3]), atol=1e-6)


def test_cloth_region_multiplies_the_mask():
    out, cloth = _inputs(mask_logit=LARGE)
    ones = torch.ones(2, 1, 8, 6)
    region = torch.zeros(2, 1, 8, 6)
    region[..., :3] = 1
    result = compose_tryon(out, cloth, ones, cloth_region=region)
    assert torch.allclose(result.tryon[..., :3], cloth[..., :3], atol=1e-6)
    assert torch.equal(result.tryon[..., 3:], result.rendered[..., 3:])


def test_bad_shapes_raise():
    out, cloth = _inputs()
    with pytest.raises(ValueError, match='gen_output'):
        compose_tryon(out[:, :3], cloth, torch.ones(2, 1, 8, 6))
    with pytest.raises(ValueError, match='warped_mask'):
        compose_tryon(out, cloth, torch.ones(2, 3, 8, 6))
    with pytest.raises(ValueError, match='warped_cloth'):
        compose_tryon(out, cloth[:, :, :4], torch.ones(2, 1, 8, 6))
