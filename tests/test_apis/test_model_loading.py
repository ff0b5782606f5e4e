"""Checkpoint loading and device checks of the inference API."""
import pytest
import torch

from tests.helpers.tiny_model import build_tiny_model, write_tiny_config
from vtonbox.apis import CheckpointMismatchError, InferenceSetupError, load_weights, parse_device
from vtonbox.apis.model_loading import check_precision, resolve_config_path


@pytest.fixture(scope='module')
def model_and_state(tmp_path_factory):
    config = write_tiny_config(tmp_path_factory.mktemp('tiny_config'))
    model = build_tiny_model(config, seed=1)
    return config, model, {k: v.clone() for k, v in model.state_dict().items()}


def save(tmp_path, state, name='ckpt.pth', wrap=True):
    path = tmp_path / name
    torch.save(dict(state_dict=state) if wrap else state, path)
    return str(path)


def test_loads_mmengine_and_plain_checkpoints(model_and_state, tmp_path):
    config, model, state = model_and_state
    other = build_tiny_model(config, seed=2)
    load_weights(other, save(tmp_path, state))
    for key, value in other.state_dict().items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)
    other = build_tiny_model(config, seed=3)
    prefixed = {f'module.{k}': v for k, v in state.items()}
    load_weights(other, save(tmp_path, prefixed, wrap=False))
    torch.testing.assert_close(other.generator.state_dict(), model.generator.state_dict())


def test_training_checkpoint_keys_are_ignored(model_and_state, tmp_path):
    """A stage-4 training checkpoint also holds the frozen teacher and the losses: the
    inference model (teacher and losses None) loads it, with the student's weights."""
    config, _, state = model_and_state
    training = dict(state)
    training['teacher.warp_model.cloth_encoder.encoders.0.0.block.2.weight'] = torch.zeros(1)
    training['warp_loss.vgg.features.0.weight'] = torch.zeros(1)
    model = build_tiny_model(config, seed=4)
    assert model.teacher is None and model.warp_loss is None
    load_weights(model, save(tmp_path, training))
    loaded = model.state_dict()
    assert set(loaded) == set(state)
    for key, value in state.items():
        torch.testing.assert_close(loaded[key], value, rtol=0, atol=0)
    # only parts the model leaves as None are skipped: another unknown part still fails
    training['discriminator.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError, match='1 unexpected key.*discriminator.weight'):
        load_weights(model, save(tmp_path, training, name='other.pth'))


def test_mismatch_names_missing_unexpected_and_shape_keys(model_and_state, tmp_path):
    config, _, state = model_and_state
    bad = dict(state)
    missing_key = 'generator.model.model.0.weight'
    del bad[missing_key]
    bad['warp_model.extra_head.weight'] = torch.zeros(2)
    shape_key = 'warp_model.cloth_fpn.smooth.0.weight'
    bad[shape_key] = torch.zeros(3, 3, 3, 3)
    path = save(tmp_path, bad)
    with pytest.raises(CheckpointMismatchError) as info:
        load_weights(build_tiny_model(config), path, 'tiny.py')
    message = str(info.value)
    assert path in message and 'tiny.py' in message
    assert f'1 missing key(s): {missing_key}' in message
    assert '1 unexpected key(s): warp_model.extra_head.weight' in message
    assert f'{shape_key} (weights [3, 3, 3, 3] vs model [16, 16, 3, 3])' in message
    assert info.value.missing == [missing_key]


def test_upstream_keys_point_to_the_converter(model_and_state, tmp_path):
    config, _, _ = model_and_state
    upstream = {'image_features.encoders.0.0.block.2.weight': torch.zeros(64, 3, 3, 3),
                'aflow_net.netMain.0.0.weight': torch.zeros(128, 49, 3, 3)}
    with pytest.raises(CheckpointMismatchError, match='pfafn_to_vtonbox.py'):
        load_weights(build_tiny_model(config), save(tmp_path, upstream, wrap=False))


def test_unreadable_checkpoints(model_and_state, tmp_path):
    config, _, _ = model_and_state
    model = build_tiny_model(config)
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    with pytest.raises(InferenceSetupError,
                       match=r'not a PyTorch checkpoint \(truncated or corrupt\) \(.*notes.pth\)'):
        load_weights(model, str(text))
    with pytest.raises(InferenceSetupError, match='checkpoint not found'):
        load_weights(model, str(tmp_path / 'missing.pth'))


def test_devices_and_precisions(monkeypatch):
    """``parse_device`` is the tools' ``check_device`` with the API's error and the same
    messages (their cases are in tests/test_utils/test_cli_device.py)."""
    assert parse_device('cpu') == torch.device('cpu')
    for device in ('tpu', 'gpu0', 'cuda:x'):
        with pytest.raises(InferenceSetupError, match=f"^unknown device '{device}' "):
            parse_device(device)
    with pytest.raises(InferenceSetupError, match="^unsupported device 'meta' "):
        parse_device('meta')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(InferenceSetupError) as info:
        parse_device('cuda')
    assert str(info.value) == 'no CUDA device is available (--device cuda): use --device cpu'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    with pytest.raises(InferenceSetupError, match=r'^there is no CUDA device 1 \(1 available\)'):
        parse_device('cuda:1')
    assert check_precision('bf16', torch.device('cpu')) == torch.bfloat16
    assert check_precision('fp32', torch.device('cpu')) is None
    with pytest.raises(InferenceSetupError, match='precision must be one of'):
        check_precision('int8', torch.device('cpu'))


def test_default_config_resolves_from_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_config_path('configs/pfafn_student.py').endswith('configs/pfafn_student.py')


def test_broken_configs_are_setup_errors(tmp_path):
    from vtonbox.apis import TryOnInferencer
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(type=\n')
    with pytest.raises(InferenceSetupError,
                       match='config file has a syntax error at line 1: .*broken.py; fix it'):
        TryOnInferencer(str(broken))
    config = write_tiny_config(tmp_path)
    with pytest.raises(InferenceSetupError, match='cannot build the model of the given config'):
        TryOnInferencer(dict(model=dict(type='NoSuchTryOn'),
                             test_pipeline=[dict(type='ResizePad', size=(64, 64))]))
    with pytest.raises(InferenceSetupError, match='cannot build the model of .*tiny_pfafn.py'):
        TryOnInferencer(config, cfg_options={'model.generator.ngf': 'wide'})
