# DM-VTON (Nguyen-Ngoc et al., ISMAR 2023): a PF-AFN-style parser-free student made
# small. The correlation flow head is PF-AFN's AFlowNet; the two encoders + FPNs are two
# MobileNetV2 feature pyramids (`MobileNetV2Pyramid`, one per branch) and the Res-UNet is
# a MobileNetV2 U-Net (`MobileUNetGenerator`). Warp 7.17 M + generator 2.18 M parameters.
# Any vtonbox parser-based teacher fits (configs/dmvton_*.py: PF-AFN's, FS-VTON's).
# Standalone (inherits nothing) so that it can sit beside pbafn_tryon.py or fsvton.py.
dmvton_warp_model = dict(
    type='FlowWarpModel',
    # condition: the person image (the tutor image during distillation)
    cond_channels=3,
    cloth_channels=3,
    # built twice (cloth_backbone, cond_backbone); 5 levels, strides 2..32, 256 channels
    backbone=dict(type='MobileNetV2Pyramid', out_channels=256),
    warper=dict(
        type='AFlowNet',
        num_levels=5,
        # 7x7 local correlation window -> 49 channels
        correlation=dict(type='Correlation', max_displacement=3),
        hidden_channels=[128, 64, 32],
        negative_slope=0.1,
        prewarp_features=True))
# person 3 + warped cloth 3 + warped mask 1 -> rendered RGB 3 + composition-mask logit 1
dmvton_generator = dict(type='MobileUNetGenerator', in_channels=7, out_channels=4)
# Garment-side feature distillation: the student's cloth pyramid vs the teacher's cloth
# FPN (WarpOutput.cloth_features, coarse -> fine), weighted like the person-side term,
# (5 - level) * 0.04. Added to PF-AFN's `distill_cfg` by the DM-VTON stage configs.
dmvton_cloth_feature_distill = dict(type='FeatureDistillationLoss',
                                    level_weights=[0.2, 0.16, 0.12, 0.08, 0.04])
# Reference batch sizes on one GPU: stage 3 (student warp) 8, stage 4 (end to end) 6.
dmvton_warp_batch_size = 8
dmvton_student_batch_size = 6
