# PF-AFN stage 4 — the parser-free student end to end (warp from stage 3, generator from
# scratch), taught by the frozen teacher (reference §3.7). This is also the inference
# config: tools/test.py, the Inferencer and the official-weight converter build it
# without teacher and losses.
#   bash tools/dist_train.sh configs/pfafn_student.py 8
_base_ = [
    '_base_/models/pfafn_warp.py', '_base_/models/resunet_generator.py',
    '_base_/datasets/viton.py', '_base_/schedules/adam_linear_decay_100e.py',
    '_base_/tryon_runtime.py'
]

teacher_checkpoint = 'work_dirs/pbafn_tryon/epoch_100.pth'
stage3_checkpoint = 'work_dirs/pfafn_warp/epoch_200.pth'

model = dict(
    type='ParserFreeTryOn',
    warp_model={{_base_.warp_model}},
    generator={{_base_.generator}},
    warp_loss=dict(type='MultiScaleWarpLoss', vgg_loss=dict(type='VGGPerceptualLoss')),
    gen_loss=dict(type='TryOnGeneratorLoss', vgg_loss=dict(type='VGGPerceptualLoss'),
                  l1_weight=5.0, vgg_weight=1.0,
                  rendered_l1_weight=5.0, rendered_vgg_weight=1.0, mask_weight=1.0,
                  skin_l1_weight=30.0, skin_vgg_weight=2.0),
    warp_loss_weight=0.25,
    teacher=dict(
        type='ParserBasedTeacher',
        warp_model=dict(type='FlowWarpModel', cond_channels=45),
        generator=dict(type='ResUnetGenerator', in_channels=8),
        checkpoint=teacher_checkpoint,
        made_by='python tools/train.py configs/pbafn_tryon.py'),
    distill_cfg=dict(
        feature=dict(type='FeatureDistillationLoss'),
        flow=dict(type='FlowDistillationLoss'),
        gate=True),
    init_cfg=dict(type='PartialPretrained', checkpoint=stage3_checkpoint,
                  src_prefix='warp_model.', dst='warp_model',
                  made_by='python tools/train.py configs/pfafn_warp.py'))

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_model': dict(lr_mult=0.2)}))

custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=1000, test_interval=100),
    # skin terms 30, 2 while the 1-based epoch < niter, then 60, 4 (reference §3.7):
    # 0-based switch epoch niter - 1 (49)
    dict(type='LossWeightSwitchHook', module='gen_loss', switch_epoch={{_base_.switch_epoch}},
         values=dict(skin_l1_weight=60.0, skin_vgg_weight=4.0)),
]
