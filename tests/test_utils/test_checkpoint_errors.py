"""``load_checkpoint_file`` turns every unreadable checkpoint into one actionable line."""
import os

import pytest
import torch

import vtonbox  # noqa: F401  (registers the safe globals)
from vtonbox.utils.checkpoint import CheckpointError, load_checkpoint_file
from vtonbox.utils.cli import UserError, report_user_error


class RunsACommand:
    """Unpickling this would run ``command`` through ``os.system``."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def one_line(error: BaseException, capsys) -> str:
    report_user_error(error)
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'Traceback' not in err
    return err.strip()


def test_empty_file(tmp_path, capsys):
    path = tmp_path / 'empty.pth'
    path.write_bytes(b'')
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_file(str(path))
    assert isinstance(info.value, UserError)
    line = one_line(info.value, capsys)
    assert line.startswith(f'error: checkpoint is an empty file ({path}): ')
    assert 'older one' in line


@pytest.mark.parametrize('content', [b'PK\x03\x04 half a zip archive', b'plain text\n'])
def test_truncated_or_foreign_file(tmp_path, capsys, content):
    path = tmp_path / 'bad.pth'
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_file(str(path))
    line = one_line(info.value, capsys)
    assert line.startswith(
        f'error: not a PyTorch checkpoint (truncated or corrupt) ({path}): ')


def test_truncated_real_checkpoint(tmp_path, capsys):
    path = tmp_path / 'cut.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(64, 64))), path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match='truncated or corrupt'):
        load_checkpoint_file(str(path))


def test_forbidden_global_is_refused_and_not_executed(tmp_path, capsys):
    marker = tmp_path / 'was_executed'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(1)), payload=RunsACommand(f'touch {marker}')),
               path)
    assert not marker.exists()
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_file(str(path))
    assert not marker.exists()  # the pickle's call was never made
    name = f'{os.system.__module__}.system'  # posix.system on Linux
    line = one_line(info.value, capsys)
    assert line.startswith(f'error: refused: it contains `{name}`, which is not tensor data '
                           f'({path}): ')
    assert 'weights_only' not in line  # never torch's advice to turn the check off


def test_missing_file_names_the_command_that_makes_it(tmp_path, capsys):
    path = tmp_path / 'absent.pth'
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_file(str(path), made_by='python tools/train.py configs/stage1.py')
    line = one_line(info.value, capsys)
    assert line == (f'error: checkpoint not found ({path}): it is made by: '
                    'python tools/train.py configs/stage1.py')


def test_good_checkpoint_loads(tmp_path):
    path = tmp_path / 'good.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(2))), path)
    assert torch.equal(load_checkpoint_file(str(path))['state_dict']['w'], torch.ones(2))


def test_cheap_check_reads_no_pickle(tmp_path, monkeypatch):
    """``check_checkpoint_file`` names missing, empty and zip-but-not-torch files without
    unpickling; a good file passes without ``torch.load``."""
    import zipfile

    from vtonbox.utils import checkpoint as checkpoint_module
    from vtonbox.utils.checkpoint import check_checkpoint_file
    with pytest.raises(CheckpointError, match='checkpoint not found'):
        check_checkpoint_file(str(tmp_path / 'absent.pth'), made_by='make it')
    (tmp_path / 'empty.pth').write_bytes(b'')
    with pytest.raises(CheckpointError, match='empty file'):
        check_checkpoint_file(str(tmp_path / 'empty.pth'))
    with zipfile.ZipFile(tmp_path / 'other.pth', 'w') as archive:
        archive.writestr('notes.txt', 'hello')
    with pytest.raises(CheckpointError, match='without data.pkl'):
        check_checkpoint_file(str(tmp_path / 'other.pth'))
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.zeros(2)}}, good)
    monkeypatch.setattr(checkpoint_module.torch, 'load', None)  # must not be called
    check_checkpoint_file(str(good))
