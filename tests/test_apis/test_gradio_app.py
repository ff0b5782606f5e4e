"""The web demo's callback and app, with one and with several models (without a server;
tests/test_tools/test_webui.py serves it)."""
import os.path as osp
import re

import numpy as np
import pytest
import torch
from PIL import Image

from tests.helpers.tiny_model import (
    build_tiny_model,
    garment_photo,
    person_photo,
    write_tiny_model,
)
from vtonbox.apis import TryOnInferencer
from vtonbox.apis.gradio_app import (
    DEFAULT_MODEL_NAME,
    INTERNAL_ERROR,
    ServedModel,
    build_tryon_app,
    clean_message,
    make_tryon_function,
    models_table,
    served_models,
    write_synthetic_examples,
)


class UIError(Exception):
    """Stands in for gradio.Error."""


@pytest.fixture(scope='module')
def inferencer(tmp_path_factory):
    config, checkpoint = write_tiny_model(tmp_path_factory.mktemp('tiny'))
    return TryOnInferencer(config, checkpoint)


@pytest.fixture(scope='module')
def tiny_files(tmp_path_factory):
    """The tiny PF-AFN config with two checkpoints: seeds 0 and 1 (same architecture)."""
    root = tmp_path_factory.mktemp('tiny_two')
    config, checkpoint = write_tiny_model(root)
    other = str(root / 'seed1.pth')
    torch.save(dict(state_dict=build_tiny_model(config, seed=1).state_dict()), other)
    return config, checkpoint, other


def two_models(tiny_files):
    """ServedModels 'A' (seed 0) and 'B' (seed 1), freshly loaded."""
    config, first, second = tiny_files
    return [ServedModel('A', TryOnInferencer(config, first), config, first),
            ServedModel('B', TryOnInferencer(config, second), config, second)]


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


def test_callback_switches_models_without_sharing_garments(tiny_files, photos):
    """One garment through A, B, A: each result is what a fresh Inferencer of that model
    gives, so B never gets A's encoded garment (same architecture: it would fit)."""
    root, _ = photos
    person, cloth = str(root / 'person.png'), str(root / 'shirt.png')
    expected = {model.name: model.inferencer(person, cloth)[0]
                for model in two_models(tiny_files)}
    assert not np.array_equal(expected['A']['tryon'], expected['B']['tryon'])
    models = two_models(tiny_files)
    tryon = make_tryon_function(models, UIError)
    for name in ('A', 'B', 'A', None):  # None: the first model
        _, warped, result, _ = tryon(person, cloth, None, name)
        assert np.array_equal(result, expected[name or 'A']['tryon']), name
        assert np.array_equal(warped, expected[name or 'A']['warped_cloth']), name
    assert all(model.last_latency_s > 0 for model in models)


def test_unknown_model_name(tiny_files, photos):
    tryon = make_tryon_function(two_models(tiny_files), UIError)
    with pytest.raises(UIError) as info:
        tryon(str(photos[0] / 'person.png'), str(photos[0] / 'shirt.png'), None, 'C')
    assert str(info.value) == "unknown model 'C'; choose one of 'A', 'B'"


def test_model_names_are_unique_and_not_empty(inferencer):
    with pytest.raises(ValueError, match="model name 'A' is used twice"):
        served_models([ServedModel('A', inferencer), ServedModel('A', inferencer)])
    with pytest.raises(ValueError, match='non-empty'):
        ServedModel(' ', inferencer)
    assert list(served_models(inferencer)) == [DEFAULT_MODEL_NAME]
    assert list(served_models({'x': inferencer, 'y': inferencer})) == ['x', 'y']


def test_table_has_names_parameters_and_last_latency(tiny_files, photos):
    models = two_models(tiny_files)
    count = sum(p.numel() for p in models[0].inferencer.model.parameters())
    by_name = served_models(models)
    before = models_table(by_name).splitlines()
    assert before[2] == (f'| A | {count / 1e6:.2f} M ({count:,}) | 96x64 on cpu (fp32, fast '
                         f'inference graph) | `{tiny_files[0]}` | `{tiny_files[1]}` | not yet |')
    assert before[3].startswith('| B |') and before[3].endswith('| not yet |')
    make_tryon_function(models, UIError)(str(photos[0] / 'person.png'),
                                         str(photos[0] / 'shirt.png'), None, 'B')
    after = models_table(by_name).splitlines()
    assert after[2] == before[2] and re.search(r'\| \d+ ms \|$', after[3])


def test_app_has_a_model_selector_whose_default_is_the_first(tiny_files):
    pytest.importorskip('gradio')
    app = build_tryon_app(two_models(tiny_files))
    (selector,) = [block for block in app.blocks.values()
                   if type(block).__name__ == 'Dropdown']
    assert [choice[0] for choice in selector.choices] == ['A', 'B'] and selector.value == 'A'
    parameters = app.get_api_info()['named_endpoints']['/tryon']['parameters']
    assert [(p['parameter_name'], p['parameter_has_default'], p['parameter_default'])
            for p in parameters] == [('person', False, None), ('cloth', False, None),
                                     ('cloth_mask', True, None), ('model', True, 'A')]
