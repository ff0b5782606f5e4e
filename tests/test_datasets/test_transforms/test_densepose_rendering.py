"""The DensePose rendering variant: a 3-channel input and coarse ids from the parsing."""
import numpy as np
import pytest

from vtonbox.datasets.labels import PARSING_IDS
from vtonbox.datasets.transforms import (
    DensePosePartsFromParsing,
    DensePoseRenderingToInput,
    PackTryOnInputs,
    ResizePad,
    TryOnRandomFlip,
)


def test_rendering_becomes_a_3_channel_input_in_unit_range():
    rgb = np.zeros((4, 6, 3), dtype=np.uint8)
    rgb[1, 2] = (255, 51, 0)
    out = DensePoseRenderingToInput()(dict(densepose_rgb=rgb))['densepose_onehot']
    assert out.shape == (3, 4, 6) and out.dtype == np.float32
    assert out[:, 1, 2].tolist() == pytest.approx([1.0, 0.2, 0.0])
    assert out.sum() == pytest.approx(1.2)
    packed = PackTryOnInputs(meta_keys=())(dict(person=np.zeros((4, 6, 3), np.uint8),
                                    densepose_onehot=out))['inputs']['densepose_onehot']
    assert packed.shape == (3, 4, 6)
    with pytest.raises(ValueError, match='uint8 rendering'):
        DensePoseRenderingToInput()(dict(densepose_rgb=rgb[..., 0]))


def test_parts_from_parsing_mark_the_arms():
    parsing = np.array([[0, PARSING_IDS['left_arm'], PARSING_IDS['right_arm'],
                         PARSING_IDS['upper_clothes']]], dtype=np.uint8)
    out = DensePosePartsFromParsing()(dict(parsing=parsing))['densepose']
    assert out.tolist() == [[0, 15, 16, 0]] and out.dtype == np.uint8


def test_rendering_is_resized_nearest_padded_black_and_mirrored():
    rgb = np.full((8, 4, 3), 200, dtype=np.uint8)
    rgb[:, :2] = (10, 20, 30)
    person = np.zeros((8, 4, 3), dtype=np.uint8)
    out = ResizePad(size=(32, 32), size_divisor=None)(dict(person=person, densepose_rgb=rgb))
    dp = out['densepose_rgb']
    assert dp.shape == (32, 32, 3) and set(map(tuple, dp.reshape(-1, 3))) == {
        (0, 0, 0), (10, 20, 30), (200, 200, 200)}
    assert dp[:, :8].max() == 0  # padded with black, like the background
    flipped = TryOnRandomFlip(prob=1.0)(dict(out))['densepose_rgb']
    assert np.array_equal(flipped, dp[:, ::-1])
    with pytest.raises(Exception, match='size'):
        ResizePad(size=(32, 32))(dict(person=person, densepose_rgb=rgb[:4]))
