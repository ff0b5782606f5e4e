# Runtime of every try-on training config: default_runtime + result grids, SyncBN and the
# DDP wrapper that keeps the algorithms' own train_step (finite-loss check).
_base_ = ['./default_runtime.py']

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    # upstream saves every 20 epochs; keep the last 3 and the final one
    checkpoint=dict(type='CheckpointHook', interval=20, max_keep_ckpts=3, save_last=True))
custom_hooks = [dict(type='TryOnVisualizationHook', interval=1000, test_interval=100)]
visualizer = dict(type='TryOnVisualizer',
                  vis_backends=[dict(type='LocalVisBackend'),
                                dict(type='TensorboardVisBackend')])
# Each trainable sub-network gets its own DDP wrapper; the frozen teacher and VGG get
# none. The model's train_step runs (not DDP's generic one).
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel', broadcast_buffers=False,
                         find_unused_parameters=False)
sync_bn = 'torch'  # BatchNorm -> SyncBatchNorm under distributed training (GPU)
