import pytest
import torch

from tests.test_apis.tiny_model import write_tiny_config
from tests.test_engine.test_benchmark.tiny_configs import TINY_SIZE
from vtonbox.deploy import load_tryon_model


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

    partial = {k: v for k, v in model.state_dict().items() if not k.startswith('generator.')}
    torch.save(partial, tmp_path / 'partial.pth')
    with pytest.raises(KeyError, match='missing keys'):
        load_tryon_model(config, str(tmp_path / 'partial.pth'))
