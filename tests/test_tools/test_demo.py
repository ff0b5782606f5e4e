"""tools/demo.py: photos of any size and format, pair lists, and a clear message with exit
code 2 (never a traceback) for every kind of bad input."""
import importlib.util
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers.tiny_model import garment_photo, person_photo, write_tiny_model

TOOL = osp.join(REPO_ROOT, 'tools', 'demo.py')
#: Seconds for a subprocess run (imports dominate on a shared CPU).
TOOL_TIMEOUT = 300


def load_tool():
    spec = importlib.util.spec_from_file_location('vtonbox_demo_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def demo():
    return load_tool()


@pytest.fixture(autouse=True)
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """Tiny model and photos: odd sizes, every common format."""
    root = tmp_path_factory.mktemp('demo')
    config, checkpoint = write_tiny_model(root)
    photo = person_photo(203, 151, seed=1)
    Image.fromarray(photo).save(root / 'rgb.png')
    Image.fromarray(person_photo(151, 203, seed=2)).save(root / 'landscape.jpg', quality=90)
    rgba = np.dstack([photo, np.full(photo.shape[:2], 200, np.uint8)])
    Image.fromarray(rgba, 'RGBA').save(root / 'rgba.png')
    Image.fromarray(photo[..., 1]).save(root / 'gray.png')
    cv2.imwrite(str(root / 'deep16.png'), photo[..., ::-1].astype(np.uint16) * 257)
    Image.fromarray(photo).convert('CMYK').save(root / 'cmyk.jpg', quality=90)
    cloth, mask = garment_photo(130, 101, seed=3)
    Image.fromarray(cloth).save(root / 'shirt.jpg', quality=95)
    Image.fromarray(mask).save(root / 'shirt_mask.png')
    Image.fromarray(mask[::2, ::2]).save(root / 'small_mask.png')
    Image.fromarray(photo[:20, :40]).save(root / 'tiny.png')
    Image.fromarray(person_photo(40, 4200, seed=4)).save(root / 'huge.png')
    (root / 'notes.jpg').write_text('this is not an image')
    Image.fromarray(person_photo(400, 300, seed=5)).save(root / 'full.jpg', quality=90)
    data = (root / 'full.jpg').read_bytes()
    (root / 'cut.jpg').write_bytes(data[:len(data) // 2])
    return dict(root=root, config=config, checkpoint=checkpoint)


def run_main(demo, files, capsys, *args, cloth='shirt.jpg', out='out'):
    root = files['root']
    argv = ['--config', files['config'], '--checkpoint', files['checkpoint'],
            '--out-dir', str(root / out)]
    if cloth is not None:
        argv += ['--cloth', str(root / cloth)]
    code = demo.main(argv + list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_format_and_odd_size_in_a_subprocess(files):
    root = files['root']
    names = ['rgb.png', 'landscape.jpg', 'rgba.png', 'gray.png', 'deep16.png', 'cmyk.jpg']
    proc = subprocess.run(
        [sys.executable, TOOL, '--person', *[str(root / n) for n in names], '--cloth',
         str(root / 'shirt.jpg'), '--config', files['config'], '--checkpoint',
         files['checkpoint'], '--out-dir', str(root / 'formats'), '--save-strip',
         '--batch-size', '2'], cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True,
        timeout=TOOL_TIMEOUT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Traceback' not in proc.stderr
    assert f'Saved 6 try-on image(s) to {root / "formats"}' in proc.stdout
    for name in names:
        stem = osp.splitext(name)[0]
        width, height = Image.open(root / name).size
        tryon = Image.open(root / 'formats' / f'{stem}__shirt.png')
        assert tryon.size == (width, height) and tryon.mode == 'RGB', name
        assert Image.open(root / 'formats' / 'strips' / f'{stem}__shirt.png').size[1] == height


def test_pair_list_with_mask_folder(demo, files, capsys):
    root = files['root']
    (root / 'test_edge').mkdir(exist_ok=True)
    Image.fromarray(np.asarray(Image.open(root / 'shirt_mask.png'))).save(
        root / 'test_edge' / 'shirt.png')
    (root / 'pairs.txt').write_text('rgb.png shirt.jpg\ngray.png shirt.jpg\n')
    code, out, err = run_main(demo, files, capsys, '--pairs', str(root / 'pairs.txt'),
                              '--mask-dir', 'test_edge', cloth=None, out='pairs_out')
    assert code == 0, err
    assert sorted(p.name for p in (root / 'pairs_out').glob('*.png')) == [
        'gray__shirt.png', 'rgb__shirt.png']
    assert 'Saved 2 try-on image(s)' in out


def test_huge_photo_is_downscaled_with_a_note(demo, files, capsys):
    code, out, err = run_main(demo, files, capsys, '--person', str(files['root'] / 'huge.png'),
                              out='huge_out')
    assert code == 0, err
    assert 'warning:' in err and '4200x40 pixels' in err and 'downscaled to 4096x39' in err
    assert Image.open(files['root'] / 'huge_out' / 'huge__shirt.png').size == (4096, 39)


def test_mask_of_another_size_is_resized_with_a_warning(demo, files, capsys):
    root = files['root']
    code, out, err = run_main(demo, files, capsys, '--person', str(root / 'rgb.png'),
                              '--cloth-mask', str(root / 'small_mask.png'), out='mask_out')
    assert code == 0, err
    assert 'warning:' in err and 'small_mask.png is 51x65 pixels' in err and 'resized' in err
    assert (root / 'mask_out' / 'rgb__shirt.png').is_file()


@pytest.mark.parametrize('person, expected', [
    ('missing.jpg', 'person photo not found ('),
    ('notes.jpg', 'notes.jpg: cannot decode image'),
    ('cut.jpg', 'cut.jpg: '),
    ('tiny.png', 'tiny.png is 40x20 pixels; both sides must be at least 32'),
])
def test_bad_photos(demo, files, capsys, person, expected):
    code, out, err = run_main(demo, files, capsys, '--person', str(files['root'] / person))
    assert code == 2
    assert err.startswith('error: ') and expected in err
    assert 'Traceback' not in err + out


def test_bad_garment_and_mask_files(demo, files, capsys):
    root = files['root']
    code, _, err = run_main(demo, files, capsys, '--person', str(root / 'rgb.png'),
                            cloth='notes.jpg')
    assert code == 2 and 'notes.jpg: cannot decode image' in err
    code, _, err = run_main(demo, files, capsys, '--person', str(root / 'rgb.png'),
                            '--cloth-mask', str(root / 'no_mask.png'))
    assert code == 2 and 'garment mask not found (' in err and 'no_mask.png)' in err


def test_missing_garment_is_reported_before_the_model_is_built(demo, files, capsys,
                                                              monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError('the model was built before the paths were checked')

    monkeypatch.setattr(demo, 'TryOnInferencer', no_model)
    root = files['root']
    code, out, err = run_main(demo, files, capsys, '--person', str(root / 'rgb.png'),
                              cloth='no_shirt.jpg')
    assert code == 2 and 'Traceback' not in err + out
    assert err == (f'error: garment photo not found ({root / "no_shirt.jpg"}): check the '
                   'path given with --cloth\n')


def test_missing_checkpoint_is_reported_before_the_model_is_built(demo, files, capsys,
                                                                  monkeypatch, tmp_path):
    monkeypatch.setattr(demo, 'TryOnInferencer', None)  # calling it would be a TypeError
    root = files['root']
    code = demo.main(['--person', str(root / 'rgb.png'), '--cloth', str(root / 'shirt.jpg'),
                      '--config', files['config'], '--checkpoint', str(tmp_path / 'no.pth'),
                      '--out-dir', str(tmp_path / 'out')])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f'error: checkpoint not found ({tmp_path / "no.pth"})')


def test_out_dir_that_is_a_file(demo, files, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(demo, 'TryOnInferencer', None)
    (tmp_path / 'taken').write_text('a file')
    code, _, err = run_main(demo, files, capsys, '--person', str(files['root'] / 'rgb.png'),
                            out=str(tmp_path / 'taken'))
    assert code == 2 and err.startswith('error: --out-dir is a file, not a folder (')


def test_checkpoint_that_does_not_fit_the_config(demo, files, capsys, tmp_path):
    state = torch.load(files['checkpoint'], weights_only=True)
    weights = state['state_dict']
    weights['generator.renamed'] = weights.pop('generator.model.model.0.weight')
    weights['warp_model.cloth_fpn.smooth.0.weight'] = torch.zeros(32, 32, 3, 3)
    bad = tmp_path / 'bad.pth'
    torch.save(state, bad)
    root = files['root']
    code = demo.main(['--person', str(root / 'rgb.png'), '--cloth', str(root / 'shirt.jpg'),
                      '--config', files['config'], '--checkpoint', str(bad), '--out-dir',
                      str(tmp_path / 'out')])
    err = capsys.readouterr().err
    assert code == 2 and 'Traceback' not in err
    assert f'checkpoint {bad} does not fit the model of {files["config"]}' in err
    assert '1 missing key(s): generator.model.model.0.weight' in err
    assert '1 unexpected key(s): generator.renamed' in err
    assert ('warp_model.cloth_fpn.smooth.0.weight (weights [32, 32, 3, 3] vs model '
            '[16, 16, 3, 3])') in err


def test_unknown_or_unavailable_device(demo, files, capsys, monkeypatch):
    root = files['root']
    code, _, err = run_main(demo, files, capsys, '--person', str(root / 'rgb.png'),
                            '--device', 'tpu')
    assert code == 2 and "unknown device 'tpu'" in err
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    code, _, err = run_main(demo, files, capsys, '--person', str(root / 'rgb.png'),
                            '--device', 'cuda')
    assert code == 2 and 'no CUDA device is available (--device cuda)' in err


def test_missing_config_and_usage_errors(demo, files, capsys):
    root = files['root']
    code = demo.main(['--person', str(root / 'rgb.png'), '--cloth', str(root / 'shirt.jpg'),
                      '--config', 'nope.py', '--checkpoint', files['checkpoint'],
                      '--out-dir', str(root / 'o')])
    assert code == 2 and 'config file not found: nope.py' in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        demo.main(['--person', str(root / 'rgb.png'), '--checkpoint', files['checkpoint'],
                   '--out-dir', str(root / 'o')])
    assert info.value.code == 2 and 'give --person and --cloth' in capsys.readouterr().err


def test_bad_input_in_a_subprocess_prints_no_traceback(files):
    root = files['root']
    proc = subprocess.run(
        [sys.executable, TOOL, '--person', str(root / 'cut.jpg'), '--cloth',
         str(root / 'shirt.jpg'), '--config', files['config'], '--checkpoint',
         files['checkpoint'], '--out-dir', str(root / 'never')], cwd=REPO_ROOT,
        env=tool_env(), capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    assert proc.returncode == 2
    assert 'error: ' in proc.stderr and 'cut.jpg' in proc.stderr
    assert 'Traceback' not in proc.stderr + proc.stdout


def test_fast_graph_by_default_and_no_optimize(demo, files, capsys, monkeypatch):
    made = []
    real = demo.TryOnInferencer

    def recording(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(demo, 'TryOnInferencer', recording)
    outputs = {}
    for flags, out in (((), 'fast_out'), (('--no-optimize', '--channels-last'), 'plain_out')):
        code, _, err = run_main(demo, files, capsys, '--person',
                                str(files['root'] / 'rgb.png'), *flags, out=out)
        assert code == 0, err
        outputs[out] = np.asarray(Image.open(next((files['root'] / out).glob('*.png'))))
    assert made[0].optimized and not made[1].optimized
    assert made[1].model.data_preprocessor.channels_last
    assert np.abs(outputs['fast_out'].astype(int) - outputs['plain_out']).max() <= 1
