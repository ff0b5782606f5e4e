"""The Gradio web demo around one or several :class:`TryOnInferencer` (``tools/webui.py``
launches it).

Gradio is an optional dependency (``pip install -e .[webui]``); it is imported only
when the app is built. Uploads reach the Inferencer as the uploaded files, unread by
Gradio (``preprocess=False``), so the web demo reads photos exactly as
``tools/demo.py`` does and a bad upload (not an image, truncated, too many pixels, an
unsupported pixel type) gets vtonbox's own message, with the server's temporary paths
replaced by the uploaded file names. Adapted inputs (photo downscaled, far from the
model's aspect ratio, mask resized) are shown as Gradio warnings and in the *Notes*
box. The try-on function is named ``tryon``, so its HTTP endpoint is ``/tryon``
(``gradio_client``: ``client.predict(person, cloth, mask, model, api_name='/tryon')``
returns mask, warped garment, try-on and notes; ``model`` may be left out: the first
model).

Several models (:class:`ServedModel`) are loaded once and served side by side: the page
has a model selector and a table with each model's name, parameter count and the
latency of its last try-on.
"""
import os
import os.path as osp
import re
import sys
import tempfile
import time
import traceback
import warnings
from functools import partial
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from vtonbox.datasets.readers import DataFileError
from vtonbox.utils.image_io import write_image

from .errors import TryOnInputError, TryOnInputWarning
from .inputs import aspect_label
from .tryon_inferencer import TryOnInferencer

TITLE = 'vtonbox virtual try-on'
DESCRIPTION = (
    'Upload a photo of a person (front view, upper body, plain background works best, '
    'width:height close to {ratio}) and a product photo of a top on a plain background. The '
    'garment mask is made automatically unless you upload one (white = garment). {runs}; '
    'results have the size of the person photo.')
#: Name of a model given to the app without one (a bare Inferencer).
DEFAULT_MODEL_NAME = 'model'
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


class ServedModel:
    """One model of the web demo: its name on the page, the loaded Inferencer, where it
    came from and how long its last try-on took.

    Args:
        name (str): shown in the model selector; the ``model`` input of ``/tryon``.
        inferencer (TryOnInferencer): the loaded model (for the callback alone, any
            callable ``inferencer(person, cloth, mask) -> [result]`` works).
        config (str, optional): its config file, shown on the page.
        checkpoint (str, optional): its weights, shown on the page (None: random weights).

    Attributes:
        num_parameters (int | None): parameters of the model as built (shared ones once,
            as ``tools/analysis/count_params.py`` counts the inference model); None for
            a callable without ``model``.
        last_latency_s (float | None): seconds of the last try-on with this model
            (reading the photos, the model, the results at the photo's size); None
            before the first.
    """

    def __init__(self, name: str, inferencer: TryOnInferencer, config: Optional[str] = None,
                 checkpoint: Optional[str] = None) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f'a model name must be a non-empty string, got {name!r}')
        self.name, self.inferencer = name, inferencer
        self.config, self.checkpoint = config, checkpoint
        model = getattr(inferencer, 'model', None)
        self.num_parameters = None if model is None else sum(
            p.numel() for p in {id(p): p for p in model.parameters()}.values())
        self.last_latency_s: Optional[float] = None


#: What the app serves: one Inferencer, ``{name: Inferencer}``, or ServedModels.
Models = Union[TryOnInferencer, Mapping[str, TryOnInferencer], Sequence[ServedModel]]


def served_models(models: Models) -> Dict[str, ServedModel]:
    """The app's models by name, in order; the first is the default.

    A bare Inferencer is one model named :data:`DEFAULT_MODEL_NAME`; a mapping gives
    each Inferencer its key as name.

    Raises:
        ValueError: no model, or a name used twice.
    """
    if isinstance(models, Mapping):
        items = [ServedModel(name, inferencer) for name, inferencer in models.items()]
    elif isinstance(models, (list, tuple)):
        items = list(models)
    else:
        items = [ServedModel(DEFAULT_MODEL_NAME, models)]
    if not items:
        raise ValueError('the web demo needs at least one model')
    by_name: Dict[str, ServedModel] = {}
    for item in items:
        if not isinstance(item, ServedModel):
            raise TypeError(f'expected ServedModel items, got a {type(item).__name__}')
        if item.name in by_name:
            raise ValueError(f'model name {item.name!r} is used twice; names must be unique')
        by_name[item.name] = item
    return by_name


def unknown_model_message(name: object, names: Sequence[str]) -> str:
    return f"unknown model {name!r}; choose one of {', '.join(map(repr, names))}"


