# PF-AFN stage 1 — parser-based warp (the teacher's AFWM, 45 condition channels), trained
# from scratch on VITON 256x192 (reference §3.2). Next: configs/pbafn_tryon.py.
#   bash tools/dist_train.sh configs/pbafn_warp.py 8
_base_ = [
    '_base_/models/pbafn_warp.py', '_base_/datasets/viton.py',
    '_base_/schedules/adam_linear_decay_100e.py', '_base_/tryon_runtime.py'
]

warp_loss = dict(
    type='MultiScaleWarpLoss',
    vgg_loss=dict(type='VGGPerceptualLoss'),  # needs vgg19-dcbb9e9d.pth (docs/faq.md)
    l1_weight=1.0, vgg_weight=0.2, mask_weight=2.0, smooth_weight=6.0, tv_weight=0.01,
    level_weights=[1, 2, 3, 4, 5])

model = dict(
    type='ParserBasedWarp',
    warp_model={{_base_.warp_model}},
    warp_loss=warp_loss,
    use_densepose=True)


# The parser-based networks need the test persons' parsing, pose and DensePose, which
# the PF-AFN test package does not ship: no val/test loop on VITON here. Evaluate the
# teacher through the student (configs/pfafn_student.py), or point these loops at a
# test set with all modalities (see configs/synthetic/ for such pipelines).
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
