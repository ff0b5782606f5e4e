"""Inputs of the Inferencer: files and arrays read alike, sizes checked, pairs matched."""
import warnings

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.helpers.images import write_png_header
from tests.helpers.tiny_model import garment_photo, person_photo, write_tiny_model
from vtonbox.apis import TryOnInferencer
from vtonbox.apis.errors import TryOnInputError, TryOnInputWarning
from vtonbox.apis.inputs import (
    ASPECT_WARN_FACTOR,
    MAX_PIXELS,
    apply_orientation,
    as_mask,
    as_rgb,
    check_aspect,
    check_size,
    exif_orientation,
    load_mask,
    load_photo,
    pair_inputs,
)
from vtonbox.datasets.readers import DataFileError, MissingDataFileError


@pytest.fixture
def rgb():
    return person_photo(53, 41, seed=3)


@pytest.mark.parametrize('mode', ['RGB', 'L', 'RGBA', 'I;16'])
def test_file_and_array_give_the_same_photo(tmp_path, rgb, mode):
    if mode == 'RGBA':
        alpha = np.linspace(0, 255, rgb.shape[1], dtype=np.uint8)[None].repeat(rgb.shape[0], 0)
        array = np.dstack([rgb, alpha])
        image = Image.fromarray(array, 'RGBA')
    elif mode == 'L':
        array = rgb[..., 0]
        image = Image.fromarray(array)
    elif mode == 'I;16':
        array = rgb[..., 0].astype(np.uint16) * 257 + 3
        image = Image.fromarray(array)
    else:
        array, image = rgb, Image.fromarray(rgb)
    path = tmp_path / 'photo.png'
    image.save(path)
    from_file = load_photo(str(path), 'person')
    from_array = load_photo(array, 'person', index=4)
    assert from_file.array.dtype == np.uint8 and from_file.array.shape == rgb.shape
    np.testing.assert_array_equal(from_file.array, from_array.array)
    assert from_file.path == str(path) and from_file.name == 'photo'
    assert from_array.path is None and from_array.name == 'person4'
    if mode == 'RGBA':  # composited over white: transparent pixels are white
        assert (from_file.array[:, 0] == 255).all()


def test_cmyk_jpeg_is_converted(tmp_path, rgb):
    path = tmp_path / 'cmyk.jpg'
    Image.fromarray(rgb).convert('CMYK').save(path, quality=95)
    loaded = load_photo(str(path), 'cloth').array
    assert loaded.shape == rgb.shape and np.abs(loaded.astype(int) - rgb).mean() < 12


@pytest.mark.parametrize('orientation', range(1, 9))
def test_exif_orientation_matches_pil(tmp_path, orientation):
    image = Image.fromarray(person_photo(40, 34, seed=orientation))
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / 'phone.png'
    image.save(path, exif=exif)
    assert exif_orientation(str(path)) == orientation
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert('RGB'))
    np.testing.assert_array_equal(load_photo(str(path), 'person').array, expected)
    np.testing.assert_array_equal(apply_orientation(np.asarray(image), orientation), expected)


def test_tiny_photo_is_refused_and_huge_one_downscaled(rgb):
    with pytest.raises(TryOnInputError, match=r'person array #2 is 41x20 pixels.*at least 32'):
        load_photo(rgb[:20], 'person', index=2)
    wide = np.zeros((40, 100, 3), np.uint8)
    with pytest.warns(TryOnInputWarning, match='100x40 pixels.*downscaled to 50x20'):
        out = check_size(wide, 'person array #0', min_side=8, max_side=50)
    assert out.shape == (20, 50, 3)
    assert check_size(wide, 'x', max_side=None) is wide


