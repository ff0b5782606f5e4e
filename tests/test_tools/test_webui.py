"""tools/webui.py: serve on a loopback port and use the page's HTTP API with gradio_client:
try-on, switching between several loaded models, vtonbox's own messages for bad uploads,
warnings, bounded uploads, examples and the models' table on the page, temporary files
removed on stop; a busy port, a missing Gradio and bad model arguments or files reported
as one line before (or while) the models load."""
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
import torch
from PIL import Image

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers.images import write_png_header
from tests.helpers.tiny_model import (
    build_tiny_model,
    garment_photo,
    person_photo,
    write_tiny_model,
)

TOOL = osp.join(REPO_ROOT, 'tools', 'webui.py')
#: Seconds to wait for the server to answer (imports of torch + gradio on a shared CPU).
START_TIMEOUT = 180
#: Seconds for one try-on request, and for the server to stop.
REQUEST_TIMEOUT = 120
STOP_TIMEOUT = 30
#: --max-file-size of the test server, in bytes.
MAX_FILE_SIZE = 1024 ** 2
#: The models of the module's server: the tiny PF-AFN (the default, as in the one-model
#: tests), the synthetic mobile student (another architecture and size) and the tiny
#: PF-AFN again with other weights (same architecture: garment features of one would fit
#: the other, so reusing them would go unnoticed but for the outputs).
MOBILE_CONFIG = osp.join(REPO_ROOT, 'configs', 'synthetic', 'dmvton_student.py')
MODEL_NAMES = ('PF-AFN', 'mobile (DM-VTON style)', 'PF-AFN seed 1')


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


def write_models(root):
    """The checkpoints of :data:`MODEL_NAMES` under ``root``: {name: (config, checkpoint)}."""
    config, checkpoint = write_tiny_model(root)
    models = {MODEL_NAMES[0]: (config, checkpoint)}
    for name, model_config, seed, file_name in ((MODEL_NAMES[1], MOBILE_CONFIG, 3, 'mobile.pth'),
                                                (MODEL_NAMES[2], config, 1, 'seed1.pth')):
        path = str(root / file_name)
        torch.save(dict(state_dict=build_tiny_model(model_config, seed).state_dict()), path)
        models[name] = (model_config, path)
    return models


def model_args(models):
    """``--model NAME CONFIG CHECKPOINT`` for each of ``{name: (config, checkpoint)}``."""
    return [arg for name, files in models.items() for arg in ('--model', name, *files)]