def make_tryon_function(models: Models, error_type=RuntimeError,
                        warning_type: Optional[Callable[[str], object]] = None):
    """The web demo's callback; bad uploads and unknown models raise ``error_type`` with
    the reason.

    Args:
        models: one Inferencer, ``{name: Inferencer}`` or a list of
            :class:`ServedModel` (see :func:`served_models`).
        error_type (callable): makes the exception raised with a message for the page
            (``gradio.Error``).
        warning_type (callable, optional): called with each input warning (e.g.
            ``gradio.Warning``, which shows it on the page).

    Returns:
        callable: ``tryon(person, cloth, cloth_mask=None, model=None)`` taking file
        paths (or Gradio file dicts) and a model name (None: the first model), and
        returning (garment mask, warped garment, try-on) as uint8 arrays and the
        warnings as text (one per line, '' when none). Each call sets the model's
        ``last_latency_s``.
    """
    by_name = served_models(models)
    default = next(iter(by_name.values()))

    def tryon(person: Upload, cloth: Upload, cloth_mask: Upload = None,
              model: Optional[str] = None
              ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, str]:
        """Put the garment on the person with the chosen model (default: the first)."""
        names: Dict[str, str] = {}
        try:
            served = default if model is None else by_name.get(model)
            if served is None:
                raise TryOnInputError(unknown_model_message(model, list(by_name)))
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
                start = time.perf_counter()
                result = served.inferencer(*paths)[0]
                served.last_latency_s = time.perf_counter() - start
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


def runs_on(inferencer: TryOnInferencer) -> str:
    """``'256x192 on cpu (fp32, fast inference graph)'``: size, device, precision, graph."""
    height, width = inferencer.model_size
    precision = {None: 'fp32'}.get(inferencer.autocast_dtype,
                                   str(inferencer.autocast_dtype).replace('torch.', ''))
    graph = 'fast inference graph' if inferencer.optimized else 'model as built'
    return f'{height}x{width} on {inferencer.device} ({precision}, {graph})'


def _cell(text: str) -> str:
    return str(text).replace('|', '\\|')


def models_table(models: Mapping[str, ServedModel]) -> str:
    """Markdown table of the served models: name, parameters, size and device, config,
    weights, and the latency of the last try-on ('not yet' before the first)."""
    lines = ['| model | parameters | runs at | config | weights | last try-on |',
             '|---|---|---|---|---|---|']
    for served in models.values():
        count = '?' if served.num_parameters is None else \
            f'{served.num_parameters / 1e6:.2f} M ({served.num_parameters:,})'
        config = f'`{served.config}`' if served.config else 'given in Python'
        weights = f'`{served.checkpoint}`' if served.checkpoint else 'none (random weights)'
        latency = 'not yet' if served.last_latency_s is None else \
            f'{served.last_latency_s * 1000:.0f} ms'
        lines.append(f'| {_cell(served.name)} | {count} | {runs_on(served.inferencer)} | '
                     f'{_cell(config)} | {_cell(weights)} | {latency} |')
    return '\n'.join(lines)


def describe_sizes(models: Mapping[str, ServedModel]) -> str:
    """The page's description, with the model size(s) and the aspect ratio(s) to use."""
    sizes = list(dict.fromkeys(m.inferencer.model_size for m in models.values()))
    ratios = ' or '.join(dict.fromkeys(aspect_label(h, w) for h, w in sizes))
    if len(sizes) == 1:
        verb = 'model runs' if len(models) == 1 else 'models run'
        runs = f'The {verb} at {sizes[0][0]}x{sizes[0][1]}'
    else:
        runs = 'Each model runs at its own size (see the table)'
    return DESCRIPTION.format(ratio=ratios, runs=runs)


def build_tryon_app(models: Models, title: str = TITLE,
                    examples: Optional[Sequence[Sequence[Optional[str]]]] = None,
                    queue_size: Optional[int] = DEFAULT_QUEUE_SIZE,
                    delete_cache: Optional[Tuple[int, int]] = DELETE_CACHE):
    """A ``gradio.Blocks`` app: model + person + garment (+ mask) in; mask, warped
    garment, try-on and notes out; endpoint ``/tryon``.

    The page has a model selector (the first model is the default) and a table of the
    models (:func:`models_table`), refreshed after each try-on and when the page opens;
    ``/model_table`` (not listed in the API page) returns it too. All models stay
    loaded; switching loads nothing.

    Args:
        models: one Inferencer, ``{name: Inferencer}`` or a list of
            :class:`ServedModel` (see :func:`served_models`).
        title (str): page title.
        examples (list, optional): ``[person, garment, mask or None]`` file triples shown
            as clickable examples.
        queue_size (int, optional): requests that may wait (one runs at a time); None:
            unbounded.
        delete_cache (tuple, optional): Gradio's ``delete_cache`` (every, older than)
            seconds for the temporary files.
    """
    gr = import_gradio()
    by_name = served_models(models)
    tryon = make_tryon_function(list(by_name.values()),
                                partial(gr.Error, print_exception=False), gr.Warning)

    def model_table() -> str:
        return models_table(by_name)

    with gr.Blocks(title=title, delete_cache=delete_cache) as app:
        gr.Markdown(f'# {title}\n{describe_sizes(by_name)}')
        names = list(by_name)
        model_choice = gr.Dropdown(choices=names, value=names[0], label='Model',
                                   interactive=True)
        table = gr.Markdown(model_table(), elem_id='model-info')
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
        button.click(tryon, inputs=[person, cloth, cloth_mask, model_choice],
                     outputs=[mask_out, warped_out, tryon_out, notes], api_name='tryon',
                     preprocess=False, concurrency_limit=1
                     ).then(model_table, outputs=table, api_name='model_table',
                            api_visibility='undocumented', queue=False)
        app.load(model_table, outputs=table, api_visibility='private', queue=False)
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
