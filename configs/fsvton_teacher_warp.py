# FS-VTON stage 1 — parser-based warp with the style-flow head (PB-AFN's 45 condition
# channels), trained from scratch on VITON 256x192. Next: configs/fsvton_teacher_tryon.py.
# The official FS-VTON scripts train every stage on ONE GPU at batch 4 (lr 5e-5):
#   python tools/train.py configs/fsvton_teacher_warp.py
# On N GPUs keep the global batch of 4, e.g. N = 4 (train_dataloader.batch_size is per GPU):
#   bash tools/dist_train.sh configs/fsvton_teacher_warp.py 4 \
#       --cfg-options train_dataloader.batch_size=1
_base_ = [
    '_base_/models/fsvton.py', '_base_/models/tryon_losses.py',
    '_base_/datasets/viton_train_only.py', '_base_/schedules/adam_linear_decay_100e.py',
    '_base_/tryon_runtime.py'
]

model = dict(
    type='ParserBasedWarp',
    warp_model={{_base_.fsvton_teacher_warp_model}},
    warp_loss={{_base_.warp_loss}},
    use_densepose={{_base_.pbafn_use_densepose}})
