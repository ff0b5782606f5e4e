"""FID Inception: same modules and features as pytorch-fid's InceptionV3, never downloads."""
import os.path as osp

import pytest
import pytorch_fid.inception as pytorch_fid_inception
import torch

from vtonbox.evaluation.errors import EvaluationInputError
from vtonbox.evaluation.functional.inception import (
    FID_WEIGHTS_FILENAME,
    FIDInceptionV3,
    default_inception_weights_path,
    inception_features,
    resolve_inception_weights,
)


def _forbid_download(*args, **kwargs):
    raise AssertionError('a download was attempted')


def test_features_equal_pytorch_fid_inception(inception_weights, monkeypatch):
    # vtonbox must not touch pytorch-fid's download path at all.
    monkeypatch.setattr(pytorch_fid_inception, 'load_state_dict_from_url', _forbid_download)
    model = FIDInceptionV3(inception_weights)
    # pytorch-fid's own network, its weight loading redirected to the same file.
    monkeypatch.setattr(pytorch_fid_inception, 'load_state_dict_from_url',
                        lambda url, progress=True: torch.load(inception_weights,
                                                              weights_only=True))
    reference = pytorch_fid_inception.InceptionV3([3]).eval()
    ours_state, reference_state = model.state_dict(), reference.state_dict()
    assert reference_state.keys() == ours_state.keys()
    for key, value in reference_state.items():
        assert torch.equal(value, ours_state[key]), key

    images = torch.randint(0, 256, (1, 3, 32, 48), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(0))
    # Features are float32 even under a caller's bf16 autocast (parity needs float32).
    with torch.autocast('cpu', dtype=torch.bfloat16):
        ours = inception_features(model, images, batch_size=1)
    with torch.no_grad():
        expected = reference(images.float() / 255)[0].squeeze(3).squeeze(2).numpy()
    assert ours.shape == (1, 2048) and ours.dtype == expected.dtype
    assert abs(ours - expected).max() <= 1e-6 * max(1.0, abs(expected).max())
    assert ours.std() > 0  # the random network does not collapse to a constant


def test_missing_weights_error_names_file_and_place(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    assert default_inception_weights_path() == osp.join(
        str(tmp_path / 'hub'), 'checkpoints', FID_WEIGHTS_FILENAME)
    with pytest.raises(FileNotFoundError) as error:
        resolve_inception_weights()
    message = str(error.value)
    assert FID_WEIGHTS_FILENAME in message
    assert osp.join(str(tmp_path / 'hub'), 'checkpoints') in message
    assert 'inception_weights=' in message and 'https://' in message
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        FIDInceptionV3(str(tmp_path / 'nothing.pth'))


def test_bad_weights_files_are_one_line_user_errors(inception_weights, tmp_path):
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(open(inception_weights, 'rb').read()[:1000])
    with pytest.raises(EvaluationInputError) as error:
        FIDInceptionV3(str(truncated))
    assert error.value.line().startswith(
        f'FID Inception weights are not a PyTorch file (truncated or corrupt) ({truncated}): '
        f'fetch {FID_WEIGHTS_FILENAME} again')
    other = tmp_path / 'other.pth'
    torch.save({'fc.weight': torch.zeros(2, 2)}, str(other))
    with pytest.raises(EvaluationInputError, match='these are not the FID Inception weights'):
        FIDInceptionV3(str(other))
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(EvaluationInputError, match='FID Inception weights file is empty'):
        FIDInceptionV3(str(empty))


def test_inception_features_input_checks(inception_weights):
    model = FIDInceptionV3(inception_weights)
    with pytest.raises(TypeError, match='uint8'):
        inception_features(model, torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'):
        inception_features(model, torch.zeros(3, 8, 8, dtype=torch.uint8))
