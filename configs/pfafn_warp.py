# PF-AFN stage 3 — parser-free student warp (3 condition channels: the tutor image),
# supervised by the real photo and distilled from the frozen teacher (stage 2).
# Init: teacher warp without cond branch / refine nets. The first epochs train only
# those parts (docs/advanced_guides/distillation.md). Next: configs/pfafn_student.py.
#   bash tools/dist_train.sh configs/pfafn_warp.py 8
_base_ = [
    '_base_/models/pfafn_warp.py', '_base_/models/pbafn_tryon.py',
    '_base_/models/tryon_losses.py', '_base_/datasets/viton.py',
    '_base_/schedules/adam_linear_decay_200e.py', '_base_/tryon_runtime.py'
]

model = dict(
    type='ParserFreeWarp',
    warp_model={{_base_.warp_model}},
    warp_loss={{_base_.warp_loss}},
    teacher={{_base_.pfafn_teacher}},
    distill_cfg={{_base_.distill_cfg}},
    # the student warp starts from the teacher's, except its condition branch and
    # refine nets (they see a photo instead of parsing and pose)
    init_cfg=dict(type='PartialPretrained', checkpoint={{_base_.pfafn_teacher.checkpoint}},
                  src_prefix='warp_model.', dst='warp_model',
                  exclude=[r'^cond_', r'^warper\.refine_nets'],
                  made_by={{_base_.pfafn_teacher.made_by}}))

custom_hooks = [
    dict(type='TryOnVisualizationHook', interval=1000, test_interval=100),
    # upstream: partial optimizer while the 1-based epoch < niter, then a new Adam over
    # all parameters: 0-based switch at niter - 1 (99), where the optimizer state is
    # cleared (reset_optimizer=False keeps the partial phase's Adam moments instead)
    dict(type='TrainableScheduleHook', switch_epoch={{_base_.switch_epoch}},
         reset_optimizer=True,
         trainable=[r'^warp_model\.cond_', r'^warp_model\.warper\.refine_nets']),
]
# Parameters frozen by the schedule get no gradient.
model_wrapper_cfg = dict(find_unused_parameters=True)
# A warp has no try-on image: score the warped cloth against the photo inside the warped
# mask on the paired split. No unpaired test loop (no ground truth there).
val_evaluator = [dict(type='MaskedL1', pred_key='pred_warped_cloth', mask_key='pred_warped_mask')]
test_dataloader = None
test_cfg = None
test_evaluator = None
