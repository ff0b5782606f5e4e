"""tools/webui.py: serve on a loopback port and use the page's HTTP API with gradio_client:
try-on, vtonbox's own messages for bad uploads, warnings, bounded uploads, examples and
model info on the page, temporary files removed on stop; a busy port or a missing Gradio
reported as one line before the model loads."""
import asyncio
import importlib.util
import io
import json
import os
import os.path as osp
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers.images import write_png_header
from tests.helpers.tiny_model import garment_photo, person_photo, write_tiny_model

TOOL = osp.join(REPO_ROOT, 'tools', 'webui.py')
#: Seconds to wait for the server to answer (imports of torch + gradio on a shared CPU).
START_TIMEOUT = 180
#: Seconds for one try-on request, and for the server to stop.
REQUEST_TIMEOUT = 120
STOP_TIMEOUT = 30
#: --max-file-size of the test server, in bytes.
MAX_FILE_SIZE = 1024 ** 2


def load_tool():
    spec = importlib.util.spec_from_file_location('vtonbox_webui_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f'webui exited with {proc.returncode}:\n'
                                 f'{open(log_path).read()[-3000:]}')
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f'webui did not answer within {START_TIMEOUT}s:\n'
                         f'{open(log_path).read()[-3000:]}')


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)


def write_inputs(root) -> None:
    Image.fromarray(person_photo(203, 151, seed=1)).save(root / 'person.jpg', quality=90)
    Image.fromarray(person_photo(100, 200, seed=2)).save(root / 'landscape.jpg', quality=90)
    cloth, _ = garment_photo(130, 101, seed=2)
    Image.fromarray(cloth).save(root / 'shirt.png')
    (root / 'notes.png').write_text('this is not an image')
    Image.fromarray(person_photo(400, 300, seed=5)).save(root / 'full.jpg', quality=90)
    data = (root / 'full.jpg').read_bytes()
    (root / 'cut.jpg').write_bytes(data[:len(data) // 2])
    write_png_header(root / 'huge.png', 20000, 20000)
    Image.fromarray(np.random.default_rng(0).random((60, 50), np.float32)).save(
        root / 'float.tif')
    noise = np.random.default_rng(1).integers(0, 256, (700, 700, 3), dtype=np.uint8)
    Image.fromarray(noise).save(root / 'big_file.png')
    assert (root / 'big_file.png').stat().st_size > MAX_FILE_SIZE


def start_server(root, *extra):
    """Start the tool on a free port with the tiny model; its temporary folder goes
    under ``root/tmp``. Returns (process, url, log path)."""
    config, checkpoint = write_tiny_model(root)
    (root / 'tmp').mkdir(exist_ok=True)
    port = free_port()
    env = tool_env()
    env['GRADIO_ANALYTICS_ENABLED'] = 'False'
    env['TMPDIR'] = str(root / 'tmp')
    env.pop('GRADIO_TEMP_DIR', None)
    log_path = root / 'webui.log'
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(
            [sys.executable, TOOL, '--config', config, '--checkpoint', checkpoint, '--host',
             '127.0.0.1', '--port', str(port), *extra], cwd=REPO_ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}/'
    try:
        wait_until_serving(url, proc, log_path)
    except BaseException:
        stop(proc)
        raise
    return proc, url, log_path


def make_client(url, root):
    client_module = pytest.importorskip('gradio_client')
    return client_module.Client(url, download_files=str(root / 'downloads'), verbose=False,
                                httpx_kwargs=dict(timeout=REQUEST_TIMEOUT))


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    """One server for the tests that only talk to it."""
    pytest.importorskip('gradio')
    pytest.importorskip('gradio_client')
    root = tmp_path_factory.mktemp('webui')
    write_inputs(root)
    proc, url, log_path = start_server(root, '--max-file-size', '1mb', '--queue-size', '4')
    try:
        yield dict(root=root, url=url, client=make_client(url, root), log=log_path)
    finally:
        stop(proc)


def predict(server, person, cloth='shirt.png', mask=None):
    from gradio_client import handle_file
    root = server['root']
    return server['client'].predict(
        handle_file(str(root / person)), handle_file(str(root / cloth)) if cloth else None,
        handle_file(str(root / mask)) if mask else None, api_name='/tryon')


def page_config(server) -> dict:
    with urllib.request.urlopen(server['url'] + 'config', timeout=30) as response:
        return json.load(response)


def test_serves_tryon_endpoint(server):
    """The page returns what the Inferencer computes for the same files."""
    from vtonbox.apis import TryOnInferencer

    mask_path, warped_path, tryon_path, notes = predict(server, 'person.jpg')
    root = server['root']
    assert Image.open(tryon_path).size == (151, 203)
    assert Image.open(warped_path).size == (151, 203)
    mask = np.asarray(Image.open(mask_path))
    assert mask.shape[:2] == (130, 101) and set(np.unique(mask)) <= {0, 255}
    assert notes == ''
    inferencer = TryOnInferencer(str(root / 'tiny_pfafn.py'), str(root / 'tiny_pfafn.pth'),
                                 device='cpu')
    expected = inferencer(str(root / 'person.jpg'), str(root / 'shirt.png'))[0]
    for path, key in ((mask_path, 'cloth_mask'), (warped_path, 'warped_cloth'),
                      (tryon_path, 'tryon')):
        served, wanted = np.asarray(Image.open(path)).squeeze(), expected[key].squeeze()
        assert served.shape == wanted.shape and np.array_equal(served, wanted), key


def test_missing_garment_upload(server):
    with pytest.raises(Exception, match='Upload a person photo and a garment photo'):
        predict(server, 'person.jpg', cloth=None)


@pytest.mark.parametrize('name, expected', [
    ('notes.png', r'^notes\.png: cannot decode image \(not an image, or corrupt\)$'),
    ('cut.jpg', r'^cut\.jpg: (truncated or corrupt JPEG|cannot decode image)'),
    ('huge.png', r'^huge\.png: 20000x20000 pixels \(400 megapixels\), more than the 150 '
     r'megapixels accepted; downscale the photo first$'),
    ('float.tif', r'^float\.tif: unsupported pixel type float32 \(expected 8 or 16 bit\)$'),
])
def test_bad_upload_shows_our_message(server, name, expected):
    with pytest.raises(Exception) as info:
        predict(server, name)
    message = str(info.value)
    assert type(info.value).__name__ == 'AppError'
    assert '/' not in message and 'tmp' not in message  # no server paths
    assert re.search(expected, message), message


def test_warning_is_shown_on_the_page(server):
    from gradio_client import handle_file
    root = server['root']
    job = server['client'].submit(handle_file(str(root / 'landscape.jpg')),
                                  handle_file(str(root / 'shirt.png')), None, api_name='/tryon')

    async def toasts():
        return [update.log async for update in job if getattr(update, 'log', None)]

    logs = asyncio.run(toasts())
    expected = ("person photo landscape.jpg is 200 x 100 (ratio 2.00), far from the model's "
                '2:3 (0.67)')
    assert [level for _, level in logs] == ['warning'] and logs[0][0].startswith(expected)
    assert job.outputs()[-1][3] == logs[0][0]  # also in the Notes box


def test_upload_size_is_bounded(server):
    import httpx
    assert page_config(server)['max_file_size'] == MAX_FILE_SIZE
    with open(server['root'] / 'big_file.png', 'rb') as f:
        response = httpx.post(server['url'] + 'gradio_api/upload', timeout=REQUEST_TIMEOUT,
                              files={'files': ('big_file.png', f, 'image/png')})
    assert response.status_code == 413


def test_page_names_the_model(server):
    texts = [c['props'].get('value') or '' for c in page_config(server)['components']
             if c.get('type') == 'markdown']
    root = server['root']
    info = [t for t in texts if t.startswith('**Model:**')]
    assert info == [f'**Model:** config `{root / "tiny_pfafn.py"}`, weights '
                    f'`{root / "tiny_pfafn.pth"}`; runs at 96x64 on cpu (fp32, fast '
                    'inference graph).']


def test_page_has_synthetic_examples(server):
    (examples,) = [c['props'] for c in page_config(server)['components']
                   if c.get('type') == 'dataset']
    names = [[item and item['orig_name'] for item in sample] for sample in examples['samples']]
    assert names == [['synthetic_person_0.jpg', 'synthetic_garment_1.jpg', None],
                     ['synthetic_person_1.jpg', 'synthetic_garment_2.jpg',
                      'synthetic_garment_2_mask.png']]
    url = examples['samples'][0][0]['url']
    with urllib.request.urlopen(url, timeout=30) as response:
        assert Image.open(io.BytesIO(response.read())).size == (192, 256)


def test_temporary_files_are_removed_on_stop(tmp_path):
    pytest.importorskip('gradio')
    write_inputs(tmp_path)
    proc, url, log_path = start_server(tmp_path)
    try:
        work = [p for p in os.listdir(tmp_path / 'tmp') if p.startswith('vtonbox-webui-')]
        assert len(work) == 1
        predict(dict(root=tmp_path, client=make_client(url, tmp_path)), 'person.jpg')
        uploads = [name for _, _, names in os.walk(tmp_path / 'tmp' / work[0])
                   for name in names]
        assert 'person.jpg' in uploads and 'synthetic_person_0.jpg' in uploads
    finally:
        stop(proc)
    assert proc.returncode == 0, open(log_path).read()[-3000:]
    assert not (tmp_path / 'tmp' / work[0]).exists()


def test_busy_port_is_reported_before_the_model_loads(tmp_path, monkeypatch, capsys):
    pytest.importorskip('gradio')
    tool = load_tool()

    def no_model(*args, **kwargs):
        raise AssertionError('the model was loaded before the port was checked')

    monkeypatch.setattr(tool, 'TryOnInferencer', no_model)
    config, checkpoint = write_tiny_model(tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code = tool.main(['--config', config, '--checkpoint', checkpoint, '--port', str(port)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (f'error: the port is already in use (127.0.0.1:{port}): stop the program '
                   f'using it or pick another one with --port (e.g. --port {port + 1})\n')


def test_clear_message_without_gradio(tmp_path, monkeypatch, capsys):
    tool = load_tool()
    monkeypatch.setitem(sys.modules, 'gradio', None)  # import gradio -> ImportError
    code = tool.main(['--checkpoint', str(tmp_path / 'unused.pth')])
    err = capsys.readouterr().err
    assert code == 2 and err == 'error: the web demo needs Gradio: pip install -e .[webui]\n'
