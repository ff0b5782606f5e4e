# Tiny registered toy config for the foundation tests (tools/train.py on CPU).
_base_ = ['../../../configs/_base_/default_runtime.py']

custom_imports = dict(imports=['vtonbox_toy_modules'], allow_failed_imports=False)

model = dict(type='ToyRegressor')
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ToyRegressionDataset', num_samples=16))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-2))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=1000)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
visualizer = dict(vis_backends=[dict(type='LocalVisBackend')])
randomness = dict(seed=0, deterministic=True)
