"""ParserBasedTeacher: a frozen stage-2 try-on that makes tutor images from the unpaired
cloth and gives the paired warp to distil from; loaded from a stage-2 checkpoint."""
from dataclasses import fields

import pytest
import torch

from tests.helpers.contracts import assert_warp_output
from tests.helpers.stage_configs import build_stage_model, stage_model_config
from vtonbox.models.tryon import ParserBasedTryOn
from vtonbox.models.tryon.teacher import ParserBasedTeacher
from vtonbox.registry import MODELS
from vtonbox.utils.checkpoint import CheckpointError

MADE_BY = 'python tools/train.py configs/synthetic/pbafn_tryon.py'


def teacher_config(checkpoint=None):
    return dict(stage_model_config('pfafn_warp').teacher.to_dict(), checkpoint=checkpoint,
                made_by=MADE_BY)


@pytest.fixture(scope='module')
def stage2_checkpoint(tmp_path_factory):
    """A stage-2 checkpoint (seeded random weights, BN statistics set) and its state."""
    model = build_stage_model('pbafn_tryon', seed=3)
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name.endswith('running_mean'):
                buffer.uniform_(-0.1, 0.1)
    state = model.state_dict()
    path = str(tmp_path_factory.mktemp('stage2') / 'epoch_1.pth')
    torch.save({'state_dict': state, 'meta': {}}, path)
    return path, state


@pytest.fixture(scope='module')
def teacher(stage2_checkpoint):
    return MODELS.build(teacher_config(stage2_checkpoint[0]))


class CallCounter:
    """Wraps a bound method and counts its calls."""

    def __init__(self, method):
        self.method, self.calls = method, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.method(*args, **kwargs)


def with_unpaired_cloth(inputs):
    return dict(inputs, cloth=inputs['cloth_unpaired'],
                cloth_mask=inputs['cloth_mask_unpaired'])


def assert_same_warp(actual, expected):
    for field in fields(expected):
        a, e = getattr(actual, field.name), getattr(expected, field.name)
        pairs = zip(a, e) if isinstance(e, list) else [(a, e)]
        if isinstance(e, list):
            assert len(a) == len(e), field.name
        for x, y in pairs:
            assert torch.equal(x, y), field.name


def test_loads_the_stage2_warp_and_generator(teacher, stage2_checkpoint):
    _, state = stage2_checkpoint
    assert isinstance(teacher.tryon, ParserBasedTryOn)
    assert teacher.tryon.warp_loss is None and teacher.tryon.gen_loss is None
    loaded = teacher.tryon.state_dict()
    assert loaded.keys() == state.keys()
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key


def test_is_frozen_and_stays_in_eval_mode():
    student = build_stage_model('pfafn_warp')
    student.train()
    assert student.training and student.warp_model.training
    teacher = student.teacher
    assert not teacher.training
    assert not any(m.training for m in teacher.modules())
    assert not any(p.requires_grad for p in teacher.parameters())
    assert any(p.requires_grad for p in student.warp_model.parameters())


def test_is_not_in_the_students_state_dict(inputs):
    student = build_stage_model('pfafn_warp')
    state = student.state_dict()
    assert state and not [k for k in state if k.startswith('teacher.')]
    assert len(state) == len(student.warp_model.state_dict())
    # loading a student checkpoint leaves the teacher as it is
    before = {k: v.clone() for k, v in student.teacher.state_dict().items()}
    zeroed = {k: torch.zeros_like(v) for k, v in state.items()}
    student.load_state_dict(zeroed, strict=True)
    for key, value in student.teacher.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_condition_is_encoded_once_per_batch(teacher, inputs, monkeypatch):
    warp_model = teacher.tryon.warp_model
    counters = {name: CallCounter(getattr(warp_model, name))
                for name in ('encode_cond', 'encode_cloth')}
    for name, counter in counters.items():
        monkeypatch.setattr(warp_model, name, counter)
    teacher(inputs, paired=True)
    assert (counters['encode_cond'].calls, counters['encode_cloth'].calls) == (1, 2)
    teacher(inputs, paired=False)
    assert (counters['encode_cond'].calls, counters['encode_cloth'].calls) == (2, 3)


def test_tutor_wears_the_unpaired_cloth(teacher, inputs):
    assert not torch.equal(inputs['cloth'], inputs['cloth_unpaired'])
    out = teacher(inputs, paired=False)
    unpaired = with_unpaired_cloth(inputs)
    with torch.no_grad():
        warp = teacher.tryon.warp(unpaired)
        expected = teacher.tryon.render(unpaired, warp).tryon
        paired = teacher.tryon.render(inputs, teacher.tryon.warp(inputs)).tryon
    assert out.tutor.shape == (2, 3, 64, 64)
    assert torch.equal(out.tutor, expected)
    assert (out.tutor - paired).abs().max() > 1e-3
    assert torch.equal(out.tutor_cloth_mask, warp.warped_mask)
    assert out.paired_warp is None


def test_paired_warp_is_the_tryons_warp(teacher, inputs):
    out = teacher(inputs, paired=True)
    with torch.no_grad():
        expected = teacher.tryon.warp(inputs)
    assert_warp_output(out.paired_warp, 2, 64, 64)
    assert_same_warp(out.paired_warp, expected)


def test_runs_without_gradients(teacher, inputs):
    person = inputs['person'].clone().requires_grad_(True)
    out = teacher(dict(inputs, person=person), paired=True)
    assert not out.tutor.requires_grad and not out.paired_warp.flow.requires_grad


@pytest.mark.parametrize('drop, expected', [
    ('generator.', r'does not hold a parser-based generator \(no generator\.\* keys\)'),
    ('warp_model.', r'does not hold a parser-based warp_model \(no warp_model\.\* keys\)'),
    ('generator.model.model.0.', r'does not hold a parser-based generator \(1 missing keys: '
     r'model\.model\.0\.weight\)'),
])
def test_checkpoint_without_a_part_names_it(stage2_checkpoint, tmp_path, drop, expected):
    _, state = stage2_checkpoint
    path = str(tmp_path / 'partial.pth')
    torch.save({'state_dict': {k: v for k, v in state.items() if not k.startswith(drop)}},
               path)
    with pytest.raises(CheckpointError, match=expected) as info:
        ParserBasedTeacher(**{k: v for k, v in teacher_config(path).items() if k != 'type'})
    assert path in str(info.value) and MADE_BY in str(info.value)


def test_missing_checkpoint_names_the_command(tmp_path):
    with pytest.raises(CheckpointError, match=MADE_BY):
        MODELS.build(teacher_config(str(tmp_path / 'missing.pth')))


def test_only_a_parser_based_tryon_teaches():
    cfg = stage_model_config('cpvton_gmm').to_dict()
    with pytest.raises(TypeError, match='the teacher must be a ParserBasedTryOn, got '
                       'CPVTONBaseline'):
        MODELS.build(dict(type='ParserBasedTeacher', tryon=cfg))
