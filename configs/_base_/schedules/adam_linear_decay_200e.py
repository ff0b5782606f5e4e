# PF-AFN stage 3 schedule (docs/advanced_guides/distillation.md): lr 3e-5, 100 constant +
# 100 decaying epochs.
# Same shape as adam_linear_decay_100e.py (see there for the lr of every epoch).
lr = 3e-5
niter = 100
niter_decay = 100
max_epochs = niter + niter_decay
decay_begin = niter
decay_end = max_epochs + 1  # LinearLR decays over end - begin - 1 = niter_decay epochs
switch_epoch = niter - 1  # 0-based epoch of upstream's switch to the full optimizer

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=lr, betas=(0.5, 0.999)),
    # one summary line instead of one per frozen / lr_mult parameter
    constructor='TryOnOptimWrapperConstructor')

param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, begin=decay_begin, end=decay_end,
         by_epoch=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=20)
