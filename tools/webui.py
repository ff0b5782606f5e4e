"""Web demo of virtual try-on in the browser (Gradio, on this machine only by default).

    pip install -e .[webui]
    python tools/webui.py --checkpoint pfafn_official.pth [--port 7860] [--device cuda]
    # several models, chosen on the page (the first is the default)
    python tools/webui.py --model PF-AFN configs/pfafn_student.py pfafn.pth \
        --model mobile configs/dmvton_student.py dmvton.pth

Open http://127.0.0.1:7860, pick a model, upload a person photo and a garment photo (or
click an example). The try-on is also an HTTP endpoint: ``gradio_client.Client(url).
predict(person, cloth, None, MODEL, api_name='/tryon')`` returns mask, warped garment,
try-on and notes; without MODEL the first model runs.

Files, the port and the options are checked before any model is loaded; a user error
prints one line ``error: ...`` (naming the model with ``--model``) and exits with
code 2. Every model is loaded once, at start-up. Uploads are limited to
``--max-file-size``, waiting requests to ``--queue-size`` (one runs at a time), and
the temporary files (uploads, results, examples) live in one folder that is removed
when the server stops (Ctrl+C or SIGTERM).
"""
import argparse
import contextlib
import errno
import os
import os.path as osp
import re
import shutil
import signal
import socket
import sys
import tempfile
from typing import List, NamedTuple, Optional, Sequence

from mmengine.config import DictAction

from vtonbox.apis import DEFAULT_CONFIG, TryOnInferencer
from vtonbox.apis.gradio_app import (
    DEFAULT_QUEUE_SIZE,
    INSTALL_HINT,
    ServedModel,
    build_tryon_app,
    import_gradio,
    write_synthetic_examples,
)
from vtonbox.apis.model_loading import resolve_config_path, setup_errors
from vtonbox.utils.checkpoint import check_checkpoint_file
from vtonbox.utils.cli import UserError, one_line, run_tool, user_error_types
from vtonbox.utils.model_loading import load_config

DEFAULT_PORT = 7860
#: Largest upload accepted (Gradio's ``max_file_size``); phone photos are 2 to 15 MB.
DEFAULT_MAX_FILE_SIZE = '25mb'
_SIZE_UNITS = dict(b=1, kb=1024, mb=1024 ** 2, gb=1024 ** 3)


