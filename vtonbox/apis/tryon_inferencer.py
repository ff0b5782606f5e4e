"""TryOnInferencer: put garments on people from photos, in three lines of Python.

Example:
    >>> from vtonbox.apis import TryOnInferencer
    >>> inferencer = TryOnInferencer(checkpoint='pfafn_official.pth')  # doctest: +SKIP
    >>> result = inferencer('person.jpg', 'shirt.jpg')[0]  # doctest: +SKIP
    >>> result['tryon'].shape  # the person photo's (H, W)  # doctest: +SKIP
    (1024, 768, 3)
"""
import contextlib
import os
import os.path as osp
import warnings
from collections import Counter
from typing import Dict, Hashable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.utils import ProgressBar

from vtonbox.datasets.readers import MissingDataFileError
from vtonbox.deploy import FastParserFreeTryOn, optimize_for_inference, supports_fast_inference
from vtonbox.registry import MODELS
from vtonbox.structures import TryOnDataSample
from vtonbox.utils import register_all_modules
from vtonbox.utils.model_loading import build_inference_model, load_config

from .errors import InferenceSetupError
from .garment_cache import DEFAULT_CAPACITY, GarmentCache, check_capacity
from .inputs import (
    MAX_SIDE,
    MIN_SIDE,
    ImageSources,
    LoadedInput,
    load_mask,
    load_photo,
    pair_inputs,
)
from .model_loading import DEFAULT_CONFIG, check_precision, parse_device, setup_errors
from .pipeline import build_inference_pipeline
from .results import ResultWriter, restore_size

#: One loaded pair: person, garment, mask (None when the pipeline reads no mask).
LoadedPair = Tuple[LoadedInput, LoadedInput, Optional[LoadedInput]]


def _source_key(source) -> Tuple[str, object]:
    """Identity of an input, to load each repeated photo (one garment, many people) once."""
    if isinstance(source, np.ndarray):
        return ('array', id(source))
    return ('path', None if source is None else os.fspath(source))


