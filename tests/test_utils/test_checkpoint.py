"""Safe checkpoint loading: MMEngine state loads with weights_only=True, nothing more."""
import io
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import vtonbox  # noqa: F401  (registers the safe globals)


def roundtrip(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_message_hub_state_roundtrips_with_weights_only():
    hub = MessageHub.get_instance('vtonbox_test_hub')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', np.float32(0.5))
    hub.update_info('iter', 3)
    state = dict(message_hub=hub.state_dict(), meta=dict(seed=np.int64(7)),
                 array=np.arange(4, dtype=np.float64))
    loaded = roundtrip(state)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(1.0)
    assert buffer.statistics('current') == pytest.approx(0.5)
    assert loaded['meta']['seed'] == 7
    np.testing.assert_array_equal(loaded['array'], np.arange(4))


def test_getattr_stays_forbidden():
    class Evil:
        def __reduce__(self):
            return (getattr, (print, '__call__'))
    buffer = io.BytesIO()
    pickle.dump({'x': Evil()}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(buffer, weights_only=True)
