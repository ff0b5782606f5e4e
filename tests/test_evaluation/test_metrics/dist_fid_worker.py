"""One rank of the 2-process FID test (run by test_fid.py, not collected by pytest).

Usage: python dist_fid_worker.py RANK WORLD_SIZE PORT REAL_DIR FAKE_DIR WEIGHTS CACHE OUT
Each rank processes samples ``rank::world_size`` (as MMEngine's DefaultSampler without
shuffle); MMEngine's collect_results gathers the features; rank 0 computes the FID.
"""
import json
import os
import sys

import torch
import torch.distributed as dist


def main() -> None:
    rank, world_size, port = (int(v) for v in sys.argv[1:4])
    real_dir, fake_dir, weights, cache_dir, out = sys.argv[4:9]
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    try:
        from vtonbox.evaluation.image_io import list_images, load_rgb
        from vtonbox.registry import METRICS
        from vtonbox.structures.tryon_data_sample import TryOnDataSample

        metric = METRICS.build(dict(type='FID', real_dir=real_dir, inception_weights=weights,
                                    cache_dir=cache_dir, batch_size=2))
        files = list_images(fake_dir)
        samples = []
        for path in files[rank::world_size]:
            sample = TryOnDataSample(metainfo=dict(person_path=path, paired=False))
            sample.pred_tryon = torch.from_numpy(load_rgb(path)).permute(2, 0, 1)
            samples.append(sample.to_dict())
        metric.process(None, samples)
        result = metric.evaluate(size=len(files))
        with open(f'{out}.rank{rank}.json', 'w') as f:
            json.dump(dict(result, num_local=len(samples)), f)
        # No rank may tear gloo down while another still talks to it (SIGABRT).
        dist.barrier()
    finally:
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
