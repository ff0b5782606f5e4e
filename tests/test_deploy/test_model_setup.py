import pytest
import torch

from tests.helpers.tiny_configs import TINY_SIZE
from tests.helpers.tiny_model import write_tiny_config
from vtonbox.deploy import load_tryon_model
from vtonbox.utils.checkpoint import CheckpointError
from vtonbox.utils.state_dict import WeightsMismatchError


def test_random_and_checkpoint_weights(tmp_path):
    config = write_tiny_config(tmp_path, size=TINY_SIZE)
    model, cfg = load_tryon_model(config, seed=3)
    assert not model.training and cfg.model.type == 'ParserFreeTryOn'
    assert model.teacher is None and model.gen_loss is None  # inference-only
    means = [b for n, b in model.named_buffers() if n.endswith('running_mean')]
    assert any(m.abs().sum() > 0 for m in means)  # random BN statistics
    again, _ = load_tryon_model(config, seed=3)
    for (name, a), b in zip(model.state_dict().items(), again.state_dict().values()):
        assert torch.equal(a, b), name

    path = tmp_path / 'w.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    loaded, _ = load_tryon_model(config, str(path), seed=7)
    torch.testing.assert_close(loaded.state_dict(), model.state_dict())


def test_checkpoints_are_loaded_strictly(tmp_path):
    """Missing, unexpected and mis-shaped keys all fail, listed; a training checkpoint's
    teacher and loss keys (parts the inference model leaves as None) do not."""
    config = write_tiny_config(tmp_path, size=TINY_SIZE)
    model, _ = load_tryon_model(config, seed=3)
    state = model.state_dict()

    training = dict(state, **{'teacher.warp_model.x.weight': torch.zeros(1),
                              'gen_loss.vgg.features.0.weight': torch.zeros(1)})
    torch.save(dict(state_dict=training), tmp_path / 'training.pth')
    loaded, _ = load_tryon_model(config, str(tmp_path / 'training.pth'), seed=7)
    torch.testing.assert_close(loaded.state_dict(), state)

    partial = {k: v for k, v in state.items() if not k.startswith('generator.')}
    extra = dict(state, **{'generator.extra_head.weight': torch.zeros(2)})
    shape_key = 'warp_model.cloth_fpn.smooth.0.weight'
    reshaped = dict(state, **{shape_key: torch.zeros(3, 3, 3, 3)})
    cases = dict(partial=(partial, 'missing key(s): generator.'),
                 extra=(extra, '1 unexpected key(s): generator.extra_head.weight'),
                 reshaped=(reshaped, f'1 shape mismatch(es): {shape_key} (weights [3, 3, 3, 3]'))
    for name, (weights, listed) in cases.items():
        path = tmp_path / f'{name}.pth'
        torch.save(weights, path)
        with pytest.raises(WeightsMismatchError) as info:
            load_tryon_model(config, str(path))
        assert f'checkpoint {path} does not fit the model of {config}' in str(info.value)
        assert listed in str(info.value), name
    with pytest.raises(CheckpointError, match='checkpoint not found'):
        load_tryon_model(config, str(tmp_path / 'absent.pth'))
