"""Loading transforms and the file readers behind them."""
import json

import cv2
import numpy as np
import pytest
from PIL import Image

from vtonbox.datasets.labels import BODY25_TO_OPENPOSE18
from vtonbox.datasets.readers import DataFileError, MissingDataFileError, check_jpeg_complete
from vtonbox.datasets.transforms import (
    LoadClothMask,
    LoadDensePose,
    LoadDensePoseRendering,
    LoadParsing,
    LoadPoseKeypoints,
    LoadTryOnImage,
)


def test_load_image_converts_gray_rgba_16bit(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    cv2.imwrite(str(tmp_path / 'gray.png'), gray)
    rgba = np.zeros((3, 4, 4), dtype=np.uint8)
    rgba[..., 2] = 200  # red in BGRA
    rgba[0, 0, 3] = 255  # one opaque pixel, the rest transparent
    cv2.imwrite(str(tmp_path / 'rgba.png'), rgba)
    deep = np.full((3, 4, 3), 65535, dtype=np.uint16)
    deep[..., 0] = 0  # blue channel of BGR
    cv2.imwrite(str(tmp_path / 'deep.png'), deep)
    results = {f'{k}_path': str(tmp_path / f'{k}.png') for k in ('gray', 'rgba', 'deep')}
    out = LoadTryOnImage(keys=['gray', 'rgba', 'deep'])(results)
    assert out['gray'].shape == (3, 4, 3) and out['gray'].dtype == np.uint8
    assert np.array_equal(out['gray'][..., 1], gray)
    assert out['rgba'][0, 0].tolist() == [200, 0, 0]
    assert out['rgba'][1, 1].tolist() == [255, 255, 255]  # transparent -> white
    assert out['deep'][0, 0].tolist() == [255, 255, 0]  # RGB order, 16 -> 8 bit
    assert LoadTryOnImage(keys='gray').path_keys == ('gray_path', )
    assert 'LoadTryOnImage' in repr(LoadTryOnImage())


def test_load_image_errors_name_the_file(tmp_path):
    good = np.full((16, 16, 3), 128, dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'good.jpg'), good)
    data = (tmp_path / 'good.jpg').read_bytes()
    (tmp_path / 'cut.jpg').write_bytes(data[:len(data) // 2])
    (tmp_path / 'junk.jpg').write_bytes(b'not an image at all')
    load = LoadTryOnImage(keys=['person'])
    for name, pattern in (('cut.jpg', 'truncated|cannot decode'), ('junk.jpg', 'cannot decode'),
                          ('missing.jpg', 'not found')):
        path = str(tmp_path / name)
        with pytest.raises(DataFileError, match=pattern) as err:
            load({'person_path': path})
        assert err.value.path == path and path in str(err.value)
    with pytest.raises(MissingDataFileError):
        load({'person_path': str(tmp_path / 'missing.jpg')})
    with pytest.raises(KeyError, match='data_prefix'):
        load({})


def test_load_mask_and_parsing(tmp_path):
    mask = np.zeros((5, 6), dtype=np.uint8)
    mask[1:4, 2:5] = 255
    cv2.imwrite(str(tmp_path / 'mask.png'), np.dstack([mask] * 3))
    palette = Image.fromarray(np.array([[0, 4, 13]], dtype=np.uint8), mode='P')
    palette.putpalette([v for i in range(256) for v in (i * 7 % 256, i * 3 % 256, i)])
    palette.save(tmp_path / 'palette.png')
    Image.fromarray(np.array([[0, 20]], dtype=np.uint8)).save(tmp_path / 'bad.png')
    results = dict(cloth_mask_path=str(tmp_path / 'mask.png'),
                   parsing_path=str(tmp_path / 'palette.png'))
    results = LoadParsing()(LoadClothMask()(results))
    assert np.array_equal(results['cloth_mask'], mask)
    assert results['parsing'].tolist() == [[0, 4, 13]]
    with pytest.raises(DataFileError, match=r'\[20\] outside \[0, 13\]'):
        LoadParsing()(dict(parsing_path=str(tmp_path / 'bad.png')))


def test_load_pose_json_formats(tmp_path):
    flat = list(np.arange(54, dtype=float))
    (tmp_path / 'old.json').write_text(json.dumps({'people': [{'pose_keypoints': flat}]}))
    (tmp_path / 'new.json').write_text(json.dumps({'people': [{'pose_keypoints_2d': flat}]}))
    (tmp_path / 'empty.json').write_text(json.dumps({'people': []}))
    (tmp_path / 'short.json').write_text(json.dumps({'people': [{'pose_keypoints': [1, 2]}]}))
    (tmp_path / 'broken.json').write_text('{"people": [')
    load = LoadPoseKeypoints()
    for name in ('old', 'new'):
        out = load(dict(pose_path=str(tmp_path / f'{name}.json')))['pose_keypoints']
        assert out.shape == (18, 3) and out.dtype == np.float32
        assert out[1].tolist() == [3, 4, 5]
    empty = load(dict(pose_path=str(tmp_path / 'empty.json')))['pose_keypoints']
    assert not empty.any()
    with pytest.raises(DataFileError, match='54'):
        load(dict(pose_path=str(tmp_path / 'short.json')))
    with pytest.raises(DataFileError, match='invalid JSON'):
        load(dict(pose_path=str(tmp_path / 'broken.json')))


def test_load_densepose(tmp_path):
    ids = np.array([[0, 3, 24]], dtype=np.float32)
    np.save(tmp_path / 'dp.npy', ids[None])
    np.save(tmp_path / 'bad.npy', ids + 0.5)
    np.save(tmp_path / 'range.npy', ids + 1)
    out = LoadDensePose()(dict(densepose_path=str(tmp_path / 'dp.npy')))['densepose']
    assert out.dtype == np.uint8 and out.tolist() == [[0, 3, 24]]
    with pytest.raises(DataFileError, match='whole numbers'):
        LoadDensePose()(dict(densepose_path=str(tmp_path / 'bad.npy')))
    with pytest.raises(DataFileError, match='outside'):
        LoadDensePose()(dict(densepose_path=str(tmp_path / 'range.npy')))


def test_truncated_jpeg_detected_even_when_a_decoder_accepts_it(tmp_path):
    """OpenCV 4 decodes truncated JPEGs with a grey fill; the EOI check catches them."""
    image = np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8)
    ok, data = cv2.imencode('.jpg', image)
    assert ok
    check_jpeg_complete('x.jpg', data)
    check_jpeg_complete('x.jpg', np.concatenate([data, np.zeros(16, np.uint8)]))
    with pytest.raises(DataFileError, match='truncated'):
        check_jpeg_complete('x.jpg', data[:len(data) * 3 // 4])
    check_jpeg_complete('x.png', np.frombuffer(b'\x89PNG....', np.uint8))  # not a JPEG


def test_load_densepose_png_part_map(tmp_path):
    """DressCode stores the part ids as PNG; the same loader reads them."""
    ids = np.array([[0, 3, 24], [7, 15, 1]], dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'dp.png'), ids)
    cv2.imwrite(str(tmp_path / 'range.png'), ids + 1)
    out = LoadDensePose()(dict(densepose_path=str(tmp_path / 'dp.png')))['densepose']
    assert out.dtype == np.uint8 and np.array_equal(out, ids)
    with pytest.raises(DataFileError, match=r'\[25\] outside \[0, 24\]'):
        LoadDensePose()(dict(densepose_path=str(tmp_path / 'range.png')))


def test_load_densepose_rendering(tmp_path):
    rgb = np.zeros((4, 6, 3), dtype=np.uint8)
    rgb[1:3, 2:5] = (250, 20, 60)
    cv2.imwrite(str(tmp_path / 'dp.png'), rgb[..., ::-1])
    out = LoadDensePoseRendering()(dict(densepose_path=str(tmp_path / 'dp.png')))
    assert 'densepose' not in out and np.array_equal(out['densepose_rgb'], rgb)
    assert LoadDensePoseRendering().path_keys == ('densepose_path', )


def test_load_body25_keypoints_by_joint_name(tmp_path):
    rows = np.arange(75, dtype=float).reshape(25, 3) + 2
    (tmp_path / 'b25.json').write_text(json.dumps(
        {'people': [{'pose_keypoints_2d': rows.ravel().tolist()}]}))
    out = LoadPoseKeypoints(pose_format='body25')(
        dict(pose_path=str(tmp_path / 'b25.json')))['pose_keypoints']
    assert out.shape == (18, 3) and np.array_equal(out, rows[list(BODY25_TO_OPENPOSE18)])
    assert out[8].tolist() == rows[9].tolist()  # right hip: after BODY_25's mid-hip
    short = _write(tmp_path, 'short.json', {'people': [{'pose_keypoints_2d': list(range(54))}]})
    with pytest.raises(DataFileError, match='75'):
        LoadPoseKeypoints(pose_format='body25')(dict(pose_path=short))


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(json.dumps(content))
    return str(path)


def test_load_dresscode_keypoints_scaled_from_the_384x512_frame(tmp_path):
    rows = [[192.0, 256.0, 0.0, float(k)] for k in range(18)]
    rows[3] = [-1.0, -1.0, 0.0, 3.0]  # not detected
    path = _write(tmp_path, 'kp.json', {'keypoints': rows})
    load = LoadPoseKeypoints(pose_format='dresscode')
    person = np.zeros((1024, 768, 3), dtype=np.uint8)
    out = load(dict(pose_path=path, person=person))['pose_keypoints']
    assert out.shape == (18, 3) and out[0].tolist() == [384.0, 512.0, 1.0]
    assert out[3].tolist() == [0.0, 0.0, 0.0]
    wide = np.zeros((512, 768, 3), dtype=np.uint8)  # x and y scaled on their own axes
    out = load(dict(pose_path=path, person=wide))['pose_keypoints']
    assert out[0].tolist() == [384.0, 256.0, 1.0]
    # without the loaded image, its size comes from the file header
    cv2.imwrite(str(tmp_path / 'p.jpg'), np.zeros((256, 192, 3), np.uint8))
    out = load(dict(pose_path=path, person_path=str(tmp_path / 'p.jpg')))['pose_keypoints']
    assert out[0].tolist() == [96.0, 128.0, 1.0]
    for content, reason in (({'keypoints': rows[:17]}, 'expected 18 keypoints'),
                            ({'people': []}, "no 'keypoints' list"),
                            ({'keypoints': [['a', 'b']] * 18}, 'rows of numbers')):
        with pytest.raises(DataFileError, match=reason):
            load(dict(pose_path=_write(tmp_path, 'bad.json', content), person=person))
    with pytest.raises(ValueError, match='pose_format'):
        LoadPoseKeypoints(pose_format='coco')
