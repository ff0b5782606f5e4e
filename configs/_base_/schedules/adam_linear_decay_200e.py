# PF-AFN stage 3 schedule (reference §3.6): lr 3e-5, 100 constant + 100 decaying epochs.
# Same shape as adam_linear_decay_100e.py.
lr = 3e-5
niter = 100
niter_decay = 100
max_epochs = niter + niter_decay

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=lr, betas=(0.5, 0.999)))

param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, begin=niter, end=max_epochs,
         by_epoch=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=20)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
