# CP-VTON baseline — TPS geometric matching warp + Res-UNet try-on generator on the
# cloth-agnostic person representation (22 ch), trained end to end with the same losses
# and schedule as PB-AFN stage 2. Gives the baseline row of the model zoo.
#   bash tools/dist_train.sh configs/cpvton_gmm.py 8
_base_ = [
    '_base_/models/cpvton_tps_warp.py', '_base_/datasets/viton.py',
    '_base_/schedules/adam_linear_decay_100e.py', '_base_/tryon_runtime.py'
]

model = dict(
    type='CPVTONBaseline',
    warp_model={{_base_.warp_model}},  # cond_channels=22: the agnostic representation
    generator=dict(type='ResUnetGenerator', in_channels=25),
    warp_loss=dict(type='MultiScaleWarpLoss', vgg_loss=dict(type='VGGPerceptualLoss')),
    gen_loss=dict(type='TryOnGeneratorLoss', vgg_loss=dict(type='VGGPerceptualLoss')),
    warp_loss_weight=1.0)

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
