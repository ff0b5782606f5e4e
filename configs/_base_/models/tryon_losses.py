# The loss weights of every stage (upstream's values), spelled out once. Stages take what
# they use: `warp_loss` (stages 1-4, CP-VTON), `gen_loss` (stage 2, CP-VTON),
# `student_gen_loss` (stage 4), `distill_cfg` (stages 3, 4).
# See docs/advanced_guides/distillation.md for what each term does.
warp_loss = dict(
    type='MultiScaleWarpLoss',
    vgg_loss=dict(type='VGGPerceptualLoss'),  # needs vgg19-dcbb9e9d.pth (docs/faq.md)
    l1_weight=1.0, vgg_weight=0.2, mask_weight=2.0, smooth_weight=6.0, tv_weight=0.01,
    level_weights=[1, 2, 3, 4, 5])  # coarse -> fine
gen_loss = dict(
    type='TryOnGeneratorLoss', vgg_loss=dict(type='VGGPerceptualLoss'),
    l1_weight=5.0, vgg_weight=1.0, rendered_l1_weight=5.0, rendered_vgg_weight=1.0,
    mask_weight=1.0)
# Stage 4 adds the skin terms on the region that was cloth in the tutor and is skin in the
# real photo: (30, 2) for the first niter - 1 epochs, then `skin_weights_after_switch`.
student_gen_loss = dict(gen_loss, skin_l1_weight=30.0, skin_vgg_weight=2.0)
skin_weights_after_switch = dict(skin_l1_weight=60.0, skin_vgg_weight=4.0)
distill_cfg = dict(
    feature=dict(type='FeatureDistillationLoss', level_weights=[0.2, 0.16, 0.12, 0.08, 0.04]),
    flow=dict(type='FlowDistillationLoss', levels=[2, 3, 4], level_weights=[3, 4, 5]),
    gate=True)  # distil only samples where the teacher warps better than the student
