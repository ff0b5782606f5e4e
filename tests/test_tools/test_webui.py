"""tools/webui.py: serve on a loopback port, run one try-on through the HTTP API with
gradio_client, shut down; and a clear message when Gradio is not installed."""
import importlib.util
import os.path as osp
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
from tests.test_apis.tiny_model import garment_photo, person_photo, write_tiny_model

TOOL = osp.join(REPO_ROOT, 'tools', 'webui.py')
#: Seconds to wait for the server to answer (imports of torch + gradio on a shared CPU).
START_TIMEOUT = 180
#: Seconds for one try-on request, and for the server to stop.
REQUEST_TIMEOUT = 120
STOP_TIMEOUT = 20


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
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)


def test_serves_tryon_endpoint(tmp_path):
    pytest.importorskip('gradio')
    client_module = pytest.importorskip('gradio_client')
    config, checkpoint = write_tiny_model(tmp_path)
    Image.fromarray(person_photo(203, 151, seed=1)).save(tmp_path / 'person.jpg', quality=90)
    cloth, _ = garment_photo(130, 101, seed=2)
    Image.fromarray(cloth).save(tmp_path / 'shirt.png')
    port = free_port()
    env = tool_env()
    env['GRADIO_ANALYTICS_ENABLED'] = 'False'
    log_path = tmp_path / 'webui.log'
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(
            [sys.executable, TOOL, '--config', config, '--checkpoint', checkpoint, '--host',
             '127.0.0.1', '--port', str(port)], cwd=REPO_ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT)
    try:
        url = f'http://127.0.0.1:{port}/'
        wait_until_serving(url, proc, log_path)
        client = client_module.Client(url, download_files=str(tmp_path / 'downloads'),
                                      verbose=False, httpx_kwargs=dict(timeout=REQUEST_TIMEOUT))
        handle = client_module.handle_file
        mask_path, warped_path, tryon_path = client.predict(
            handle(str(tmp_path / 'person.jpg')), handle(str(tmp_path / 'shirt.png')), None,
            api_name='/tryon')
        assert Image.open(tryon_path).size == (151, 203)
        assert Image.open(warped_path).size == (151, 203)
        mask = np.asarray(Image.open(mask_path))
        assert mask.shape[:2] == (130, 101) and set(np.unique(mask)) <= {0, 255}
        assert np.asarray(Image.open(tryon_path)).std() > 0
        with pytest.raises(Exception, match='Upload a person photo and a garment photo'):
            client.predict(handle(str(tmp_path / 'person.jpg')), None, None, api_name='/tryon')
    finally:
        stop(proc)
    assert proc.returncode is not None


def test_clear_message_without_gradio(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location('vtonbox_webui_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setitem(sys.modules, 'gradio', None)  # import gradio -> ImportError
    code = tool.main(['--checkpoint', str(tmp_path / 'unused.pth')])
    err = capsys.readouterr().err
    assert code == 2 and 'pip install -e .[webui]' in err and 'Traceback' not in err
