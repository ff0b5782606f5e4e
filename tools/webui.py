"""Web demo of virtual try-on in the browser (Gradio, on this machine only by default).

    pip install -e .[webui]
    python tools/webui.py --checkpoint pfafn_official.pth [--port 7860] [--device cuda]

Open http://127.0.0.1:7860, upload a person photo and a garment photo (or click an
example). The try-on is also an HTTP endpoint: ``gradio_client.Client(url).predict(
person, cloth, None, api_name='/tryon')`` returns mask, warped garment, try-on and notes.

Files, the port and the options are checked before the model is loaded; a user error
prints one line ``error: ...`` and exits with code 2. Uploads are limited to
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

from mmengine.config import DictAction

from vtonbox.apis import DEFAULT_CONFIG, TryOnInferencer
from vtonbox.apis.gradio_app import (
    DEFAULT_QUEUE_SIZE,
    INSTALL_HINT,
    build_tryon_app,
    import_gradio,
    model_info,
    write_synthetic_examples,
)
from vtonbox.apis.model_loading import resolve_config_path
from vtonbox.utils.cli import UserError, one_line, run_tool
from vtonbox.utils.state_dict import WeightsMismatchError

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
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='model config')
    parser.add_argument('--checkpoint', required=True, help='model weights')
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
                        help='override config entries')
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


def check_files(args) -> None:
    """Config, checkpoint and example files exist (before the model is loaded)."""
    resolve_config_path(args.config)  # InferenceSetupError naming the file
    if not osp.isfile(args.checkpoint):
        raise UserError('checkpoint file not found', args.checkpoint,
                        'pass the model weights with --checkpoint (see '
                        'docs/user_guides/inference.md)')
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
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
    with temporary_folder() as work:
        try:
            import_gradio()
        except ImportError:
            raise UserError('the web demo needs Gradio', None, INSTALL_HINT) from None
        check_files(args)
        check_port(args.host, args.port)
        examples = args.example or write_synthetic_examples(osp.join(work, 'examples'))
        try:
            inferencer = TryOnInferencer(args.config, args.checkpoint, device=args.device,
                                         precision=args.precision,
                                         cfg_options=args.cfg_options)
        except WeightsMismatchError as err:  # several lines: keys that do not fit
            raise UserError(one_line(str(err))) from None
        app = build_tryon_app(inferencer, info=model_info(inferencer, args.config,
                                                          args.checkpoint),
                              examples=examples, queue_size=args.queue_size)
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
