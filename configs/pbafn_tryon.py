# PF-AFN stage 2 — parser-based warp + Res-UNet generator end to end (the teacher,
# reference §3.3). Warp initialised from stage 1; warp lr 0.2x. Next: pfafn_warp.py.
#   bash tools/dist_train.sh configs/pbafn_tryon.py 8
_base_ = [
    '_base_/models/pbafn_warp.py', '_base_/models/resunet_generator.py',
    '_base_/datasets/viton.py', '_base_/schedules/adam_linear_decay_100e.py',
    '_base_/tryon_runtime.py'
]

stage1_checkpoint = 'work_dirs/pbafn_warp/epoch_100.pth'

model = dict(
    type='ParserBasedTryOn',
    warp_model={{_base_.warp_model}},
    generator=dict(type='ResUnetGenerator', in_channels=8, out_channels=4, num_downs=5,
                   ngf=64),
    warp_loss=dict(type='MultiScaleWarpLoss', vgg_loss=dict(type='VGGPerceptualLoss')),
    gen_loss=dict(type='TryOnGeneratorLoss', vgg_loss=dict(type='VGGPerceptualLoss'),
                  l1_weight=5.0, vgg_weight=1.0,
                  rendered_l1_weight=5.0, rendered_vgg_weight=1.0, mask_weight=1.0),
    warp_loss_weight=0.5,
    gen_loss_weight=1.0,
    init_cfg=dict(type='PartialPretrained', checkpoint=stage1_checkpoint,
                  src_prefix='warp_model.', dst='warp_model',
                  made_by='python tools/train.py configs/pbafn_warp.py'))

# Warp at 0.2x the generator's learning rate (reference: 1e-5 vs 5e-5).
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_model': dict(lr_mult=0.2)}))

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
