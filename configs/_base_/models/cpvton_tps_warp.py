# CP-VTON-style geometric matching baseline: PB-AFN's encoders/FPNs with a thin-plate
# spline head (global correlation of one coarse level -> 5x5 control grid). Only
# `warp_model` is defined here so that several model bases can be inherited together.
warp_model = dict(
    type='FlowWarpModel',
    # condition: CP-VTON's cloth-agnostic person representation,
    # 18 pose + 1 body shape + 3 head RGB (set 45 for the PB-AFN condition)
    cond_channels=22,
    cloth_channels=3,
    # 5 stride-2 stages (strides 2..32): input sides must be multiples of 32
    encoder=dict(type='FeatureEncoder', channels=[64, 128, 256, 256, 256]),
    fpn=dict(type='RefinePyramid', out_channels=256),
    warper=dict(
        type='TPSWarper',
        num_levels=5,
        level=3,  # fine -> coarse pyramid index: stride 16 (16x12 for 256x192)
        correlation_size=(16, 12),  # CP-VTON correlates 16x12 features (192 channels)
        regressor_channels=[512, 256, 128, 64],
        grid_size=5))
