"""Instruction fine-tuning: records, prompt formats, padded batches and the loss mask, the answer-only
loss, answers that stop, the overlap metric, the answers file, and `llmscratch finetune-instruct`."""
import json
import shutil

import pytest
import torch

from llmscratch.checkpoint import load_checkpoint
from llmscratch.classify import split
from llmscratch.datasets import fetch
from llmscratch.gpt import GPTConfig, GPTModel
from llmscratch.instruct import (IGNORE, InstructionDataset, PromptFormat, alpaca_prompt, answer_loss, answer_nll,
                                 instruction_collate, instruction_loader, overlap_f1, read_answers, read_instructions,
                                 respond, train_top, write_answers)
from llmscratch.llama import LlamaConfig, LlamaModel
from llmscratch.tokenizer import gpt2_encoding
from llmscratch.training import TrainConfig, next_token_loss, train

from conftest import cli

RECORDS = [{"instruction": f"Spell the number {n} in words.", "input": "", "output": w}
           for n, w in [(1, "one"), (2, "two"), (3, "three"), (4, "four"), (5, "five"), (6, "six")]] + \
          [{"instruction": "Convert to upper case.", "input": f"word {i}", "output": f"WORD {i}"} for i in range(14)]


@pytest.fixture(scope="module")
def enc():
    return gpt2_encoding()


def test_the_book_dataset_and_its_split():
    records = read_instructions(fetch("instruction-data"))
    assert len(records) == 1100
    parts = split(records, (0.85, 0.05), seed=123)
    assert [len(p) for p in parts] == [935, 55, 110]
    assert sum(bool(r["input"]) for r in records) == 325


@pytest.mark.parametrize("text,message", [
    ("not json", "is not a JSON file"),
    ("{}", "holds no list of records"),
    ('[{"instruction": "hi"}]', "record 0 of"),
    ('[{"instruction": "hi", "output": "yo", "input": 3}]', "needs the strings 'instruction' and 'output'"),
])
def test_bad_record_files_are_refused(tmp_path, text, message):
    (tmp_path / "r.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_instructions(tmp_path / "r.json")


def test_alpaca_prompt_has_the_input_only_when_there_is_one():
    assert "### Input:\nword 3\n\n### Response:\n" in alpaca_prompt(RECORDS[9])
    assert "### Input" not in alpaca_prompt(RECORDS[0]) and alpaca_prompt(RECORDS[0]).endswith("### Response:\n")


def test_prompt_format_errors():
    with pytest.raises(ValueError, match="unknown prompt format 'vicuna'"):
        PromptFormat("vicuna")
    with pytest.raises(ValueError, match="needs the model's chat template"):
        PromptFormat("chat")


@pytest.mark.parametrize("mask_prompt", [True, False])
def test_collate_shifts_pads_and_masks(enc, mask_prompt):
    fmt = PromptFormat("alpaca")
    items = InstructionDataset(RECORDS[:3] + RECORDS[10:11], enc, fmt).items
    inputs, targets = instruction_collate(items, pad_id=7, mask_prompt=mask_prompt)
    for row, (prompt, response) in enumerate(items):
        seq, n = prompt + response, len(prompt) + len(response) - 1
        assert inputs[row, :n].tolist() == seq[:-1] and (inputs[row, n:] == 7).all()
        real = targets[row, :n].tolist()
        masked = len(prompt) - 1 if mask_prompt else 0
        assert real[:masked] == [IGNORE] * masked and real[masked:] == seq[1 + masked:]
        assert (targets[row, n:] == IGNORE).all()
        assert real[-1] == enc.eot_token  # the answer ends with the token that stops it


def test_max_length_cuts_and_drops(enc):
    fmt = PromptFormat("alpaca")
    prompts = [len(fmt.prompt_ids(enc, r)) for r in RECORDS[:2]]
    data = InstructionDataset(RECORDS[:2], enc, fmt, max_length=prompts[0] + 1)
    assert [len(p) + len(r) for p, r in data.items] == [prompts[0] + 2] * len(data.items)
    gone = InstructionDataset(RECORDS[:2], enc, fmt, max_length=min(prompts) - 1)
    assert len(gone) == 0 and gone.dropped == 2


@pytest.mark.parametrize("index", [0, 1])
def test_answer_loss_equals_next_token_loss_with_its_gradients(enc, index):
    torch.manual_seed(0)
    model = [GPTModel(GPTConfig.from_name("gpt-micro")), LlamaModel(LlamaConfig.from_name("llama-micro"))][index].eval()  # no dropout
    items = [([i % 49152 for i in p], [i % 49152 for i in r]) for p, r in InstructionDataset(RECORDS[:5], enc, PromptFormat("alpaca")).items]
    batch = instruction_collate(items, pad_id=0)
    grads = []
    for fn in (next_token_loss, answer_loss):
        model.zero_grad()
        loss = fn(model, batch)
        loss.backward()
        grads.append((loss.detach(), [p.grad.clone() for p in model.parameters() if p.grad is not None]))
    torch.testing.assert_close(grads[0][0], grads[1][0])
    for a, b in zip(grads[0][1], grads[1][1]):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-4)