def start_server(root, *extra, models=None):
    """Start the tool on a free port with the tiny model (or ``--model`` of each of
    ``{name: (config, checkpoint)}``); its temporary folder goes under ``root/tmp``.
    Returns (process, url, log path)."""
    if models is None:
        config, checkpoint = write_tiny_model(root)
        model_options = ['--config', config, '--checkpoint', checkpoint]
    else:
        model_options = model_args(models)
    (root / 'tmp').mkdir(exist_ok=True)
    port = free_port()
    env = tool_env()
    env['GRADIO_ANALYTICS_ENABLED'] = 'False'
    env['TMPDIR'] = str(root / 'tmp')
    env.pop('GRADIO_TEMP_DIR', None)
    log_path = root / 'webui.log'
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(
            [sys.executable, TOOL, *model_options, '--host', '127.0.0.1', '--port', str(port),
             *extra], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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
    """One server, with the models of :data:`MODEL_NAMES`, for the tests that only talk
    to it."""
    pytest.importorskip('gradio')
    pytest.importorskip('gradio_client')
    root = tmp_path_factory.mktemp('webui')
    write_inputs(root)
    models = write_models(root)
    proc, url, log_path = start_server(root, '--max-file-size', '1mb', '--queue-size', '4',
                                       models=models)
    try:
        yield dict(root=root, url=url, client=make_client(url, root), log=log_path,
                   models=models)
    finally:
        stop(proc)


@pytest.fixture(scope='module')
def inferencers(server):
    """The server's models loaded here: {name: TryOnInferencer}."""
    from vtonbox.apis import TryOnInferencer
    return {name: TryOnInferencer(*files, device='cpu')
            for name, files in server['models'].items()}


def predict(server, person, cloth='shirt.png', mask=None, *model):
    """``/tryon`` with person, garment, mask and, when given, the model's name."""
    from gradio_client import handle_file
    root = server['root']
    return server['client'].predict(
        handle_file(str(root / person)), handle_file(str(root / cloth)) if cloth else None,
        handle_file(str(root / mask)) if mask else None, *model, api_name='/tryon')


def assert_served_equals(paths, expected):
    """The served (mask, warped, try-on) PNGs hold the Inferencer's result arrays."""
    for path, key in zip(paths, ('cloth_mask', 'warped_cloth', 'tryon')):
        served, wanted = np.asarray(Image.open(path)).squeeze(), expected[key].squeeze()
        assert served.shape == wanted.shape and np.array_equal(served, wanted), key


def page_config(server) -> dict:
    with urllib.request.urlopen(server['url'] + 'config', timeout=30) as response:
        return json.load(response)


def test_serves_tryon_endpoint(server, inferencers):
    """The page returns what the Inferencer computes for the same files; without a
    model name (as a client of the one-model page calls it) the first model runs."""
    mask_path, warped_path, tryon_path, notes = predict(server, 'person.jpg')
    root = server['root']
    assert Image.open(tryon_path).size == (151, 203)
    assert Image.open(warped_path).size == (151, 203)
    mask = np.asarray(Image.open(mask_path))
    assert mask.shape[:2] == (130, 101) and set(np.unique(mask)) <= {0, 255}
    assert notes == ''
    expected = inferencers['PF-AFN'](str(root / 'person.jpg'), str(root / 'shirt.png'))[0]
    assert_served_equals((mask_path, warped_path, tryon_path), expected)


def test_default_model_without_mask_and_model_arguments(server, inferencers):
    from gradio_client import handle_file
    root = server['root']
    served = server['client'].predict(handle_file(str(root / 'person.jpg')),
                                      handle_file(str(root / 'shirt.png')), api_name='/tryon')
    expected = inferencers['PF-AFN'](str(root / 'person.jpg'), str(root / 'shirt.png'))[0]
    assert_served_equals(served[:3], expected)


def test_switching_models_gives_each_models_output(server, inferencers):
    """The same garment through every model, the first again at the end: each result is
    that model's own, so no model reuses another's garment features."""
    root = server['root']
    person, cloth = str(root / 'person.jpg'), str(root / 'shirt.png')
    tryons = []
    for name in MODEL_NAMES + MODEL_NAMES[:1]:
        served = predict(server, 'person.jpg', 'shirt.png', None, name)
        assert_served_equals(served[:3], inferencers[name](person, cloth)[0])
        tryons.append(np.asarray(Image.open(served[2])))
    assert not np.array_equal(tryons[0], tryons[1])  # another architecture
    assert not np.array_equal(tryons[0], tryons[2])  # same architecture, other weights
    assert np.array_equal(tryons[0], tryons[3])


def test_unknown_model_is_a_clear_error(server):
    with pytest.raises(Exception) as info:
        predict(server, 'person.jpg', 'shirt.png', None, 'FS-VTON')
    assert type(info.value).__name__ == 'AppError'
    assert str(info.value) == ("unknown model 'FS-VTON'; choose one of 'PF-AFN', "
                               "'mobile (DM-VTON style)', 'PF-AFN seed 1'")


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


def table_rows(markdown: str) -> dict:
    """{model name: its cells} of the models' table."""
    rows = [line.strip('|').split(' | ') for line in markdown.splitlines()[2:]]
    return {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in rows}


def test_page_has_a_model_selector_and_table(server, inferencers):
    components = page_config(server)['components']
    (selector,) = [c['props'] for c in components if c.get('type') == 'dropdown']
    assert selector['label'] == 'Model' and selector['value'] == 'PF-AFN'
    assert [choice[0] for choice in selector['choices']] == list(MODEL_NAMES)
    (table,) = [c['props']['value'] for c in components
                if c.get('type') == 'markdown' and c['props'].get('elem_id') == 'model-info']
    rows = table_rows(table)
    assert list(rows) == list(MODEL_NAMES)
    for name, (config, checkpoint) in server['models'].items():
        count = sum(p.numel() for p in inferencers[name].model.parameters())
        size = 'x'.join(map(str, inferencers[name].model_size))
        assert rows[name][:4] == [f'{count / 1e6:.2f} M ({count:,})',
                                  f'{size} on cpu (fp32, fast inference graph)',
                                  f'`{config}`', f'`{checkpoint}`']
    assert rows['mobile (DM-VTON style)'][1].startswith('128x96')


def test_table_shows_the_latency_of_the_last_request(server):
    """(The model given as a keyword this time.)"""
    from gradio_client import handle_file
    root = server['root']
    server['client'].predict(handle_file(str(root / 'person.jpg')),
                             handle_file(str(root / 'shirt.png')),
                             model='mobile (DM-VTON style)', api_name='/tryon')
    rows = table_rows(server['client'].predict(api_name='/model_table'))
    latency = rows['mobile (DM-VTON style)'][4]
    assert re.fullmatch(r'\d+ ms', latency) and int(latency.split()[0]) < REQUEST_TIMEOUT * 1000


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
    """Also: --config/--checkpoint serve one model named after the config file."""
    pytest.importorskip('gradio')
    write_inputs(tmp_path)
    proc, url, log_path = start_server(tmp_path)
    try:
        work = [p for p in os.listdir(tmp_path / 'tmp') if p.startswith('vtonbox-webui-')]
        assert len(work) == 1
        (selector,) = [c['props'] for c in page_config(dict(url=url))['components']
                       if c.get('type') == 'dropdown']
        assert [choice[0] for choice in selector['choices']] == ['tiny_pfafn']
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


# ----------------------------------------------------------------- model arguments and files
@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    """Good files of :data:`MODEL_NAMES`, plus a missing, an empty, a corrupt and an
    unreadable one: {name: path}."""
    root = tmp_path_factory.mktemp('webui_models')
    files = dict(models=write_models(root), missing=str(root / 'missing.pth'),
                 empty=str(root / 'empty.pth'), corrupt=str(root / 'corrupt.pth'),
                 bad_config=str(root / 'bad_config.py'))
    (root / 'empty.pth').write_bytes(b'')
    (root / 'corrupt.pth').write_bytes(open(files['models']['PF-AFN'][1], 'rb').read()[:300])
    (root / 'bad_config.py').write_text('model = dict(\n')
    return files


def run_webui(argv, monkeypatch, capsys, loads=False):
    """``tools/webui.py argv`` in this process on a free port: (exit code, stderr).
    Unless ``loads``, loading a model fails the test (the error must come first)."""
    pytest.importorskip('gradio')
    tool = load_tool()
    if not loads:
        def no_model(*args, **kwargs):
            raise AssertionError('a model was loaded before the error was found')

        monkeypatch.setattr(tool, 'TryOnInferencer', no_model)
    code = tool.main([*argv, '--port', str(free_port())])
    return code, capsys.readouterr().err


def with_model(models, name, config=None, checkpoint=None):
    """``--model`` arguments of ``models`` with ``name``'s config or checkpoint replaced."""
    changed = dict(models)
    changed[name] = (config or models[name][0], checkpoint or models[name][1])
    return model_args(changed)


def test_missing_config_of_a_model(model_files, monkeypatch, capsys):
    missing = str(osp.join(osp.dirname(model_files['missing']), 'missing.py'))
    code, err = run_webui(with_model(model_files['models'], 'PF-AFN seed 1', config=missing),
                          monkeypatch, capsys)
    assert code == 2
    assert err == (f"error: model 'PF-AFN seed 1': config file not found: {missing}; check "
                   'the path (configs are listed in configs/)\n')


def test_broken_config_of_a_model(model_files, monkeypatch, capsys):
    bad = model_files['bad_config']
    code, err = run_webui(with_model(model_files['models'], 'mobile (DM-VTON style)',
                                     config=bad), monkeypatch, capsys)
    assert code == 2 and err.count('\n') == 1
    assert err.startswith("error: model 'mobile (DM-VTON style)': ") and bad in err


def test_missing_checkpoint_of_a_model(model_files, monkeypatch, capsys):
    missing = model_files['missing']
    code, err = run_webui(with_model(model_files['models'], 'PF-AFN seed 1',
                                     checkpoint=missing), monkeypatch, capsys)
    assert code == 2
    assert err == (f"error: model 'PF-AFN seed 1': checkpoint file not found ({missing}): "
                   'pass the model weights with CHECKPOINT of --model PF-AFN seed 1 (see '
                   'docs/user_guides/inference.md)\n')


@pytest.mark.parametrize('kind, reason', [
    ('empty', 'checkpoint is an empty file'),
    ('corrupt', r'not a PyTorch checkpoint \(.*\)'),
])
def test_broken_checkpoint_of_a_model(model_files, monkeypatch, capsys, kind, reason):
    path = model_files[kind]
    code, err = run_webui(with_model(model_files['models'], 'mobile (DM-VTON style)',
                                     checkpoint=path), monkeypatch, capsys)
    assert code == 2 and err.count('\n') == 1
    assert re.fullmatch(rf"error: model 'mobile \(DM-VTON style\)': {reason} "
                        rf'\({re.escape(path)}\): .+\n', err), err


def test_checkpoint_of_another_config(model_files, monkeypatch, capsys):
    """Found while loading (the keys do not fit): one line naming the model and file."""
    models = model_files['models']
    code, err = run_webui(with_model(models, 'mobile (DM-VTON style)',
                                     checkpoint=models['PF-AFN'][1]), monkeypatch, capsys,
                          loads=True)
    assert code == 2 and err.count('\n') == 1
    assert err.startswith("error: model 'mobile (DM-VTON style)': ")
    assert models['PF-AFN'][1] in err and 'missing' in err


def test_missing_checkpoint_of_the_one_model_is_reported_as_before(tmp_path, monkeypatch,
                                                                   capsys):
    missing = str(tmp_path / 'missing.pth')
    code, err = run_webui(['--checkpoint', missing], monkeypatch, capsys)
    assert code == 2
    assert err == (f'error: checkpoint file not found ({missing}): pass the model weights '
                   'with --checkpoint (see docs/user_guides/inference.md)\n')


def test_model_names_must_be_unique(model_files, monkeypatch, capsys):
    config, checkpoint = model_files['models']['PF-AFN']
    code, err = run_webui(['--model', 'A', config, checkpoint, '--model', 'A', config,
                           checkpoint], monkeypatch, capsys)
    assert code == 2
    assert err == ("error: model name 'A' is given twice (--model): give each model its "
                   'own name\n')


@pytest.mark.parametrize('argv, expected', [
    (['--checkpoint', 'x.pth', '--model', 'A', 'c.py', 'x.pth'],
     'error: --model cannot be combined with --config/--checkpoint: give every model as '
     '--model NAME CONFIG CHECKPOINT\n'),
    ([], 'error: no model given: pass --checkpoint CKPT [--config CFG], or --model NAME '
         'CONFIG CHECKPOINT for each model (see docs/user_guides/inference.md)\n'),
    (['--model', ' ', 'c.py', 'x.pth'],
     "error: empty model name (--model ' ' c.py x.pth): give each model a name, e.g. "
     '--model PF-AFN CONFIG CHECKPOINT\n'),
])
def test_model_arguments(monkeypatch, capsys, argv, expected):
    code, err = run_webui(argv, monkeypatch, capsys)
    assert code == 2 and err == expected
