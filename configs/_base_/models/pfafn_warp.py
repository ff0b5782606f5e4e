# PF-AFN (parser-free student) warping model = upstream AFWM(3), the released
# warp_model_final.pth. Only `warp_model` is defined here so that several model bases
# can be inherited together.
warp_model = dict(
    type='FlowWarpModel',
    # condition: the person image (the tutor image during distillation)
    cond_channels=3,
    cloth_channels=3,
    # 5 stride-2 stages (strides 2..32): input sides must be multiples of 32
    encoder=dict(type='FeatureEncoder', channels=[64, 128, 256, 256, 256]),
    fpn=dict(type='RefinePyramid', out_channels=256),
    warper=dict(
        type='AFlowNet',
        num_levels=5,
        # 7x7 local correlation window -> 49 channels
        correlation=dict(type='Correlation', max_displacement=3),
        hidden_channels=[128, 64, 32],
        negative_slope=0.1,
        prewarp_features=True))
