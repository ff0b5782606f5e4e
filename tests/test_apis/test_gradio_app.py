"""The web demo's callback (without a server; tests/test_tools/test_webui.py serves it)."""
import pytest
from PIL import Image

from vtonbox.apis import TryOnInferencer
from vtonbox.apis.gradio_app import make_tryon_function

from .tiny_model import garment_photo, person_photo, write_tiny_model


class UIError(Exception):
    """Stands in for gradio.Error."""


def test_tryon_callback(tmp_path):
    config, checkpoint = write_tiny_model(tmp_path)
    tryon = make_tryon_function(TryOnInferencer(config, checkpoint), UIError)
    assert tryon.__name__ == 'tryon'  # the HTTP endpoint is named after it: /tryon
    Image.fromarray(person_photo(70, 50)).save(tmp_path / 'person.png')
    cloth, mask = garment_photo(60, 45)
    Image.fromarray(cloth).save(tmp_path / 'shirt.png')
    Image.fromarray(mask).save(tmp_path / 'mask.png')
    parsed, warped, result = tryon(str(tmp_path / 'person.png'), str(tmp_path / 'shirt.png'))
    assert parsed.shape == (60, 45) and warped.shape == result.shape == (70, 50, 3)
    given, _, _ = tryon(str(tmp_path / 'person.png'), str(tmp_path / 'shirt.png'),
                        str(tmp_path / 'mask.png'))
    assert (given == mask).all()
    with pytest.raises(UIError, match='Upload a person photo and a garment photo'):
        tryon(None, str(tmp_path / 'shirt.png'))
    (tmp_path / 'notes.png').write_text('not an image')
    with pytest.raises(UIError, match='notes.png: cannot decode'):
        tryon(str(tmp_path / 'notes.png'), str(tmp_path / 'shirt.png'))
    Image.fromarray(person_photo(20, 50)).save(tmp_path / 'tiny.png')
    with pytest.raises(UIError, match='at least 32 pixels'):
        tryon(str(tmp_path / 'tiny.png'), str(tmp_path / 'shirt.png'))
