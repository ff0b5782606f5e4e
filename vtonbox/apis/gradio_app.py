"""The Gradio web demo around a :class:`TryOnInferencer` (``tools/webui.py`` launches it).

Gradio is an optional dependency (``pip install -e .[webui]``); it is imported only
when the app is built. Uploads reach the Inferencer as the uploaded files, unread by
Gradio (``preprocess=False``), so the web demo reads photos exactly as
``tools/demo.py`` does and a bad upload (not an image, truncated, too many pixels, an
unsupported pixel type) gets vtonbox's own message, with the server's temporary paths
replaced by the uploaded file names. Adapted inputs (photo downscaled, far from the
model's aspect ratio, mask resized) are shown as Gradio warnings and in the *Notes*
box. The try-on function is named ``tryon``, so its HTTP endpoint is ``/tryon``
(``gradio_client``: ``client.predict(person, cloth, mask, api_name='/tryon')`` returns
mask, warped garment, try-on and notes).
"""
import os
import os.path as osp
import re
import sys
import tempfile
import traceback
import warnings
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from vtonbox.datasets.readers import DataFileError
from vtonbox.utils.image_io import write_image

from .errors import TryOnInputError, TryOnInputWarning
from .inputs import aspect_label
from .tryon_inferencer import TryOnInferencer

TITLE = 'vtonbox virtual try-on (PF-AFN)'
DESCRIPTION = (
    'Upload a photo of a person (front view, upper body, plain background works best, '
    'width:height close to {ratio}) and a product photo of a top on a plain background. The '
    'garment mask is made automatically unless you upload one (white = garment). The '
    'model runs at {height}x{width}; results have the size of the person photo.')
INSTALL_HINT = 'pip install -e .[webui]'
#: (every, older than) seconds: Gradio deletes the app's temporary files (uploads,
#: results) every 10 minutes once they are an hour old, and all of them when it stops.
DELETE_CACHE = (600, 3600)
#: Requests waiting for the model at most; more are refused with "queue is full".
DEFAULT_QUEUE_SIZE = 16
#: Message for errors that are bugs (their traceback goes to the server's log).
INTERNAL_ERROR = ('the try-on failed with an internal error; the details are in the '
                  "server's log")

Upload = Union[None, str, os.PathLike, Dict]


def import_gradio():
    """``gradio``, or ImportError naming the extra to install."""
    try:
        import gradio
    except ImportError as err:
        raise ImportError(f'the web demo needs Gradio: {INSTALL_HINT} ({err})') from None
    return gradio


def temp_roots() -> List[str]:
    """Folders whose paths must not reach the page: Gradio's upload cache and the
    system temporary folder."""
    roots = [os.environ.get('GRADIO_TEMP_DIR'), tempfile.gettempdir()]
    return sorted({osp.realpath(r) for r in roots if r} | {r for r in roots if r},
                  key=len, reverse=True)


def clean_message(message: str, names: Optional[Dict[str, str]] = None,
                  roots: Optional[Sequence[str]] = None) -> str:
    """``message`` without server paths: each path in ``names`` becomes its name (the
    uploaded file's name), any other path under ``roots`` (default :func:`temp_roots`)
    its base name."""
    for path, name in sorted((names or {}).items(), key=lambda item: -len(item[0])):
        message = message.replace(path, name)
    for root in temp_roots() if roots is None else roots:
        pattern = re.escape(root.rstrip('/')) + r'/[^\s\'"(),:;]*'
        message = re.sub(pattern, lambda m: osp.basename(m.group(0)) or '<temp>', message)
    return message


def upload_path(upload: Upload, role: str) -> Tuple[Optional[str], Optional[str]]:
    """(path on the server, name to show) of an upload: a path, or Gradio's file dict
    (``path``, ``orig_name``) when the function runs with ``preprocess=False``."""
    if upload is None:
        return None, None
    if isinstance(upload, (str, os.PathLike)):
        path = os.fspath(upload)
        return path, osp.basename(path)
    if isinstance(upload, dict):
        path = upload.get('path')
        if not path:
            raise TryOnInputError(f'the {role} upload has no file; upload it again')
        return path, upload.get('orig_name') or osp.basename(path)
    raise TryOnInputError(f'the {role} upload is a {type(upload).__name__}, not a file')


def make_tryon_function(inferencer: TryOnInferencer, error_type=RuntimeError,
                        warning_type: Optional[Callable[[str], object]] = None):
    """The web demo's callback; bad uploads raise ``error_type`` with the reason.

    Args:
        inferencer (TryOnInferencer): the model.
        error_type (callable): makes the exception raised with a message for the page
            (``gradio.Error``).
        warning_type (callable, optional): called with each input warning (e.g.
            ``gradio.Warning``, which shows it on the page).

    Returns:
        callable: ``tryon(person, cloth, cloth_mask=None)`` taking file paths (or
        Gradio file dicts) and returning (garment mask, warped garment, try-on) as
        uint8 arrays and the warnings as text (one per line, '' when none).
    """

    def tryon(person: Upload, cloth: Upload, cloth_mask: Upload = None
              ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, str]:
        """Put the garment on the person."""
        names: Dict[str, str] = {}
        try:
            paths = []
            for upload, role in ((person, 'person'), (cloth, 'garment'),
                                 (cloth_mask, 'garment mask')):
                path, name = upload_path(upload, role)
                paths.append(path)
                if path is not None:
                    names[path] = name
            if paths[0] is None or paths[1] is None:
                raise TryOnInputError('Upload a person photo and a garment photo.')
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter('always', TryOnInputWarning)
                result = inferencer(*paths)[0]
        except (DataFileError, TryOnInputError) as err:
            message = clean_message(str(err), names)
            print(f'refused a request: {message}', file=sys.stderr, flush=True)
            raise error_type(message) from None
        except Exception:  # a bug: keep the traceback in the log, not on the page
            traceback.print_exc(file=sys.stderr)
            raise error_type(INTERNAL_ERROR) from None
        notes = []
        for item in caught:
            if issubclass(item.category, TryOnInputWarning):
                notes.append(clean_message(str(item.message), names))
            else:  # other warnings go to the server's log as usual
                warnings.showwarning(item.message, item.category, item.filename,
                                     item.lineno)
        for note in dict.fromkeys(notes):
            if warning_type is not None:
                warning_type(note)
        return (result['cloth_mask'], result['warped_cloth'], result['tryon'],
                '\n'.join(dict.fromkeys(notes)))

    return tryon


