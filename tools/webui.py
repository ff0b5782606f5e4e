"""Web demo of virtual try-on in the browser (Gradio, on this machine only by default).

    pip install -e .[webui]
    python tools/webui.py --checkpoint pfafn_official.pth [--port 7860] [--device cuda]

Open http://127.0.0.1:7860, upload a person photo and a garment photo. The try-on is
also an HTTP endpoint: ``gradio_client.Client(url).predict(person, cloth, None,
api_name='/tryon')``.
"""
import argparse
import os
import sys

from mmengine.config import DictAction

from vtonbox.apis import DEFAULT_CONFIG, InferenceSetupError, TryOnInferencer
from vtonbox.apis.gradio_app import INSTALL_HINT, build_tryon_app, import_gradio

EXIT_BAD_INPUT = 2
DEFAULT_PORT = 7860


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Virtual try-on web demo (Gradio)')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='model config')
    parser.add_argument('--checkpoint', required=True, help='model weights')
    parser.add_argument('--device', default='cpu', help="'cpu', 'cuda' or 'cuda:N'")
    parser.add_argument('--precision', default='fp32', choices=('fp32', 'bf16', 'fp16'),
                        help='autocast precision (bf16 works on CPU)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to serve on (0.0.0.0 exposes it to the network)')
    parser.add_argument('--port', type=int, default=DEFAULT_PORT, help='port to serve on')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
    try:
        import_gradio()
    except ImportError:
        print(f'error: {INSTALL_HINT}', file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        inferencer = TryOnInferencer(args.config, args.checkpoint, device=args.device,
                                     precision=args.precision, cfg_options=args.cfg_options)
    except InferenceSetupError as err:
        print(f'error: {err}', file=sys.stderr)
        return EXIT_BAD_INPUT
    app = build_tryon_app(inferencer)
    print(f'Serving the try-on demo on http://{args.host}:{args.port} (Ctrl+C to stop)',
          flush=True)
    try:
        app.launch(server_name=args.host, server_port=args.port, share=False, show_error=True)
    except OSError as err:  # e.g. the port is taken
        print(f'error: cannot serve on {args.host}:{args.port}: {err}', file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == '__main__':
    sys.exit(main())
