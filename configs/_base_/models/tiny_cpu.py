# Narrow versions of the PF-AFN networks for CPU runs on the synthetic data
# (configs/synthetic/*.py): same architecture, about 1/4 of the channels. These dicts are
# merged into the full configs' network dicts.
tiny_aflow_warp_model = dict(
    encoder=dict(channels=[16, 32, 64, 64, 64]),
    fpn=dict(out_channels=64),
    warper=dict(hidden_channels=[32, 32, 16]))
tiny_tps_warp_model = dict(
    encoder=dict(channels=[16, 32, 64, 64, 64]),
    fpn=dict(out_channels=64),
    warper=dict(regressor_channels=[64, 64, 32, 32]))
tiny_generator = dict(ngf=16)
# The synthetic teacher: the stage-2 network with the narrow parser-based warp/generator.
tiny_teacher_tryon = dict(warp_model=tiny_aflow_warp_model, generator=tiny_generator)
