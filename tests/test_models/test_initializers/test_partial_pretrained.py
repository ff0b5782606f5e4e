"""PartialPretrained copies the non-excluded keys of one prefix of a checkpoint into a
sub-network, exactly, and names what does not fit."""
import pytest
import torch
from torch import nn

from vtonbox.models.initializers import PartialPretrained
from vtonbox.registry import WEIGHT_INITIALIZERS
from vtonbox.utils.checkpoint import CheckpointError


class Owner(nn.Module):
    """A model with a sub-network ``net`` (a branch ``cond_`` and a head) and another."""

    def __init__(self, width=4):
        super().__init__()
        self.net = nn.ModuleDict(dict(cond_conv=nn.Conv2d(3, width, 3),
                                      head=nn.Sequential(nn.Conv2d(width, 2, 1),
                                                         nn.BatchNorm2d(2))))
        self.other = nn.Linear(2, 2)


def save(tmp_path, model, prefix='net.', name='source.pth'):
    """An MMEngine-style checkpoint of ``model``'s keys, with ``prefix`` in front."""
    path = str(tmp_path / name)
    state = {prefix + k: v for k, v in model.state_dict().items()}
    torch.save({'state_dict': state, 'meta': {}}, path)
    return path


@pytest.fixture
def source():
    torch.manual_seed(0)
    model = Owner()
    with torch.no_grad():
        model.net.head[1].running_mean.uniform_(-1, 1)  # buffers are copied too
    return model


def test_loads_the_prefix_into_the_destination_except_exclusions(tmp_path, source):
    path = save(tmp_path, source.net, prefix='warp_model.')
    torch.manual_seed(1)
    target = Owner()
    before = {k: v.clone() for k, v in target.state_dict().items()}
    PartialPretrained(path, src_prefix='warp_model.', dst='net', exclude=[r'^cond_'])(target)
    for key, value in target.net.state_dict().items():
        if key.startswith('cond_'):
            assert torch.equal(value, before['net.' + key]), key  # left as initialised
        else:
            assert torch.equal(value, source.net.state_dict()[key]), key
    assert torch.equal(target.other.weight, before['other.weight'])  # outside dst


def test_whole_model_and_registry(tmp_path, source):
    path = save(tmp_path, source, prefix='')
    target = Owner()
    init = WEIGHT_INITIALIZERS.build(dict(type='PartialPretrained', checkpoint=path))
    init(target)
    for key, value in target.state_dict().items():
        assert torch.equal(value, source.state_dict()[key]), key


def test_missing_keys_are_named(tmp_path, source):
    path = save(tmp_path, source.net.head, prefix='net.head.')  # no cond_conv keys
    with pytest.raises(CheckpointError, match=r'does not fit net .*2 missing keys: '
                       r'cond_conv\.bias, cond_conv\.weight\).*pass the checkpoint written '
                       r'by: make it'):
        PartialPretrained(path, src_prefix='net.', dst='net', made_by='make it')(Owner())
    # excluded keys need not be in the checkpoint
    PartialPretrained(path, src_prefix='net.', dst='net', exclude=[r'^cond_'])(Owner())


def test_wrong_prefix_is_an_error_not_a_silent_no_op(tmp_path):
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': {'generator.x': torch.zeros(1)}}, path)
    with pytest.raises(CheckpointError, match=r"does not fit net \(keys 'warp_model\.'\*: "
                       r'9 missing keys: .*check init_cfg\.checkpoint and src_prefix'):
        PartialPretrained(path, src_prefix='warp_model.', dst='net')(Owner())


def test_shape_mismatches_are_named(tmp_path):
    path = save(tmp_path, Owner(width=8).net)
    with pytest.raises(CheckpointError, match=r'3 shape mismatches: '
                       r'cond_conv\.bias, cond_conv\.weight, head\.0\.weight'):
        PartialPretrained(path, src_prefix='net.', dst='net')(Owner(width=4))


def test_missing_file_names_the_command(tmp_path):
    with pytest.raises(CheckpointError, match='make it'):
        PartialPretrained(str(tmp_path / 'none.pth'), made_by='make it')(Owner())
