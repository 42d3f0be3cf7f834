"""Two CPU processes under DistributedDataParallel train the same model as one with their combined batch."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from llmscratch.gpt import GPTConfig, GPTModel
from llmscratch.training import TrainConfig, train

EPOCHS, LR = 2, 3e-3


def dataset():
    g = torch.Generator().manual_seed(0)
    ids = (torch.randint(0, 97, (16, 1), generator=g) + 5 * torch.arange(13)) % 97
    return TensorDataset(ids[:, :-1], ids[:, 1:])


def model():
    torch.manual_seed(0)  # dropout off: the processes' random streams differ
    return GPTModel(GPTConfig(vocab_size=97, context_length=12, emb_dim=32, n_heads=2, n_layers=2, drop_rate=0.0))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_equal_one_with_the_combined_batch(tmp_path):
    out = tmp_path / "ddp.pt"
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", str(free_port()), str(Path(__file__).with_name("ddp_worker.py")), str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    ddp_weights = torch.load(out)

    # one process, batch 4: rank 0 saw samples 0, 2 and rank 1 saw 1, 3 of each group of four
    single = model()
    loader = DataLoader(dataset(), batch_size=4, shuffle=False)
    train(single, loader, loader, TrainConfig(epochs=EPOCHS, lr=LR, eval_every=1000, progress=False))
    for name, w in single.state_dict().items():
        torch.testing.assert_close(ddp_weights[name], w, atol=2e-5, rtol=1e-4, msg=name)
    untrained = model().state_dict()
    assert not torch.allclose(untrained["blocks.0.ff.fc.weight"], single.state_dict()["blocks.0.ff.fc.weight"])
