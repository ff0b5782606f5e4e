"""The one config loader: ``num_workers=0`` turns persistent workers off."""
import os.path as osp

from tests.conftest import REPO_ROOT
from vtonbox.utils.model_loading import load_config


def test_persistent_workers_are_dropped_without_workers():
    config = osp.join(REPO_ROOT, 'configs', 'pbafn_tryon.py')
    cfg = load_config(config)
    assert cfg.train_dataloader.persistent_workers and cfg.train_dataloader.num_workers > 0
    cfg = load_config(config, {'train_dataloader.num_workers': 0})
    assert cfg.train_dataloader.persistent_workers is False


def test_unconverted_official_keys_point_to_their_converter():
    """An unconverted official file of each method names the converters, not the generic
    'is it a checkpoint of this config' hint."""
    from vtonbox.utils.model_loading import SAME_CONFIG_HINT, mismatch_message
    for official_key in ('image_features.encoders.0.0.weight',          # PF-AFN, FS-VTON
                         'image_mobile.features.0.0.weight',             # DM-VTON
                         'aflow_net.netMain.0.weight', 'model.model.0.weight'):
        line = mismatch_message('weights do not fit', [], [official_key], [],
                                hint=SAME_CONFIG_HINT)
        assert 'must be converted first' in line, line
        for tool in ('pfafn_to_vtonbox.py', 'fsvton_to_vtonbox.py', 'dmvton_to_vtonbox.py'):
            assert tool in line
    line = mismatch_message('weights do not fit', [], ['head.weight'], [],
                            hint=SAME_CONFIG_HINT)
    assert SAME_CONFIG_HINT in line and 'converted first' not in line