def file_size(text: str) -> int:
    """``'25mb'``, ``'500kb'`` or ``'1048576'`` -> bytes (argparse type)."""
    match = re.fullmatch(r'\s*(\d+)\s*(b|kb|mb|gb)?\s*', str(text).lower())
    if not match or int(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size; use bytes or a number with kb, mb or gb, e.g. '25mb'")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2) or 'b']


def port_number(text: str) -> int:
    """A TCP port 1..65535 (argparse type)."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f'{text!r} is not a port (1 to 65535)')
    return int(text)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'{text!r} is not a positive integer')
    return int(text)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Virtual try-on web demo (Gradio)')
    parser.add_argument('--config', help=f'model config (one model; default {DEFAULT_CONFIG})')
    parser.add_argument('--checkpoint', help='model weights (one model)')
    parser.add_argument('--model', nargs=3, action='append',
                        metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
                        help='a model chosen by NAME on the page (repeatable, instead of '
                             '--config/--checkpoint; the first is the default)')
    parser.add_argument('--device', default='cpu', help="'cpu', 'cuda' or 'cuda:N'")
    parser.add_argument('--precision', default='fp32', choices=('fp32', 'bf16', 'fp16'),
                        help='autocast precision (bf16 works on CPU)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to serve on (0.0.0.0 exposes it to the network)')
    parser.add_argument('--port', type=port_number, default=DEFAULT_PORT,
                        help=f'port to serve on (default {DEFAULT_PORT})')
    parser.add_argument('--max-file-size', type=file_size, default=DEFAULT_MAX_FILE_SIZE,
                        help='largest upload, e.g. 25mb (default %(default)s)')
    parser.add_argument('--queue-size', type=positive_int, default=DEFAULT_QUEUE_SIZE,
                        help='requests that may wait while one runs; more are refused '
                             '(default %(default)s)')
    parser.add_argument('--example', nargs=2, action='append', metavar=('PERSON', 'GARMENT'),
                        help='an example pair shown on the page (repeatable; default: '
                             'synthetic examples)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries (of every model)')
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of user errors')
    return parser.parse_args(argv)


def check_port(host: str, port: int) -> None:
    """Fail now, not after the model has loaded, when ``host:port`` cannot be served.

    Raises:
        UserError: the port is in use, or the host is no address of this machine.
    """
    where = f'{host}:{port}'
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UserError('unknown host', host,
                        'pass --host 127.0.0.1 (this machine) or 0.0.0.0 (all networks)') from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise UserError('the port is already in use', where,
                                f'stop the program using it or pick another one with '
                                f'--port (e.g. --port {port + 1 if port < 65535 else 7860})'
                                ) from None
            if err.errno == errno.EACCES:
                raise UserError('no permission to serve on this port', where,
                                'pick a port above 1023 with --port') from None
            raise UserError(f'cannot serve here ({err.strerror})', where,
                            'check --host and --port') from None


class ModelSpec(NamedTuple):
    """A model to serve: its name on the page (None: the one model of
    ``--config/--checkpoint``), config and checkpoint files."""
    name: Optional[str]
    config: str
    checkpoint: str


def model_specs(args) -> List[ModelSpec]:
    """The models of ``--model NAME CONFIG CHECKPOINT ...``, or the one of
    ``--config/--checkpoint``.

    Raises:
        UserError: no model, both forms, an empty or repeated name.
    """
    if not args.model:
        if not args.checkpoint:
            raise UserError('no model given', None,
                            'pass --checkpoint CKPT [--config CFG], or --model NAME CONFIG '
                            'CHECKPOINT for each model (see docs/user_guides/inference.md)')
        return [ModelSpec(None, args.config or DEFAULT_CONFIG, args.checkpoint)]
    if args.config or args.checkpoint:
        raise UserError('--model cannot be combined with --config/--checkpoint', None,
                        'give every model as --model NAME CONFIG CHECKPOINT')
    specs = []
    for name, config, checkpoint in args.model:
        if not name.strip():
            raise UserError('empty model name', f'--model {name!r} {config} {checkpoint}',
                            'give each model a name, e.g. --model PF-AFN CONFIG CHECKPOINT')
        if name in [spec.name for spec in specs]:
            raise UserError(f'model name {name!r} is given twice', '--model',
                            'give each model its own name')
        specs.append(ModelSpec(name, config, checkpoint))
    return specs


@contextlib.contextmanager
def naming_model(spec: ModelSpec):
    """User errors about ``spec``'s files (or its loading) start with the model's name
    when several models are served: ``model 'mobile': checkpoint file not found (x.pth): ...``."""
    try:
        yield
    except user_error_types() as error:
        if spec.name is None:  # one model: the message as it is (run_tool joins lines)
            raise
        message = error.line() if isinstance(error, UserError) else str(error)
        raise UserError(f'model {spec.name!r}: {one_line(message)}') from None


def check_model_files(spec: ModelSpec, cfg_options: Optional[dict] = None) -> None:
    """The config of one model exists and reads (with ``--cfg-options``), its checkpoint
    exists and is one (cheap: no model is built, nothing is unpickled from a PyTorch zip
    archive), so that a broken file of the last model is reported before the first
    loads."""
    with naming_model(spec):
        resolve_config_path(spec.config)  # InferenceSetupError naming the file
        with setup_errors():
            load_config(spec.config, cfg_options)
        if not osp.isfile(spec.checkpoint):
            where = '--checkpoint' if spec.name is None else f'CHECKPOINT of --model {spec.name}'
            raise UserError('checkpoint file not found', spec.checkpoint,
                            f'pass the model weights with {where} (see '
                            'docs/user_guides/inference.md)')
        check_checkpoint_file(spec.checkpoint)


def load_models(specs: Sequence[ModelSpec], args) -> List[ServedModel]:
    """Load every model once (in order), each with ``--device``, ``--precision`` and
    ``--cfg-options``."""
    served = []
    for spec in specs:
        with naming_model(spec):
            inferencer = TryOnInferencer(spec.config, spec.checkpoint, device=args.device,
                                         precision=args.precision,
                                         cfg_options=args.cfg_options)
        name = spec.name or osp.splitext(osp.basename(spec.config))[0]
        served.append(ServedModel(name, inferencer, spec.config, spec.checkpoint))
        print(f'Loaded model {name!r} ({served[-1].num_parameters:,} parameters) from '
              f'{spec.config}', flush=True)
    return served


def check_files(args, specs: Sequence[ModelSpec]) -> None:
    """Configs, checkpoints and example files exist (before any model is loaded)."""
    for spec in specs:
        check_model_files(spec, args.cfg_options)
    for pair in args.example or ():
        for path in pair:
            if not osp.isfile(path):
                raise UserError('example file not found', path,
                                'fix --example, or leave it out for synthetic examples')


@contextlib.contextmanager
def temporary_folder(prefix: str = 'vtonbox-webui-'):
    """A folder for the app's temporary files, removed afterwards; Gradio's uploads and
    results go into it unless ``GRADIO_TEMP_DIR`` is set."""
    folder = tempfile.mkdtemp(prefix=prefix)
    saved = os.environ.get('GRADIO_TEMP_DIR')
    if saved is None:
        os.environ['GRADIO_TEMP_DIR'] = osp.join(folder, 'gradio')
    try:
        yield folder
    finally:
        if saved is None:
            os.environ.pop('GRADIO_TEMP_DIR', None)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """SIGTERM stops the server like Ctrl+C (so the temporary files are removed)."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(argv) -> int:
    args = parse_args(argv)
    specs = model_specs(args)
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
    with temporary_folder() as work:
        try:
            import_gradio()
        except ImportError:
            raise UserError('the web demo needs Gradio', None, INSTALL_HINT) from None
        check_files(args, specs)
        check_port(args.host, args.port)
        examples = args.example or write_synthetic_examples(osp.join(work, 'examples'))
        models = load_models(specs, args)
        app = build_tryon_app(models, examples=examples, queue_size=args.queue_size)
        print(f'Serving the try-on demo on http://{args.host}:{args.port} (Ctrl+C to stop)',
              flush=True)
        with sigterm_as_interrupt():
            try:
                app.launch(server_name=args.host, server_port=args.port, share=False,
                           show_error=False, max_file_size=args.max_file_size,
                           allowed_paths=[work])
            except OSError as err:  # taken between the check and the launch
                raise UserError(f'cannot serve ({err})', f'{args.host}:{args.port}',
                                'pick another port with --port') from None
    return 0


def main(argv=None) -> int:
    return run_tool(serve, argv)


if __name__ == '__main__':
    sys.exit(main())
