"""Run by tests/test_ddp.py under `torch.distributed.run`: train a tiny GPT with DDP on CPU (gloo).

Each process trains on its shard (a DistributedSampler without shuffling) with batch size 2;
rank 0 writes the final weights to the path given as the first argument.
"""
import sys

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from test_ddp import EPOCHS, LR, dataset, model  # noqa: E402

from llmscratch.training import TrainConfig, train  # noqa: E402

dist.init_process_group("gloo")
data = dataset()
loader = DataLoader(data, batch_size=2, sampler=DistributedSampler(data, shuffle=False))
m = model()
train(m, loader, loader, TrainConfig(epochs=EPOCHS, lr=LR, eval_every=1000, progress=False))
if dist.get_rank() == 0:
    torch.save(m.state_dict(), sys.argv[1])
dist.destroy_process_group()
