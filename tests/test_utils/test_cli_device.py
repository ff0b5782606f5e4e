"""``check_device``: the one device check of the tools and the inference API."""
import pytest
import torch

from vtonbox.utils.cli import UserError, check_device


@pytest.fixture
def two_gpus(monkeypatch):
    """A machine with two CUDA devices, as far as ``check_device`` can tell."""
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)


def line_of(device, option='--device'):
    with pytest.raises(UserError) as info:
        check_device(device, option)
    return info.value.line()


def test_cpu_and_torch_devices_pass():
    assert check_device('cpu') == torch.device('cpu')
    assert check_device(torch.device('cpu')) == torch.device('cpu')


@pytest.mark.parametrize('device', ['tpu', 'gpu0', 'cuda:x', ''])
def test_bad_strings(device):
    assert line_of(device) == (f"unknown device {device!r} (--device): "
                               "use 'cpu', 'cuda', 'cuda:N' or 'mps'")


def test_device_types_a_model_cannot_run_on():
    assert line_of('meta', '--preprocess') == (
        "unsupported device 'meta' (--preprocess): use 'cpu', 'cuda', 'cuda:N' or 'mps'")


def test_cuda_missing(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert line_of('cuda') == 'no CUDA device is available (--device cuda): use --device cpu'
    assert line_of('cuda:0', '--inception-device') == (
        'no CUDA device is available (--inception-device cuda:0): '
        'use --inception-device cpu')


def test_cuda_index_out_of_range(two_gpus):
    assert line_of('cuda:2') == ('there is no CUDA device 2 (2 available) (--device cuda:2): '
                                 'use an index below 2')


def test_cuda_index_in_range(two_gpus):
    assert check_device('cuda:1') == torch.device('cuda', 1)
    assert check_device('cuda') == torch.device('cuda')


def test_mps_missing(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, 'is_available', lambda: False)
    assert line_of('mps') == 'MPS is not available (--device mps): use --device cpu'
