"""tools/demo.py and tools/test.py with DM-VTON's mobile student (the synthetic config
configs/synthetic/dmvton_student.py, seeded random weights): the demo's fast graph gives
the try-on of the model as built, and tools/test.py's saved try-ons are what the
Inferencer (fast graph) makes of the same pairs."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers.tiny_model import garment_photo, person_photo
from vtonbox.apis import TryOnInferencer
from vtonbox.datasets import make_synthetic_viton
from vtonbox.deploy import load_tryon_model

DMVTON = osp.join(REPO_ROOT, 'configs', 'synthetic', 'dmvton_student.py')
#: The synthetic config's model size.
HEIGHT, WIDTH = 128, 96
DEMO = osp.join(REPO_ROOT, 'tools', 'demo.py')
TEST_TOOL = osp.join(REPO_ROOT, 'tools', 'test.py')


@pytest.fixture(autouse=True)
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    model, _ = load_tryon_model(DMVTON, seed=0)
    path = str(tmp_path_factory.mktemp('dmvton_tools') / 'dmvton_student.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def load_demo():
    spec = importlib.util.spec_from_file_location('vtonbox_demo_tool', DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_fast_graph_matches_model_as_built(checkpoint, tmp_path, capsys):
    Image.fromarray(person_photo(203, 151, seed=1)).save(tmp_path / 'person.png')
    cloth, mask = garment_photo(130, 101, seed=2)
    Image.fromarray(cloth).save(tmp_path / 'shirt.jpg', quality=95)
    Image.fromarray(mask).save(tmp_path / 'shirt_mask.png')
    demo = load_demo()
    outputs = {}
    for name, extra in (('fast', []), ('plain', ['--no-optimize'])):
        code = demo.main(['--config', DMVTON, '--checkpoint', checkpoint, '--person',
                          str(tmp_path / 'person.png'), '--cloth', str(tmp_path / 'shirt.jpg'),
                          '--cloth-mask', str(tmp_path / 'shirt_mask.png'), '--out-dir',
                          str(tmp_path / name), *extra])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert 'Saved 1 try-on image(s)' in captured.out
        outputs[name] = np.asarray(Image.open(tmp_path / name / 'person__shirt.png'))
    assert outputs['fast'].shape == (203, 151, 3)
    diff = np.abs(outputs['fast'].astype(int) - outputs['plain'].astype(int))
    assert diff.max() <= 1


def test_test_tool_paired_protocol_and_inferencer_agree(checkpoint, tmp_path):
    data = tmp_path / 'data'
    make_synthetic_viton(str(data), num_train=0, num_test=2, seed=3, height=HEIGHT,
                         width=WIDTH)
    out, show = tmp_path / 'metrics.json', tmp_path / 'show'
    options = [f'val_dataloader.dataset.data_root={data}', 'val_dataloader.num_workers=0',
               f'test_dataloader.dataset.data_root={data}', 'test_dataloader.num_workers=0']
    env = dict(tool_env(), TORCH_HOME=str(tmp_path / 'torch_home'))  # no FID weights
    result = subprocess.run(
        [sys.executable, TEST_TOOL, DMVTON, checkpoint, '--work-dir', str(tmp_path / 'w'),
         '--protocols', 'paired', '--out', str(out), '--show-dir', str(show),
         '--cfg-options', *options], cwd=REPO_ROOT, env=env, capture_output=True,
        text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    record = json.loads(out.read_text())
    assert {'SSIM', 'PSNR'} <= set(record['metrics'])
    assert record['protocol']['num_images'] == 2
    person_name, cloth_name = (data / 'test_pairs_paired.txt').read_text().split()[:2]
    inferencer = TryOnInferencer(DMVTON, checkpoint)
    assert inferencer.optimized
    output = inferencer(str(data / 'test_img' / person_name),
                        str(data / 'test_color' / cloth_name),
                        str(data / 'test_edge' / cloth_name))[0]
    stem = f'{osp.splitext(person_name)[0]}__{osp.splitext(cloth_name)[0]}.png'
    from_tool = cv2.cvtColor(cv2.imread(str(show / 'paired' / stem)), cv2.COLOR_BGR2RGB)
    assert output['tryon'].shape == from_tool.shape == (HEIGHT, WIDTH, 3)
    assert np.abs(output['tryon'].astype(int) - from_tool.astype(int)).max() <= 1
