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
# FS-VTON's style-flow head (configs/synthetic/fsvton_*.py): the encoders, FPNs and refine
# nets above, the style convs and modulated nets at about 1/4 of their widths.
tiny_style_warp_model = dict(
    encoder=tiny_aflow_warp_model['encoder'],
    fpn=tiny_aflow_warp_model['fpn'],
    warper=dict(refine_channels=tiny_aflow_warp_model['warper']['hidden_channels'],
                style_channels=32, style_net_channels=16, flow_net_channels=32))
tiny_fsvton_teacher_tryon = dict(warp_model=tiny_style_warp_model, generator=tiny_generator)
# DM-VTON's mobile student (configs/synthetic/dmvton*.py): the MobileNetV2 pyramids at
# the teachers' narrow FPN width (the distilled features must match it), the AFlowNet
# head as above; the MobileNetV2 U-Net is small already (2.18 M) and keeps its widths.
tiny_mobile_warp_model = dict(
    backbone=dict(out_channels=tiny_aflow_warp_model['fpn']['out_channels']),
    warper=tiny_aflow_warp_model['warper'])
