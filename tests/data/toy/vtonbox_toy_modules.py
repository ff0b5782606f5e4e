"""A toy model and dataset registered from *outside* vtonbox, loaded through
``custom_imports``: the same path a user's own modules take."""
import torch
from mmengine.dataset import BaseDataset
from mmengine.model import BaseModel

from vtonbox.registry import DATASETS, MODELS

#: Fixed regression target of the toy problem.
TOY_WEIGHT = (2.0, -1.0, 0.5, 3.0)


@MODELS.register_module()
class ToyRegressor(BaseModel):
    """Linear regression y = w.x, enough to exercise the Runner."""

    def __init__(self, in_features: int = len(TOY_WEIGHT)):
        super().__init__()
        self.linear = torch.nn.Linear(in_features, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs) if isinstance(inputs, (list, tuple)) else inputs
        pred = self.linear(x).squeeze(-1)
        if mode == 'loss':
            target = torch.stack(data_samples) if isinstance(data_samples, (list, tuple)) \
                else data_samples
            return dict(loss_mse=((pred - target) ** 2).mean())
        return pred


@DATASETS.register_module()
class ToyRegressionDataset(BaseDataset):
    """``num_samples`` seeded samples of the toy problem."""

    def __init__(self, num_samples: int = 16, **kwargs):
        self.num_samples = num_samples
        super().__init__(**kwargs)

    def load_data_list(self):
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(self.num_samples, len(TOY_WEIGHT), generator=gen)
        y = x @ torch.tensor(TOY_WEIGHT)
        return [dict(inputs=x[i], data_samples=y[i]) for i in range(self.num_samples)]

    def prepare_data(self, idx):
        info = self.get_data_info(idx)
        return dict(inputs=info['inputs'], data_samples=info['data_samples'])
