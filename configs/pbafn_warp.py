# PF-AFN stage 1 — parser-based warp (the teacher's AFWM, 45 condition channels), trained
# from scratch on VITON 256x192. Next: configs/pbafn_tryon.py.
#   bash tools/dist_train.sh configs/pbafn_warp.py 8
_base_ = [
    '_base_/models/pbafn_tryon.py', '_base_/models/tryon_losses.py',
    '_base_/datasets/viton_train_only.py', '_base_/schedules/adam_linear_decay_100e.py',
    '_base_/tryon_runtime.py'
]

model = dict(
    type='ParserBasedWarp',
    warp_model={{_base_.pbafn_warp_model}},
    warp_loss={{_base_.warp_loss}},
    use_densepose={{_base_.pbafn_use_densepose}})
