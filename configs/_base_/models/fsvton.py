# FS-VTON (He, Song and Xiang, CVPR 2022): PF-AFN's networks with the style-based global
# appearance-flow head (`StyleFlowWarper`, docs/advanced_guides/style_flow.md) in place of
# AFlowNet. Encoders, FPNs, generators and the 45-channel teacher condition are PB-AFN's
# (inherited from pbafn_tryon.py), so only the head differs. Stage 1 trains
# `fsvton_teacher_warp_model`, stage 2 `fsvton_teacher_tryon`, stages 3 and 4 the student
# `fsvton_warp_model`, taught by `fsvton_teacher` (the frozen stage-2 network).
_base_ = ['./pbafn_tryon.py']

fsvton_warper = dict(
    type='StyleFlowWarper',
    num_levels=5,
    style_channels=128,  # cond_style and cloth_style each: a 256-d style vector
    # the coarsest FPN map at 256x192 (1/32); other input sizes are average-pooled to it
    style_kernel_size=(8, 6),
    style_net_channels=49,
    flow_net_channels=128,
    refine_channels=[128, 64, 32],
    negative_slope=0.1)
# The student (released PFAFN_warp_epoch_101.pth): condition = the person (tutor) image.
fsvton_warp_model = dict(
    type='FlowWarpModel',
    cond_channels=3,
    cloth_channels=3,
    encoder={{_base_.pbafn_warp_model.encoder}},
    fpn={{_base_.pbafn_warp_model.fpn}},
    warper=fsvton_warper)
# The parser-based teacher: PB-AFN's 45-channel condition (masks, DensePose, pose).
fsvton_teacher_warp_model = dict(fsvton_warp_model, cond_channels={{_base_.pbafn_cond_channels}})
fsvton_teacher_tryon = dict(
    type='ParserBasedTryOn',
    warp_model=fsvton_teacher_warp_model,
    generator={{_base_.pbafn_generator}},
    use_densepose={{_base_.pbafn_use_densepose}})
# The frozen teacher of stages 3 and 4: the stage-2 network and its final checkpoint.
fsvton_teacher = dict(
    type='ParserBasedTeacher',
    tryon=fsvton_teacher_tryon,
    checkpoint='work_dirs/fsvton_teacher_tryon/epoch_100.pth',
    made_by='python tools/train.py configs/fsvton_teacher_tryon.py')