def test_bad_arrays_and_files_are_named(tmp_path, rgb):
    with pytest.raises(TryOnInputError, match='float32'):
        as_rgb(rgb.astype(np.float32), 'person array #0')
    with pytest.raises(TryOnInputError, match=r'\(H, W, 3\)'):
        as_rgb(rgb[..., :2], 'person array #0')
    with pytest.raises(TypeError, match='file path or a numpy array'):
        load_photo(12, 'person')
    with pytest.raises(MissingDataFileError, match='nope.jpg: person file not found'):
        load_photo(str(tmp_path / 'nope.jpg'), 'person')
    text = tmp_path / 'notes.jpg'
    text.write_text('not an image')
    with pytest.raises(DataFileError, match='notes.jpg: cannot decode'):
        load_photo(str(text), 'cloth')
    jpeg = tmp_path / 'cut.jpg'
    Image.fromarray(person_photo(203, 151)).save(jpeg, quality=90)
    data = jpeg.read_bytes()
    jpeg.write_bytes(data[:len(data) * 2 // 3])
    with pytest.raises(DataFileError, match='cut.jpg: (truncated|cannot decode)'):
        load_photo(str(jpeg), 'person')


def test_masks_bool_grey_and_resized(tmp_path):
    mask = np.zeros((30, 20), bool)
    mask[5:25, 4:16] = True
    np.testing.assert_array_equal(as_mask(mask, 'm'), mask.astype(np.uint8) * 255)
    np.testing.assert_array_equal(as_mask(np.dstack([mask * 255] * 3).astype(np.uint8), 'm'),
                                  mask * 255)
    Image.fromarray(mask.astype(np.uint8) * 255).save(tmp_path / 'mask.png')
    assert load_mask(str(tmp_path / 'mask.png'), (30, 20)).array.shape == (30, 20)
    with pytest.warns(TryOnInputWarning, match='20x30 pixels but its garment photo is 40x60'):
        resized = load_mask(mask, (60, 40)).array
    expected = cv2.resize(mask.astype(np.uint8) * 255, (40, 60),
                          interpolation=cv2.INTER_NEAREST_EXACT)
    np.testing.assert_array_equal(resized, expected)
    with pytest.raises(TryOnInputError, match=r'\(H, W\) mask'):
        as_mask(np.zeros((3, 4, 5), np.uint8), 'm')


def test_pair_inputs_broadcast_and_mismatch():
    persons, cloths, masks = pair_inputs(['a', 'b', 'c'], 'shirt', 'shirt_mask')
    assert persons == ['a', 'b', 'c'] and cloths == ['shirt'] * 3
    assert masks == ['shirt_mask'] * 3
    persons, cloths, masks = pair_inputs('me', ['s1', 's2'])
    assert persons == ['me', 'me'] and cloths == ['s1', 's2'] and masks == [None, None]
    assert pair_inputs(['a', 'b'], ['s1', 's2'], ['m1', None])[2] == ['m1', None]
    with pytest.raises(TryOnInputError, match='2 person and 3 garment'):
        pair_inputs(['a', 'b'], ['s1', 's2', 's3'])
    with pytest.raises(TryOnInputError, match='1 cloth masks for 2 garment'):
        pair_inputs('a', ['s1', 's2'], ['m1'])
    with pytest.raises(TryOnInputError, match='person list is empty'):
        pair_inputs([], 's1')
    with pytest.raises(TypeError, match='cloth must be'):
        pair_inputs('a', 3)


@pytest.mark.parametrize('width, height', [(20000, 20000), (12500, 12500)])
def test_too_many_pixels_are_refused_from_the_header(tmp_path, width, height):
    path = tmp_path / 'bomb.png'
    write_png_header(path, width, height)
    assert width * height > MAX_PIXELS
    megapixels = round(width * height / 1e6)
    with pytest.raises(DataFileError, match=rf'bomb.png: {width}x{height} pixels '
                       rf'\({megapixels} megapixels\), more than the 150 megapixels'):
        load_photo(str(path), 'person')


def test_photo_far_from_the_model_ratio_warns():
    with pytest.warns(TryOnInputWarning) as record:
        assert check_aspect((384, 768), (256, 192), 'person photo wide.jpg')
    assert str(record[0].message).startswith(
        "person photo wide.jpg is 768 x 384 (ratio 2.00), far from the model's 3:4 (0.75)")
    assert 'crop it to ~3:4 around the person for best results' in str(record[0].message)


def test_photo_near_the_model_ratio_does_not_warn():
    limit_width = int(192 / 256 * ASPECT_WARN_FACTOR * 400)  # the widest 400-row photo
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for size in ((1024, 768), (400, 400), (1600, 900), (400, limit_width)):
            assert not check_aspect(size, (256, 192), 'person photo')
    with pytest.warns(TryOnInputWarning):
        assert check_aspect((400, limit_width + 2), (256, 192), 'person photo')


def test_inferencer_warns_about_a_landscape_person_photo(tmp_path):
    config, checkpoint = write_tiny_model(tmp_path)  # 96 x 64: ratio 2:3
    inferencer = TryOnInferencer(config, checkpoint)
    Image.fromarray(person_photo(60, 120)).save(tmp_path / 'landscape.png')
    cloth, _ = garment_photo(120, 60)  # garments may have any ratio
    with pytest.warns(TryOnInputWarning) as record:
        result = inferencer(str(tmp_path / 'landscape.png'), cloth)[0]
    messages = [str(r.message) for r in record]
    assert len(messages) == 1 and 'landscape.png is 120 x 60 (ratio 2.00)' in messages[0]
    assert "far from the model's 2:3" in messages[0]
    assert result['tryon'].shape == (60, 120, 3)