class TryOnInferencer:
    """Try-on from person and garment photos of any size (preprocess -> forward ->
    postprocess -> optional files).

    The model is built from ``config`` without its training-only parts (teacher, losses)
    and runs at the config size (e.g. 256 x 192) in eval mode under
    ``torch.inference_mode``. For PF-AFN models it runs the fast inference graph
    (:func:`~vtonbox.deploy.optimize_for_inference`: BatchNorms folded, fused
    upsampling, channels_last; same results within float rounding) and encodes each
    garment once per call however many people it is tried on (:class:`GarmentCache`).
    Photos are read and converted like the dataset does, resized with their aspect
    ratio kept and padded (``ResizePad``); the predictions are mapped back to each
    person photo's size (padding cropped, then resized).

    Args:
        config (str | Config | dict): a parser-free config; a relative path that does not
            exist from the working directory is looked up in the repository.
            Default ``'configs/pfafn_student.py'``.
        checkpoint (str, optional): MMEngine checkpoint or state dict of that model
            (e.g. the converted official weights); None keeps random weights (testing).
        device (str): ``'cpu'``, ``'cuda'``, ``'cuda:N'`` (or ``'mps'``).
        precision (str): ``'fp32'``, ``'bf16'`` (CPU or GPU) or ``'fp16'`` (CUDA only).
            The fast graph stays in fp32, with a warning, on a CPU without native bf16
            (AMX / AVX512-BF16), where bf16 would be slower.
        channels_last (bool, optional): run the convolutions in channels-last memory
            format. None: yes for the fast graph, no for the model as built.
        optimize (bool, optional): use the fast inference graph. None: when the model
            supports it (a parser-free model with a flow-cascade warper: AFlowNet,
            StyleFlowWarper, ClothFlowWarper); True: required
            (error otherwise); False: run the model as built (``test_step``, exactly
            what ``tools/test.py`` runs).
        garment_cache_size (int): encoded garments kept within one call (fast graph
            only); 0 re-encodes every batch.
        cloth_mask_parser (dict, optional): config of the parser that makes a garment
            mask when none is given. Default ``dict(type='ClothMaskParser')``.
        min_side (int): photos with a smaller side are refused. Default 32.
        max_side (int, optional): photos with a larger side are downscaled first, with a
            warning; results then have the downscaled size. Default 4096; None: never.
        cfg_options (dict, optional): overrides merged into the config.
    """

    def __init__(self,
                 config: Union[str, os.PathLike, Config, dict] = DEFAULT_CONFIG,
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 precision: str = 'fp32',
                 channels_last: Optional[bool] = None,
                 cloth_mask_parser: Optional[dict] = None,
                 min_side: int = MIN_SIDE,
                 max_side: Optional[int] = MAX_SIDE,
                 cfg_options: Optional[dict] = None,
                 optimize: Optional[bool] = None,
                 garment_cache_size: int = DEFAULT_CAPACITY) -> None:
        register_all_modules()
        with setup_errors():
            self.cfg = load_config(config, cfg_options)
        config_name = os.fspath(config) if isinstance(config, (str, os.PathLike)) \
            else 'the given config'
        self.device = parse_device(device)
        self.autocast_dtype = check_precision(precision, self.device)
        self.pipeline = build_inference_pipeline(self.cfg)
        with setup_errors():
            self.model = build_inference_model(self.cfg, checkpoint, self.device, config_name)
        if checkpoint is None:
            warnings.warn('TryOnInferencer: no checkpoint given, the model has random weights',
                          stacklevel=2)
        self.fast_model = self._build_fast_model(optimize, precision, channels_last,
                                                 config_name)
        if self.fast_model is None and channels_last:
            self.model.to(memory_format=torch.channels_last)
            if hasattr(self.model.data_preprocessor, 'channels_last'):
                self.model.data_preprocessor.channels_last = True
        self.garment_cache_size = check_capacity(garment_cache_size)
        self.mask_parser = MODELS.build(cloth_mask_parser or dict(type='ClothMaskParser'))
        self.min_side = min_side
        self.max_side = max_side

    def _build_fast_model(self, optimize: Optional[bool], precision: str,
                          channels_last: Optional[bool],
                          config_name: str) -> Optional[FastParserFreeTryOn]:
        if optimize is False:
            return None
        if not supports_fast_inference(self.model):
            if optimize:
                raise InferenceSetupError(
                    f'optimize=True needs a parser-free model with a flow-cascade warper '
                    f'(AFlowNet, StyleFlowWarper, ClothFlowWarper); the '
                    f'model of {config_name} is a {type(self.model).__name__} with '
                    f'{type(getattr(self.model, "warp_model", None)).__name__}')
            return None
        return optimize_for_inference(self.model, precision,
                                      channels_last=channels_last is not False)

    @property
    def optimized(self) -> bool:
        """Whether the fast inference graph runs the forward passes."""
        return self.fast_model is not None

    @property
    def model_size(self) -> Tuple[int, int]:
        """(H, W) the model runs at."""
        return self.pipeline.model_size

    # ------------------------------------------------------------------ public calls
    def __call__(self, person: ImageSources, cloth: ImageSources,
                 cloth_mask: Optional[ImageSources] = None, batch_size: int = 1,
                 out_dir: Optional[str] = None, save_strip: bool = False,
                 show_progress: bool = False) -> List[Dict]:
        """Try every garment on its person.

        Args:
            person: a path or (H, W, 3) uint8 RGB array, or a list of them.
            cloth: the same for the garment photos (product photos).
            cloth_mask: None (masks made by the cloth-mask parser), one (H, W) uint8
                {0, 255} / bool mask or path per garment, or a list with None entries.
                Lists have equal lengths, or one side has a single item that goes with
                every item of the other (one garment on many people).
            batch_size (int): pairs per forward pass.
            out_dir (str, optional): also write ``<person>__<garment>.png`` there.
            save_strip (bool): with ``out_dir``, also write
                ``strips/<person>__<garment>.png`` (person | garment | try-on).
            show_progress (bool): print a progress bar.

        Returns:
            list[dict]: one dict per pair, in order, with

            - ``tryon`` (H, W, 3) uint8 RGB, the person wearing the garment;
            - ``warped_cloth`` (H, W, 3) uint8 RGB, the garment warped onto the person;
            - ``warped_mask`` (H, W) uint8 in [0, 255] (soft edges), its mask;
            - ``cloth_mask`` (h, w) uint8, the garment mask used (given or parsed);
            - ``person_name``, ``cloth_name`` (file stems, or ``person0`` for arrays),
              ``person_path``, ``cloth_path`` (None for arrays);

            where (H, W) is the person photo's size (after the ``max_side`` downscale).
        """
        writer = ResultWriter(out_dir, save_strip) if out_dir is not None else None
        results = []
        for result, (person_in, cloth_in, _) in self._run(person, cloth, cloth_mask,
                                                          batch_size, show_progress):
            if writer is not None:
                writer.write(result, person_in.array, cloth_in.array)
            results.append(result)
        return results

    def stream(self, person: ImageSources, cloth: ImageSources,
               cloth_mask: Optional[ImageSources] = None,
               batch_size: int = 1) -> Iterator[Dict]:
        """Like ``__call__`` but yields results one by one (photos read per batch)."""
        for result, _ in self._run(person, cloth, cloth_mask, batch_size, False):
            yield result

    def run_to_dir(self, person: ImageSources, cloth: ImageSources,
                   cloth_mask: Optional[ImageSources] = None, out_dir: str = 'outputs',
                   batch_size: int = 1, save_strip: bool = False,
                   show_progress: bool = False) -> List[str]:
        """Write the try-on PNGs of many pairs without keeping them in memory.

        Returns:
            list[str]: paths of the try-on PNGs, in pair order.
        """
        writer = ResultWriter(out_dir, save_strip)
        return [writer.write(result, person_in.array, cloth_in.array)
                for result, (person_in, cloth_in, _) in self._run(
                    person, cloth, cloth_mask, batch_size, show_progress)]

    # ------------------------------------------------------------------ steps
    def _run(self, person: ImageSources, cloth: ImageSources,
             cloth_mask: Optional[ImageSources], batch_size: int,
             show_progress: bool) -> Iterator[Tuple[Dict, LoadedPair]]:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f'batch_size must be a positive int, got {batch_size!r}')
        persons, cloths, masks = pair_inputs(person, cloth, cloth_mask)
        loader = _PairLoader(self, persons, cloths, masks)
        loader.check_files()
        cache = GarmentCache(self.garment_cache_size)
        bar = ProgressBar(len(persons)) if show_progress else None
        try:
            for start in range(0, len(persons), batch_size):
                indices = range(start, min(start + batch_size, len(persons)))
                pairs = [loader.load(i) for i in indices]
                items = [self.preprocess(pair, i) for pair, i in zip(pairs, indices)]
                keys = [loader.cloth_key(i) for i in indices]
                for sample, pair in zip(self.forward(items, keys, cache), pairs):
                    yield self.postprocess(sample, pair), pair
                    if bar is not None:
                        bar.update()
        finally:
            if bar is not None:
                print(flush=True)  # end the progress line (also before an error message)

    def preprocess(self, pair: LoadedPair, index: int = 0) -> dict:
        """Run the test pipeline (resize/pad, binarise, pack) on one loaded pair."""
        person, cloth, mask = pair
        results = dict(person=person.array, cloth=cloth.array,
                       person_path=person.path or person.name,
                       cloth_path=cloth.path or cloth.name, paired=False, sample_idx=index)
        if mask is not None:
            results['cloth_mask'] = mask.array
        return self.pipeline.transforms(results)

    def _autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def forward(self, items: Sequence[dict], cloth_keys: Optional[Sequence[Hashable]] = None,
                cache: Optional[GarmentCache] = None) -> List[TryOnDataSample]:
        """Collate packed items and predict.

        Args:
            items (Sequence[dict]): outputs of :meth:`preprocess`.
            cloth_keys (Sequence[Hashable], optional): one key per item; items with equal
                keys share a garment (and mask), which the fast graph then encodes once.
                None: every item is its own garment.
            cache (GarmentCache, optional): garments encoded by earlier batches (fast
                graph); None: a cache for this batch only.

        Returns:
            list[TryOnDataSample]: predictions at the model size (uint8), as
            ``model.test_step`` gives them.
        """
        data = pseudo_collate(list(items))
        if self.fast_model is None:
            with torch.inference_mode(), self._autocast():
                return self.model.test_step(data)
        if cloth_keys is None:
            cloth_keys = list(range(len(items)))
        cache = GarmentCache(self.garment_cache_size) if cache is None else cache
        with torch.inference_mode():
            data = self.model.data_preprocessor(data, False)
            inputs, samples = data['inputs'], data['data_samples']
            garments = cache.encode_batch(self.fast_model, inputs['cloth'],
                                          inputs['cloth_mask'], cloth_keys)
            pred = self.fast_model.predict_with_cloth(inputs['person'], garments)
            return self.model.pack_predictions(
                samples, len(items), person=inputs['person'], cloth=inputs['cloth'],
                pred_warped_cloth=pred.warped_cloth, pred_warped_mask=pred.warped_mask,
                pred_rendered=pred.rendered, pred_tryon=pred.tryon)

    def postprocess(self, sample: TryOnDataSample, pair: LoadedPair) -> Dict:
        """Model-size uint8 predictions -> numpy arrays at the person photo's size."""
        person, cloth, mask = pair
        pad, ori_shape = sample.metainfo['pad'], sample.metainfo['ori_shape']

        def back(tensor: torch.Tensor) -> np.ndarray:
            array = tensor.detach().cpu().numpy()
            array = array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)
            return restore_size(array, pad, ori_shape)

        return dict(tryon=back(sample.pred_tryon), warped_cloth=back(sample.pred_warped_cloth),
                    warped_mask=back(sample.pred_warped_mask),
                    cloth_mask=None if mask is None else mask.array,
                    person_name=person.name, cloth_name=cloth.name,
                    person_path=person.path, cloth_path=cloth.path)


