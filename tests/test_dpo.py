"""Preference tuning: the pairs and their batches, answer log-probabilities against a direct
computation, the DPO loss against a hand-computed case, stored states that change nothing, a
reference that gets no gradients, training that learns a preference, and `llmscratch finetune-dpo`."""
import copy
import json
import math
import shutil

import pytest
import torch

from llmscratch.checkpoint import load_checkpoint
from llmscratch.classify import split
from llmscratch.datasets import fetch
from llmscratch.dpo import (TIE, PreferenceDataset, PreferenceStates, answer_logprobs, block_input, dpo_loss, dpo_metrics,
                            dpo_objective, preference_batch, preference_collate, preference_loader, read_preferences)
from llmscratch.gpt import GPTConfig, GPTModel
from llmscratch.instruct import IGNORE, InstructionDataset, PromptFormat, instruction_collate, read_answers, train_top
from llmscratch.llama import LlamaConfig, LlamaModel
from llmscratch.tokenizer import gpt2_encoding
from llmscratch.training import TrainConfig, evaluate, train

from conftest import cli

# a preference any model can learn quickly: the chosen answer is always "yes", the rejected one "no"
PAIRS = [{"instruction": f"Is {n} a number?", "input": "", "output": "yes", "chosen": "yes", "rejected": "no"}
         for n in range(12)] + \
        [{"instruction": "Say something kind.", "input": f"to person {i}", "output": "You are great.",
          "chosen": "You are great.", "rejected": "Go away, you are no fun at all."} for i in range(12)]


@pytest.fixture(scope="module")
def enc():
    return gpt2_encoding()


def tiny(kind: str, seed: int = 0):
    torch.manual_seed(seed)
    if kind == "gpt":
        return GPTModel(GPTConfig(vocab_size=50257, context_length=64, emb_dim=32, n_heads=4, n_layers=3, drop_rate=0.0)).eval()
    return LlamaModel(LlamaConfig(vocab_size=50257, context_length=64, emb_dim=32, n_heads=4, n_kv_heads=2, n_layers=3,
                                  hidden_dim=64)).eval()


def test_the_book_dataset_and_its_split():
    records = read_preferences(fetch("instruction-data-with-preference"))
    assert len(records) == 1100 and [len(p) for p in split(records, (0.85, 0.05), seed=123)] == [935, 55, 110]
    assert all(r["output"] in (r["chosen"], r["rejected"]) for r in records)