def model_info(inferencer: TryOnInferencer, config: str, checkpoint: Optional[str]) -> str:
    """One Markdown line saying which config and weights the page runs."""
    height, width = inferencer.model_size
    precision = {None: 'fp32'}.get(inferencer.autocast_dtype,
                                   str(inferencer.autocast_dtype).replace('torch.', ''))
    graph = 'fast inference graph' if inferencer.optimized else 'model as built'
    weights = f'`{checkpoint}`' if checkpoint else 'none (random weights)'
    return (f'**Model:** config `{config}`, weights {weights}; runs at {height}x{width} '
            f'on {inferencer.device} ({precision}, {graph}).')


def build_tryon_app(inferencer: TryOnInferencer, title: str = TITLE,
                    info: Optional[str] = None,
                    examples: Optional[Sequence[Sequence[Optional[str]]]] = None,
                    queue_size: Optional[int] = DEFAULT_QUEUE_SIZE,
                    delete_cache: Optional[Tuple[int, int]] = DELETE_CACHE):
    """A ``gradio.Blocks`` app: person + garment (+ mask) in; mask, warped garment,
    try-on and notes out; endpoint ``/tryon``.

    Args:
        inferencer (TryOnInferencer): the model.
        title (str): page title.
        info (str, optional): Markdown about the loaded model (:func:`model_info`).
        examples (list, optional): ``[person, garment, mask or None]`` file triples shown
            as clickable examples.
        queue_size (int, optional): requests that may wait (one runs at a time); None:
            unbounded.
        delete_cache (tuple, optional): Gradio's ``delete_cache`` (every, older than)
            seconds for the temporary files.
    """
    gr = import_gradio()
    tryon = make_tryon_function(inferencer, partial(gr.Error, print_exception=False),
                                gr.Warning)
    height, width = inferencer.model_size
    description = DESCRIPTION.format(height=height, width=width,
                                     ratio=aspect_label(height, width))
    with gr.Blocks(title=title, delete_cache=delete_cache) as app:
        gr.Markdown(f'# {title}\n{description}')
        if info:
            gr.Markdown(info, elem_id='model-info')
        with gr.Row():
            person = gr.Image(type='filepath', image_mode=None, label='Person photo')
            cloth = gr.Image(type='filepath', image_mode=None, label='Garment photo')
            cloth_mask = gr.Image(type='filepath', image_mode=None,
                                  label='Garment mask (optional)')
        if examples:
            gr.Examples(examples=[list(e) + [None] * (3 - len(e)) for e in examples],
                        inputs=[person, cloth, cloth_mask], label='Examples')
        button = gr.Button('Try on', variant='primary')
        notes = gr.Textbox(label='Notes', interactive=False, lines=2, max_lines=6,
                           placeholder='Warnings about the inputs appear here.')
        with gr.Row():
            mask_out = gr.Image(type='numpy', format='png', label='Garment mask used')
            warped_out = gr.Image(type='numpy', format='png', label='Warped garment')
            tryon_out = gr.Image(type='numpy', format='png', label='Try-on')
        button.click(tryon, inputs=[person, cloth, cloth_mask],
                     outputs=[mask_out, warped_out, tryon_out, notes], api_name='tryon',
                     preprocess=False, concurrency_limit=1)
    app.queue(max_size=queue_size, default_concurrency_limit=1)
    return app


#: Synthetic example pairs written when the tool is given none, and their size (H, W).
NUM_SYNTHETIC_EXAMPLES = 2
SYNTHETIC_EXAMPLE_SIZE = (256, 192)
EXAMPLE_JPEG_QUALITY = 95


def write_synthetic_examples(folder: str, count: int = NUM_SYNTHETIC_EXAMPLES,
                             size: Tuple[int, int] = SYNTHETIC_EXAMPLE_SIZE,
                             seed: int = 0) -> List[List[Optional[str]]]:
    """Render example inputs with the synthetic data generator into ``folder``.

    Example ``i`` is synthetic person ``i`` with the garment of person ``i + 1`` (as
    the unpaired test pairs); the last example also has the garment's mask.

    Returns:
        list[list]: ``[person, garment, mask or None]`` file paths.
    """
    from vtonbox.datasets.synthetic import render_sample

    os.makedirs(folder, exist_ok=True)
    samples = [render_sample(seed, 'test', i, *size) for i in range(count + 1)]
    examples = []
    for i in range(count):
        person = osp.join(folder, f'synthetic_person_{i}.jpg')
        cloth = osp.join(folder, f'synthetic_garment_{i + 1}.jpg')
        write_image(person, samples[i].person, EXAMPLE_JPEG_QUALITY)
        write_image(cloth, samples[i + 1].cloth, EXAMPLE_JPEG_QUALITY)
        mask = None
        if i == count - 1:
            mask = osp.join(folder, f'synthetic_garment_{i + 1}_mask.png')
            write_image(mask, samples[i + 1].cloth_mask)
        examples.append([person, cloth, mask])
    return examples
