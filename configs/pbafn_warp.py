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

# Stage 1 has no try-on image: score the warped cloth against the worn cloth instead.
val_evaluator = [dict(type='MaskedL1', pred_key='pred_warped_cloth', mask_key='pred_warped_mask')]
test_evaluator = val_evaluator
