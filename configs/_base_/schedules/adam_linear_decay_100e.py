# PF-AFN schedule (reference §3): Adam(beta1=0.5), lr constant for `niter` epochs, then
# decayed linearly (upstream: lr -= lr0 / niter_decay after each epoch > niter, i.e. epoch
# niter + k (0-based) runs at lr0 * (1 - k / niter_decay)). Global batch 32 (8 GPUs x 4).
lr = 5e-5
niter = 50
niter_decay = 50
max_epochs = niter + niter_decay

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=lr, betas=(0.5, 0.999)))

param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, begin=niter, end=max_epochs,
         by_epoch=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
