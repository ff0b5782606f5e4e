"""The Gradio web demo around a :class:`TryOnInferencer` (``tools/webui.py`` launches it).

Gradio is an optional dependency (``pip install -e .[webui]``); it is imported only
when the app is built. Uploads reach the Inferencer as the uploaded files, so the web
demo reads photos exactly as ``tools/demo.py`` does. The try-on function is named
``tryon``, so its HTTP endpoint is ``/tryon`` (``gradio_client``:
``client.predict(person, cloth, mask, api_name='/tryon')``).
"""
from typing import Optional, Tuple

import numpy as np

from vtonbox.datasets.readers import DataFileError

from .errors import TryOnInputError
from .tryon_inferencer import TryOnInferencer

TITLE = 'vtonbox virtual try-on (PF-AFN)'
DESCRIPTION = (
    'Upload a photo of a person (front view, upper body or full length, plain '
    'background works best) and a product photo of a top on a plain background. The '
    'garment mask is made automatically unless you upload one (white = garment). The '
    'model runs at {height}x{width}; results have the size of the person photo.')
INSTALL_HINT = 'the web demo needs Gradio: pip install -e .[webui]'


def import_gradio():
    """``gradio``, or ImportError naming the extra to install."""
    try:
        import gradio
    except ImportError as err:
        raise ImportError(f'{INSTALL_HINT} ({err})') from None
    return gradio


def make_tryon_function(inferencer: TryOnInferencer, error_type=RuntimeError):
    """The web demo's callback; bad uploads raise ``error_type`` with the reason.

    Returns:
        callable: ``tryon(person, cloth, cloth_mask=None)`` taking file paths and
        returning (garment mask, warped garment, try-on) as uint8 arrays.
    """

    def tryon(person: Optional[str], cloth: Optional[str], cloth_mask: Optional[str] = None
              ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Put the garment on the person."""
        if person is None or cloth is None:
            raise error_type('Upload a person photo and a garment photo.')
        try:
            result = inferencer(person, cloth, cloth_mask)[0]
        except (DataFileError, TryOnInputError) as err:
            raise error_type(str(err)) from None
        return result['cloth_mask'], result['warped_cloth'], result['tryon']

    return tryon


def build_tryon_app(inferencer: TryOnInferencer, title: str = TITLE):
    """A ``gradio.Blocks`` app: person + garment (+ mask) in; mask, warped garment and
    try-on out; endpoint ``/tryon``."""
    gr = import_gradio()
    tryon = make_tryon_function(inferencer, gr.Error)
    height, width = inferencer.model_size
    with gr.Blocks(title=title) as app:
        gr.Markdown(f'# {title}\n{DESCRIPTION.format(height=height, width=width)}')
        with gr.Row():
            person = gr.Image(type='filepath', image_mode=None, label='Person photo')
            cloth = gr.Image(type='filepath', image_mode=None, label='Garment photo')
            cloth_mask = gr.Image(type='filepath', image_mode=None,
                                  label='Garment mask (optional)')
        button = gr.Button('Try on', variant='primary')
        with gr.Row():
            mask_out = gr.Image(type='numpy', format='png', label='Garment mask used')
            warped_out = gr.Image(type='numpy', format='png', label='Warped garment')
            tryon_out = gr.Image(type='numpy', format='png', label='Try-on')
        button.click(tryon, inputs=[person, cloth, cloth_mask],
                     outputs=[mask_out, warped_out, tryon_out], api_name='tryon')
    return app
