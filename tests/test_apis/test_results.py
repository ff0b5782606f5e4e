"""Mapping predictions back to the photo size, strips and result files."""
import cv2
import numpy as np
import pytest
from PIL import Image

from tests.helpers.tiny_model import person_photo
from vtonbox.apis import ResultWriter, restore_size, tryon_strip
from vtonbox.datasets.transforms import ResizePad


@pytest.mark.parametrize('hw', [(203, 151), (61, 140), (96, 64), (40, 300)])
def test_restore_size_inverts_resize_pad(hw):
    photo = person_photo(*hw, seed=sum(hw))
    out = ResizePad(size=(96, 64))(dict(person=photo))
    restored = restore_size(out['person'], out['pad'], out['ori_shape'])
    assert restored.shape == photo.shape and restored.dtype == np.uint8
    # The padding is white; none of it comes back (the photo's border is not white).
    assert (restored[0] != 255).any() and (restored[-1] != 255).any()
    if hw == (96, 64):
        np.testing.assert_array_equal(restored, photo)
    else:  # a smooth photo survives the round trip up to resampling error
        assert np.abs(restored.astype(int) - photo).mean() < 12
    mask = (photo[..., 0] > 128).astype(np.uint8) * 255
    mask_out = ResizePad(size=(96, 64))(dict(person=photo, cloth_mask=mask))['cloth_mask']
    assert restore_size(mask_out, out['pad'], out['ori_shape']).shape == hw


def test_strip_scales_panels_to_the_person_height():
    person = np.zeros((80, 60, 3), np.uint8)
    cloth = np.zeros((40, 40, 3), np.uint8)
    strip = tryon_strip(person, cloth, person)
    assert strip.shape == (80, 60 + 2 + 80 + 2 + 60, 3)
    assert (strip[:, 60:62] == 255).all()


def test_writer_names_and_suffixes(tmp_path):
    writer = ResultWriter(str(tmp_path / 'out'), save_strip=True)
    tryon = person_photo(50, 40)
    result = dict(tryon=tryon, person_name='a', cloth_name='b')
    first = writer.write(result, tryon, tryon)
    second = writer.write(result, tryon, tryon)
    assert first.endswith('a__b.png') and second.endswith('a__b-1.png')
    saved = cv2.cvtColor(cv2.imread(first), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(saved, tryon)
    assert Image.open(tmp_path / 'out' / 'strips' / 'a__b-1.png').size == (3 * 40 + 2 * 2, 50)
    assert writer.written == 2
