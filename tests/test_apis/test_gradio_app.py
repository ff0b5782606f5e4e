"""The web demo's callback and app (without a server; tests/test_tools/test_webui.py
serves it)."""
import os.path as osp

import pytest
from PIL import Image

from tests.helpers.tiny_model import garment_photo, person_photo, write_tiny_model
from vtonbox.apis import TryOnInferencer
from vtonbox.apis.gradio_app import (
    INTERNAL_ERROR,
    build_tryon_app,
    clean_message,
    make_tryon_function,
    write_synthetic_examples,
)


class UIError(Exception):
    """Stands in for gradio.Error."""


@pytest.fixture(scope='module')
def inferencer(tmp_path_factory):
    config, checkpoint = write_tiny_model(tmp_path_factory.mktemp('tiny'))
    return TryOnInferencer(config, checkpoint)


@pytest.fixture
def photos(tmp_path):
    Image.fromarray(person_photo(70, 50)).save(tmp_path / 'person.png')
    cloth, mask = garment_photo(60, 45)
    Image.fromarray(cloth).save(tmp_path / 'shirt.png')
    Image.fromarray(mask).save(tmp_path / 'mask.png')
    return tmp_path, mask


def test_tryon_callback(inferencer, photos):
    root, mask = photos
    tryon = make_tryon_function(inferencer, UIError)
    assert tryon.__name__ == 'tryon'  # the HTTP endpoint is named after it: /tryon
    parsed, warped, result, notes = tryon(str(root / 'person.png'), str(root / 'shirt.png'))
    assert parsed.shape == (60, 45) and warped.shape == result.shape == (70, 50, 3)
    assert notes == ''
    given, _, _, _ = tryon(str(root / 'person.png'), str(root / 'shirt.png'),
                           str(root / 'mask.png'))
    assert (given == mask).all()


def test_missing_upload(inferencer, photos):
    tryon = make_tryon_function(inferencer, UIError)
    with pytest.raises(UIError, match='Upload a person photo and a garment photo'):
        tryon(None, str(photos[0] / 'shirt.png'))


def test_tiny_photo(inferencer, photos, tmp_path):
    Image.fromarray(person_photo(20, 50)).save(tmp_path / 'tiny.png')
    tryon = make_tryon_function(inferencer, UIError)
    with pytest.raises(UIError, match='at least 32 pixels'):
        tryon(str(tmp_path / 'tiny.png'), str(photos[0] / 'shirt.png'))


def test_server_paths_are_replaced_by_the_uploaded_names(inferencer, photos, tmp_path):
    """Gradio passes uploads as dicts (preprocess=False): messages name the upload."""
    upload = tmp_path / 'gradio' / '0123abcd' / 'image.png'
    upload.parent.mkdir(parents=True)
    upload.write_text('not an image')
    tryon = make_tryon_function(inferencer, UIError)
    with pytest.raises(UIError) as info:
        tryon(dict(path=str(upload), orig_name='holiday.png'), str(photos[0] / 'shirt.png'))
    assert str(info.value) == 'holiday.png: cannot decode image (not an image, or corrupt)'


def test_other_temp_paths_are_shortened():
    message = 'cannot read /srv/tmp/gradio/ab12/x.png: see /srv/tmp/gradio/cd34/y.jpg'
    assert clean_message(message, roots=['/srv/tmp']) == 'cannot read x.png: see y.jpg'


def test_warnings_reach_the_page(inferencer, photos, tmp_path):
    Image.fromarray(person_photo(50, 100)).save(tmp_path / 'wide.png')
    shown = []
    tryon = make_tryon_function(inferencer, UIError, shown.append)
    *_, notes = tryon(dict(path=str(tmp_path / 'wide.png'), orig_name='beach.png'),
                      str(photos[0] / 'shirt.png'))
    assert len(shown) == 1 and notes == shown[0]
    assert notes.startswith("person photo beach.png is 100 x 50 (ratio 2.00), far from the "
                            "model's 2:3")
    assert str(tmp_path) not in notes


def test_internal_errors_are_not_shown(photos, capsys):
    def broken(*args, **kwargs):  # an inferencer with a bug
        raise RuntimeError('CUDA error at /secret/path/kernel.cu:12')

    tryon = make_tryon_function(broken, UIError)
    with pytest.raises(UIError) as info:
        tryon(str(photos[0] / 'person.png'), str(photos[0] / 'shirt.png'))
    assert str(info.value) == INTERNAL_ERROR
    assert 'secret' not in str(info.value) and 'secret' in capsys.readouterr().err


def test_queue_is_bounded_and_runs_one_at_a_time(inferencer):
    pytest.importorskip('gradio')
    app = build_tryon_app(inferencer, queue_size=3)
    assert app._queue.max_size == 3
    (tryon_fn,) = [fn for fn in app.fns.values() if fn.api_name == 'tryon']
    assert tryon_fn.concurrency_limit == 1 and tryon_fn.preprocess is False


def test_synthetic_examples(tmp_path):
    examples = write_synthetic_examples(str(tmp_path), count=2, size=(128, 96))
    assert len(examples) == 2 and examples[0][2] is None and examples[1][2] is not None
    for path in [p for example in examples for p in example if p]:
        assert osp.isfile(path)
    assert Image.open(examples[0][0]).size == (96, 128)
    assert Image.open(examples[1][2]).mode == 'L'
