import warnings

import pytest
import torch

from vtonbox.deploy import precision
from vtonbox.deploy.precision import Bf16Support, cpu_bf16_support, cpu_flags


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(precision, '_warned', set())


def fake_support(native):
    flags = ('amx_bf16',) if native else ()
    return lambda: Bf16Support(native, 'AVX2', flags)


def test_cpu_flags_parse_cpuinfo(tmp_path):
    info = tmp_path / 'cpuinfo'
    info.write_text('processor : 0\nflags : fpu avx2 avx512_bf16 amx_bf16\n'
                    'processor : 1\nflags : fpu\n')
    assert cpu_flags(str(info)) == {'fpu', 'avx2', 'avx512_bf16', 'amx_bf16'}
    assert cpu_flags(str(tmp_path / 'missing')) == frozenset()


def test_support_follows_cpuinfo_flags(monkeypatch):
    monkeypatch.setattr(precision, 'cpu_flags', lambda: frozenset({'avx2', 'fma'}))
    assert cpu_bf16_support().native is False
    monkeypatch.setattr(precision, 'cpu_flags', lambda: frozenset({'avx512_bf16'}))
    support = cpu_bf16_support()
    assert support.native and support.flags == ('avx512_bf16',)
    assert support.capability == torch.backends.cpu.get_cpu_capability()


def test_bf16_without_native_support_warns_once_and_stays_fp32(monkeypatch, fresh_warnings):
    monkeypatch.setattr(precision, 'cpu_bf16_support', fake_support(False))
    with pytest.warns(RuntimeWarning, match='no native bf16'):
        assert precision.resolve_precision('bf16') == 'fp32'
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert precision.resolve_precision('bf16', torch.device('cpu')) == 'fp32'


def test_bf16_with_native_support(monkeypatch, fresh_warnings):
    monkeypatch.setattr(precision, 'cpu_bf16_support', fake_support(True))
    assert precision.resolve_precision('bf16') == 'bf16'
    assert precision.resolve_precision('fp32') == 'fp32'


def test_bad_precisions():
    with pytest.raises(ValueError, match='one of'):
        precision.resolve_precision('int8')
    with pytest.raises(ValueError, match='GPU path'):
        precision.resolve_precision('fp16', torch.device('cpu'))