@pytest.mark.parametrize("text,message", [
    ("[]", "holds no list of records"),
    ('[{"instruction": "hi", "output": "yo"}]', "record 0 of .* needs the strings 'instruction', 'chosen' and 'rejected'"),
    ('[{"instruction": "hi", "chosen": "a", "rejected": "b", "input": 3}]', "may have the strings 'input' and 'output'"),
])
def test_bad_preference_files_are_refused(tmp_path, text, message):
    (tmp_path / "p.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_preferences(tmp_path / "p.json")


def test_pairs_share_the_prompt_and_drop_like_instruction_records(enc):
    fmt = PromptFormat("alpaca")
    for max_length in (None, 60, 53, 40):
        pairs = PreferenceDataset(PAIRS, enc, fmt, max_length)
        chosen = InstructionDataset([r | {"output": r["chosen"]} for r in PAIRS], enc, fmt, max_length)
        assert pairs.dropped == chosen.dropped and len(pairs) == len(chosen)
        for (p, c, r), (p2, c2) in zip(pairs.items, chosen.items):
            assert (p, c) == (p2, c2)
            assert max_length is None or len(p) + len(r) <= max_length + 1
    assert PreferenceDataset(PAIRS, enc, fmt, 45).dropped == 12  # the prompts of "Say something kind" are longer


def test_collate_puts_the_chosen_rows_first(enc):
    items = PreferenceDataset(PAIRS[10:14], enc, PromptFormat("alpaca")).items
    inputs, targets = preference_collate(items, pad_id=0)
    ref_inputs, ref_targets = instruction_collate([(p, c) for p, c, _ in items] + [(p, r) for p, _, r in items], 0)
    assert inputs.shape[0] == 8 and torch.equal(inputs, ref_inputs) and torch.equal(targets, ref_targets)
    for row, (_, c, r) in enumerate(items):
        assert targets[row][targets[row] != IGNORE].tolist() == c
        assert targets[4 + row][targets[4 + row] != IGNORE].tolist() == r


@pytest.mark.parametrize("kind", ["gpt", "llama"])
def test_answer_logprobs_match_a_direct_computation(enc, kind):
    model = tiny(kind)
    inputs, targets = preference_collate(PreferenceDataset(PAIRS[9:15], enc, PromptFormat("alpaca")).items, 0)
    with torch.no_grad():
        logp = model(inputs).log_softmax(-1)
        fast = answer_logprobs(model, inputs, targets)
        for start in (1, 3):
            assert torch.allclose(answer_logprobs(model, block_input(model, inputs, start), targets, start), fast, atol=1e-5)
    for row in range(len(targets)):
        direct = sum(logp[row, i, targets[row, i]].item() for i in range(targets.shape[1]) if targets[row, i] != IGNORE)
        assert fast[row].item() == pytest.approx(direct, abs=1e-4)


def test_dpo_loss_against_a_hand_computed_case():
    chosen, rejected = torch.tensor([-10.0, -3.0], requires_grad=True), torch.tensor([-14.0, -2.0], requires_grad=True)
    loss, r_chosen, r_rejected = dpo_loss(chosen, rejected, torch.tensor([-11.0, -3.0]), torch.tensor([-12.0, -3.0]), beta=0.5)
    assert r_chosen.tolist() == [0.5, 0.0] and r_rejected.tolist() == [-1.0, 0.5]
    by_hand = (math.log1p(math.exp(-1.5)) + math.log1p(math.exp(0.5))) / 2  # -log σ(x) = log(1 + e^-x)
    assert loss.item() == pytest.approx(by_hand, rel=1e-6)
    loss.backward()
    assert (chosen.grad < 0).all() and (rejected.grad > 0).all()  # descent raises the chosen, lowers the rejected
    # the pair already ordered right by a wide margin is pushed less
    assert abs(chosen.grad[0]) < abs(chosen.grad[1])
    unmoved = dpo_loss(torch.zeros(3), torch.zeros(3), torch.zeros(3), torch.zeros(3))[0]
    assert unmoved.item() == pytest.approx(math.log(2))


@pytest.mark.parametrize("start", [0, 2])
def test_stored_states_give_the_same_loss_and_gradients(enc, start):
    model = tiny("llama")
    pairs = PreferenceDataset(PAIRS[8:16], enc, PromptFormat("alpaca"))
    stored = PreferenceStates(model, pairs, 0, start, batch_size=3, progress=False)
    plain = PreferenceStates(model, pairs, 0, 0, progress=False)
    policy = copy.deepcopy(model)
    with torch.no_grad():  # move the top so that the rewards are not zero
        for p in policy.blocks[2].parameters():
            p.add_(0.05 * torch.randn_like(p))
    train_top(policy, 1)
    grads = []
    for data, s in ((plain, 0), (stored, start)):
        policy.zero_grad()
        batch = preference_batch([data[i] for i in range(len(data))])
        loss = dpo_objective(0.1, s)(policy, batch)
        loss.backward()
        grads.append((loss.item(), [p.grad.clone() for p in policy.parameters() if p.requires_grad]))
    assert grads[0][0] == pytest.approx(grads[1][0], abs=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(grads[0][1], grads[1][1]))


def test_the_reference_gets_no_gradients_and_its_numbers_stay(enc):
    reference = tiny("gpt")
    before = copy.deepcopy(reference.state_dict())
    data = PreferenceStates(reference, PreferenceDataset(PAIRS, enc, PromptFormat("alpaca")), 0, 2, progress=False)
    refs = torch.stack([item[2] for item in data])
    assert not refs.requires_grad
    policy = copy.deepcopy(reference)
    train_top(policy, 1)
    train(policy, preference_loader(data, 4, shuffle=True), preference_loader(data, 4),
          TrainConfig(epochs=1, lr=1e-2, eval_every=100, progress=False), loss_fn=dpo_objective(0.1, 2))
    assert all(p.grad is None for p in reference.parameters())
    assert all(torch.equal(before[k], v) for k, v in reference.state_dict().items())
    assert torch.equal(torch.stack([item[2] for item in data]), refs)
    assert not all(torch.equal(before[k], v) for k, v in policy.state_dict().items())  # the policy did train


def test_dpo_learns_the_preference(enc):
    model = tiny("llama", seed=1)
    data = PreferenceStates(model, PreferenceDataset(PAIRS, enc, PromptFormat("alpaca")), 0, 1, progress=False)
    loader = preference_loader(data, 8)
    metrics = dpo_metrics(0.5, 1)
    start = evaluate(model, loader, metrics | {"loss": dpo_objective(0.5, 1)})
    # the policy is the reference: every reward is zero (up to the rounding that TIE absorbs)
    assert start["accuracy"] == 0 and abs(start["margin"]) < TIE
    assert start["loss"] == pytest.approx(math.log(2), abs=1e-5)
    train_top(model, 2)
    history = train(model, preference_loader(data, 8, shuffle=True), loader,
                    TrainConfig(epochs=8, lr=3e-3, eval_every=6, progress=False),
                    loss_fn=dpo_objective(0.5, 1), metrics=metrics)
    assert history.val_loss[-1] < 0.5 * math.log(2)
    assert history.metrics["val_accuracy"][-1] == 1.0 and history.metrics["val_margin"][-1] > 0
    m = history.metrics
    assert m["val_margin"][-1] == pytest.approx(m["val_chosen"][-1] - m["val_rejected"][-1], abs=1e-5)


def test_states_start_is_checked(enc):
    with pytest.raises(ValueError, match="start must be between 0 and 3"):
        PreferenceStates(tiny("gpt"), PreferenceDataset(PAIRS[:2], enc, PromptFormat("alpaca")), 0, 4)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, tiny_pretrained):
    "A folder with a tiny pretrained GPT (a checkpoint of `llmscratch pretrain`) and a file of preference records."
    folder = tmp_path_factory.mktemp("dpo")
    (folder / "pairs.json").write_text(json.dumps(PAIRS), encoding="utf-8")
    shutil.copytree(tiny_pretrained, folder / "base")
    return folder