def test_answer_nll_weights_every_token_once(enc):
    torch.manual_seed(0)
    model = GPTModel(GPTConfig.from_name("gpt-micro")).eval()
    data = InstructionDataset(RECORDS, enc, PromptFormat("alpaca"))
    with torch.no_grad():
        whole = answer_loss(model, instruction_collate(data.items, enc.eot_token)).item()
    assert answer_nll(model, instruction_loader(data, 3, enc.eot_token)) == pytest.approx(whole, rel=1e-5)


def test_training_on_a_record_teaches_its_answer_and_where_it_ends(enc):
    torch.manual_seed(0)
    model = GPTModel(GPTConfig.from_name("gpt-micro", drop_rate=0.0))
    fmt, record = PromptFormat("alpaca"), RECORDS[9]  # the answer: "WORD 3"
    loader = instruction_loader(InstructionDataset([record], enc, fmt), 1, enc.eot_token)
    before, start = respond(model.eval(), enc, fmt, record, max_new_tokens=6), answer_nll(model, loader)
    history = train(model, loader, loader, TrainConfig(epochs=60, lr=3e-3, eval_every=30, progress=False),
                    loss_fn=answer_loss)
    assert history.val_loss[-1] < 0.05 and start > 5
    assert respond(model.eval(), enc, fmt, record, max_new_tokens=6) == "WORD 3" != before  # and nothing after it


def test_train_top_freezes_all_but_the_last_blocks():
    model = LlamaModel(LlamaConfig.from_name("llama-micro"))
    n = train_top(model, 1)
    trained = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trained and all(name.startswith(("blocks.1.", "final_norm.")) for name in trained)
    assert n == sum(p.numel() for p in model.blocks[1].parameters()) + model.final_norm.weight.numel()
    assert not model.out_head.weight.requires_grad  # tied to the token embeddings
    with pytest.raises(ValueError, match="between 1 and 2"):
        train_top(model, 3)


def test_overlap_f1():
    assert overlap_f1("The capital of France is Paris.", "the capital of france is paris") == 1.0
    assert overlap_f1("Paris", "The capital is Paris.") == pytest.approx(2 * 1 * 0.25 / 1.25)
    assert overlap_f1("London", "Paris") == 0.0 and overlap_f1("", "Paris") == 0.0


def test_answers_round_trip_and_bad_files(tmp_path):
    answers = [{"instruction": "Say hi.", "input": "", "reference": "Hi.", "answer": "Hello! 你好"}]
    write_answers(tmp_path / "a.json", answers)
    assert read_answers(tmp_path / "a.json") == answers
    (tmp_path / "b.json").write_text(json.dumps([{"instruction": "x", "answer": "y"}]))
    with pytest.raises(ValueError, match="answer 0 of .* needs the strings 'instruction', 'reference' and 'answer'"):
        read_answers(tmp_path / "b.json")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, tiny_pretrained):
    "A folder with a tiny pretrained GPT (a checkpoint of `llmscratch pretrain`) and a file of records."
    folder = tmp_path_factory.mktemp("instruct")
    (folder / "records.json").write_text(json.dumps(RECORDS * 2), encoding="utf-8")
    shutil.copytree(tiny_pretrained, folder / "base")
    return folder


def test_finetune_instruct_resume_and_answers(workdir):
    args = ["--data", "records.json", "--model", "base", "--train-blocks", "1", "--lr", "1e-3",
            "--max-new-tokens", "8", "--checkpoint-dir", "tuned"]
    done = cli("finetune-instruct", *args, "--epochs", "1", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "nats per reference token" in done.stdout
    answers = read_answers(workdir / "tuned" / "answers.json")
    assert len(answers) == 4 and all(a["reference"] in {r["output"] for r in RECORDS} for a in answers)
    again = cli("finetune-instruct", *args, "--epochs", "2", "--resume", "--answers", "more.json", cwd=workdir)
    assert again.returncode == 0, again.stderr
    model, state = load_checkpoint(workdir / "tuned")
    assert state["history"]["epoch"][-1] == 2.0 and isinstance(model, GPTModel)
    assert len(read_answers(workdir / "more.json")) == 4


def test_finetune_instruct_with_lora_leaves_a_plain_checkpoint(workdir):
    done = cli("finetune-instruct", "--data", "records.json", "--model", "base", "--train-blocks", "all", "--lora-rank", "2",
               "--epochs", "1", "--max-new-tokens", "4", "--checkpoint-dir", "lora", cwd=workdir)
    assert done.returncode == 0, done.stderr
    model, state = load_checkpoint(workdir / "lora")
    assert state["merged_lora"] and not any("lora" in name for name, _ in model.named_parameters())


@pytest.mark.parametrize("args,message", [
    (["--data", "missing.json"], "is neither a JSON file of instruction records nor a dataset"),
    (["--data", "records.json", "--format", "chat"], "the chat format needs the model's chat template"),
    (["--data", "records.json", "--train-blocks", "3"], "--train-blocks 3: give 1 to 2"),
    (["--data", "records.json", "--val-fraction", "0.5", "--test-fraction", "0.5"], "leave nothing to train on"),
    (["--data", "base/LATEST"], "is not a JSON file"),
])
def test_finetune_instruct_errors_are_one_line(workdir, args, message):
    done = cli("finetune-instruct", "--model", "base", "--checkpoint-dir", "bad", *args, cwd=workdir)
    assert done.returncode != 0 and message in done.stderr.strip().splitlines()[-1], done.stderr
    assert "Traceback" not in done.stderr
