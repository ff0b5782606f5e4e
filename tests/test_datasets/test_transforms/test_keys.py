"""The ``keys`` argument of the multi-key transforms."""
import pytest

from vtonbox.datasets.transforms.keys import as_keys


def test_one_key_or_many():
    assert as_keys('cloth') == ('cloth', )
    assert as_keys(['cloth', 'cloth_unpaired']) == ('cloth', 'cloth_unpaired')


@pytest.mark.parametrize('keys', [[], (), ['cloth', 3], None])
def test_empty_or_non_string_keys_are_refused(keys):
    with pytest.raises(TypeError, match='non-empty str or sequence of str'):
        as_keys(keys if keys is not None else [None])
