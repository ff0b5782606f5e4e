# PB-AFN, the parser-based try-on: upstream AFWM(45) warp + Res-UNet generator on 8
# channels. Stage 1 trains `pbafn_warp_model`, stage 2 `pbafn_tryon_model`, and stages 3
# and 4 freeze the stage-2 network as `pfafn_teacher`. One definition for all four, with
# distinct names so that it can be inherited beside the student's `warp_model`.
pbafn_use_densepose = True
# condition: 2 preserve masks + 25 DensePose one-hot + 18 pose (20 without DensePose)
pbafn_cond_channels = 45
pbafn_warp_model = dict(
    type='FlowWarpModel',
    cond_channels=pbafn_cond_channels,
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
# preserve region 3 + warped cloth 3 + warped mask 1 + arm region 1
pbafn_generator = dict(type='ResUnetGenerator', in_channels=8, out_channels=4, num_downs=5,
                       ngf=64, norm_cfg=dict(type='BN'))
pbafn_tryon_model = dict(
    type='ParserBasedTryOn',
    warp_model=pbafn_warp_model,
    generator=pbafn_generator,
    use_densepose=pbafn_use_densepose)  # DensePose hand / arm ids: the class defaults

# The frozen teacher of stages 3 and 4: the stage-2 network and its final checkpoint.
pfafn_teacher = dict(
    type='ParserBasedTeacher',
    tryon=pbafn_tryon_model,
    checkpoint='work_dirs/pbafn_tryon/epoch_100.pth',
    made_by='python tools/train.py configs/pbafn_tryon.py')