def test_finetune_dpo_trains_resumes_and_writes_answers(workdir):
    args = ["--data", "pairs.json", "--model", "base", "--train-blocks", "1", "--lr", "1e-3", "--beta", "0.5",
            "--max-new-tokens", "4", "--batch-size", "4", "--val-fraction", "0.2", "--test-fraction", "0.2",
            "--checkpoint-dir", "dpo"]
    done = cli("finetune-dpo", *args, "--epochs", "1", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "preference accuracy" in done.stdout and "reward margin" in done.stdout
    answers = read_answers(workdir / "dpo" / "answers.json")
    assert len(answers) == 5 and all(a["reference"] in {r["output"] for r in PAIRS} for a in answers)
    again = cli("finetune-dpo", *args, "--epochs", "2", "--resume", "--answers", "more.json", cwd=workdir)
    assert again.returncode == 0, again.stderr
    model, state = load_checkpoint(workdir / "dpo")
    assert state["history"]["epoch"][-1] == 2.0 and isinstance(model, GPTModel)
    assert "val_accuracy" in state["history"]["metrics"]


def test_finetune_dpo_with_lora_leaves_a_plain_checkpoint(workdir):
    done = cli("finetune-dpo", "--data", "pairs.json", "--model", "base", "--lora-rank", "2", "--epochs", "1",
               "--max-new-tokens", "2", "--checkpoint-dir", "lora", cwd=workdir)
    assert done.returncode == 0, done.stderr
    model, state = load_checkpoint(workdir / "lora")
    assert state["merged_lora"] and not any("lora" in name for name, _ in model.named_parameters())


@pytest.mark.parametrize("args,message", [
    (["--data", "pairs.json", "--beta", "0"], "--beta: must be > 0"),
    (["--data", "missing.json"], "is neither a JSON file of preference records nor a dataset"),
    (["--data", "instruction-data"], "needs the strings 'instruction', 'chosen' and 'rejected'"),
    (["--data", "pairs.json", "--train-blocks", "3"], "--train-blocks 3: give 1 to 2"),
    (["--data", "pairs.json", "--max-length", "8"], "every training record's prompt is longer than --max-length 8"),
])
def test_finetune_dpo_errors_are_one_line(workdir, args, message):
    done = cli("finetune-dpo", "--model", "base", "--checkpoint-dir", "bad", *args, cwd=workdir)
    assert done.returncode != 0 and message in done.stderr.strip().splitlines()[-1], done.stderr
    assert "Traceback" not in done.stderr