class _PairLoader:
    """Loads the i-th pair; photos and masks used by several pairs are loaded once."""

    def __init__(self, inferencer: TryOnInferencer, persons: list, cloths: list, masks: list):
        self.inferencer = inferencer
        self.persons, self.cloths, self.masks = persons, cloths, masks
        counts = Counter([('person', ) + _source_key(p) for p in persons]
                         + [('cloth', ) + _source_key(c) + _source_key(m)
                            for c, m in zip(cloths, masks)])
        self.repeated = {key for key, count in counts.items() if count > 1}
        self.cache: Dict[tuple, object] = {}

    def check_files(self) -> None:
        """Fail before any computation when a named file does not exist."""
        for role, sources in (('person', self.persons), ('cloth', self.cloths),
                              ('cloth mask', self.masks)):
            for source in sources:
                if isinstance(source, (str, os.PathLike)) and not osp.isfile(source):
                    raise MissingDataFileError(os.fspath(source), f'{role} file not found')

    def _cached(self, key: tuple, make):
        if key not in self.repeated:
            return make()
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def _load_cloth(self, index: int) -> Tuple[LoadedInput, Optional[LoadedInput]]:
        inf = self.inferencer
        cloth = load_photo(self.cloths[index], 'cloth', index, inf.min_side, inf.max_side)
        if not inf.pipeline.loads_mask:
            return cloth, None
        source = self.masks[index]
        if source is None:
            mask = LoadedInput(inf.mask_parser(cloth.array), None, f'{cloth.name}_mask')
        else:
            mask = load_mask(source, cloth.array.shape[:2], index)
        return cloth, mask

    def cloth_key(self, index: int) -> tuple:
        """Identity of the garment (and mask) of pair ``index``."""
        return ('cloth', ) + _source_key(self.cloths[index]) + _source_key(self.masks[index])

    def load(self, index: int) -> LoadedPair:
        inf = self.inferencer
        source = self.persons[index]
        person = self._cached(('person', ) + _source_key(source), lambda: load_photo(
            source, 'person', index, inf.min_side, inf.max_side))
        cloth, mask = self._cached(self.cloth_key(index), lambda: self._load_cloth(index))
        return person, cloth, mask
