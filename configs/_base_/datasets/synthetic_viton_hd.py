# Synthetic VITON-HD (tools/dataset/make_synthetic.py --layout viton-hd) for the CPU twins
# in configs/viton_hd/synthetic/: the pipelines of viton_hd.py (same size, 512 x 384 unless
# VTONBOX_IMG_SIZE says otherwise) on data/synthetic_viton_hd, small batches, no worker
# processes kept alive. Generate the data with:
#   python tools/dataset/make_synthetic.py data/synthetic_viton_hd --layout viton-hd \
#       --num-train 64 --num-test 16
_base_ = ['./viton_hd.py']

synthetic_viton_hd_data_root = 'data/synthetic_viton_hd'

synthetic_viton_hd_train_dataloader = dict(
    _delete_=True,
    batch_size=2,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='tryon_collate'),
    dataset=dict(type='VITONHDDataset', data_root=synthetic_viton_hd_data_root, split='train',
                 mode='auto', densepose_format={{_base_.viton_hd_densepose_format}},
                 pipeline={{_base_.viton_hd_train_pipeline}}))
# Paired (each person with their own cloth: SSIM / PSNR / LPIPS) and unpaired (FID / KID)
# test loaders, for the parser-free models and, with parsing, pose and DensePose, for the
# parser-based teacher.
synthetic_viton_hd_test_loader = dict(
    _delete_=True,
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'))
synthetic_viton_hd_test_dataset = dict(
    type='VITONHDDataset', data_root=synthetic_viton_hd_data_root, split='test',
    densepose_format={{_base_.viton_hd_densepose_format}})
synthetic_viton_hd_val_dataloader = dict(
    synthetic_viton_hd_test_loader,
    dataset=dict(synthetic_viton_hd_test_dataset, mode='paired',
                 pipeline={{_base_.viton_hd_test_pipeline}}))
synthetic_viton_hd_test_dataloader = dict(
    synthetic_viton_hd_test_loader,
    dataset=dict(synthetic_viton_hd_test_dataset, mode='unpaired',
                 pipeline={{_base_.viton_hd_test_pipeline}}))
synthetic_viton_hd_teacher_val_dataloader = dict(
    synthetic_viton_hd_test_loader,
    dataset=dict(synthetic_viton_hd_test_dataset, mode='paired',
                 pipeline={{_base_.viton_hd_teacher_test_pipeline}}))
synthetic_viton_hd_teacher_test_dataloader = dict(
    synthetic_viton_hd_test_loader,
    dataset=dict(synthetic_viton_hd_test_dataset, mode='unpaired',
                 pipeline={{_base_.viton_hd_teacher_test_pipeline}}))
# 16 test images: KID on 10 subsets of 8 (the full configs use the standard 1000).
synthetic_viton_hd_test_evaluator = [dict(type='FID'),
                                     dict(type='KID', num_subsets=10, subset_size=8)]
