"""Classification: the data, padding, the last-token head, stored states, freezing, training, checkpoints,
parity with transformers' LlamaForSequenceClassification, and the two commands."""
import shutil

import pytest
import torch
from transformers import LlamaForSequenceClassification

from llmscratch.checkpoint import load_checkpoint, save_checkpoint
from llmscratch.classify import (ClassificationDataset, ClassifierConfig, SequenceClassifier, StoredStates, balance,
                                 classification_accuracy, classification_loader, classification_loss, classify,
                                 pad_batch, predict, read_labelled_lines, split, train_last)
from llmscratch.datasets import fetch
from llmscratch.gpt import GPTConfig, GPTModel
from llmscratch.llama import LlamaConfig, LlamaModel
from llmscratch.tokenizer import gpt2_encoding
from llmscratch.training import TrainConfig, train

from conftest import cli

LABELS = ["ham", "spam"]
HAMS = ["see you at {} tonight", "ok thanks for the {} books", "call me when you land at {}", "running {} min late, sorry"]
SPAMS = ["WIN a free prize now, call 0800{}", "URGENT! claim your {} cash reward", "Txt {} to get FREE ringtones",
         "You have won {} pounds! Reply YES"]
ROWS = [("ham", HAMS[i % 4].format(i)) if i % 2 else ("spam", SPAMS[i % 4].format(i)) for i in range(80)]


def backbones():
    torch.manual_seed(0)
    return [GPTModel(GPTConfig.from_name("gpt-micro")), LlamaModel(LlamaConfig.from_name("llama-micro"))]


@pytest.fixture(scope="module")
def enc():
    return gpt2_encoding()


def small_set(enc, rows=ROWS, vocab=49152):
    data = ClassificationDataset(rows, enc, LABELS, 24)
    data.ids = [[i % vocab for i in ids] for ids in data.ids]  # within llama-micro's vocabulary
    return data


def test_the_sms_file_is_read_line_by_line():
    rows = read_labelled_lines(fetch("sms-spam-collection"))
    assert len(rows) == 5574
    assert sum(label == "spam" for label, _ in rows) == 747 and sum(label == "ham" for label, _ in rows) == 4827
    assert any(text.startswith('"') for _, text in rows)  # what csv's quoting rules would merge with later lines


def test_a_line_without_a_tab_is_named(tmp_path):
    path = tmp_path / "d.tsv"
    path.write_text("ham\thello\nspam no tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2: expected 'label<TAB>text'"):
        read_labelled_lines(path)


def test_balance_and_split():
    rows = [("a", str(i)) for i in range(90)] + [("b", str(i)) for i in range(10)]
    balanced = balance(rows, seed=1)
    assert sorted(l for l, _ in balanced).count("a") == 10 == len(balanced) - 10
    assert balanced == balance(rows, seed=1) and balanced != balance(rows, seed=2)
    tr, va, te = split(balanced, (0.7, 0.1), seed=1)
    assert (len(tr), len(va), len(te)) == (14, 2, 4)
    assert sorted(tr + va + te) == sorted(balanced)


def test_unknown_labels_and_empty_texts_are_refused(enc):
    with pytest.raises(ValueError, match=r"labels \['maybe'\] are not among the classes"):
        ClassificationDataset([("maybe", "hi")], enc, LABELS)
    with pytest.raises(ValueError, match="encodes to no tokens"):
        ClassificationDataset([("ham", "")], enc, LABELS)


def test_pad_batch_pads_on_the_right():
    inputs, lengths, targets = pad_batch([(torch.tensor([5, 6, 7]), 1), (torch.tensor([8]), 0)], pad_id=99)
    assert inputs.tolist() == [[5, 6, 7], [8, 99, 99]] and lengths.tolist() == [3, 1] and targets.tolist() == [1, 0]
    states, lengths, _ = pad_batch([(torch.ones(2, 4), 0), (torch.ones(3, 4), 1)])
    assert states.shape == (2, 3, 4) and states[0, 2].abs().sum() == 0


@pytest.mark.parametrize("index", [0, 1])
def test_the_logits_read_the_last_real_token(index):
    clf = SequenceClassifier.from_backbone(backbones()[index], LABELS).eval()
    ids = torch.randint(0, 1000, (1, 9))
    with torch.no_grad():
        alone = clf(ids)
        for pad in (0, 7, 999):  # padding of any id after the last token changes nothing
            padded = torch.cat([ids, torch.full((1, 5), pad)], 1)
            torch.testing.assert_close(clf(padded, torch.tensor([9])), alone, rtol=0, atol=1e-6)
        changed = ids.clone()
        changed[0, 4] = (changed[0, 4] + 1) % 1000  # a real token before the last one does change them
        assert not torch.allclose(clf(changed), alone)
        assert not torch.allclose(clf(ids, torch.tensor([8])), alone)  # and so does the length


def test_more_tokens_than_the_context_is_a_clear_error():
    clf = SequenceClassifier.from_backbone(GPTModel(GPTConfig.from_name("gpt-micro", context_length=8)), LABELS)
    with pytest.raises(ValueError, match="exceed the backbone's context length of 8"):
        clf(torch.zeros(1, 9, dtype=torch.long))


@pytest.mark.parametrize("index", [0, 1])
def test_stored_states_give_the_same_logits_and_gradients(enc, index):
    clf = SequenceClassifier.from_backbone(backbones()[index], LABELS).eval()
    data = small_set(enc)
    n = len(clf.backbone.blocks)
    train_last(clf, 1)
    stored = StoredStates(clf, data, n - 1, batch_size=5, progress=False)
    last = StoredStates(clf, stored, n, progress=False)  # continued from the earlier block
    assert all(s.shape[0] == 1 for s in last.states)
    direct, _ = predict(clf, classification_loader(data, 8))
    for states, start in ((stored, n - 1), (last, n)):
        torch.testing.assert_close(predict(clf, classification_loader(states, 8), start)[0], direct, atol=1e-5, rtol=0)
    grads = []
    for loader, start in ((classification_loader(data, 16), 0), (classification_loader(stored, 16), n - 1)):
        clf.zero_grad()
        classification_loss(start)(clf, next(iter(loader))).backward()
        grads.append({k: p.grad.clone() for k, p in clf.named_parameters() if p.requires_grad})
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 2
    for k in grads[0]:
        torch.testing.assert_close(grads[0][k], grads[1][k], atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="start must be after the block of the data"):
        StoredStates(clf, stored, n - 1, progress=False)


def test_train_last_freezes_by_name():
    clf = SequenceClassifier.from_backbone(backbones()[1], LABELS)
    d = clf.backbone.cfg.emb_dim
    assert train_last(clf, 0) == 2 * d + 2
    one = train_last(clf, 1)
    block = sum(p.numel() for p in clf.backbone.blocks[-1].parameters())
    assert one == 2 * d + 2 + block + d  # the head, the last block, the final norm's scale
    assert not clf.backbone.blocks[0].att.qkv.weight.requires_grad and clf.backbone.blocks[-1].att.qkv.weight.requires_grad
    assert train_last(clf, None) == sum(p.numel() for p in clf.parameters())
    with pytest.raises(ValueError, match="n_blocks must be between 0 and 2"):
        train_last(clf, 3)


def test_training_on_stored_states_learns_the_task(enc):
    torch.manual_seed(0)
    clf = SequenceClassifier.from_backbone(backbones()[0], LABELS)
    train_last(clf, 1)
    tr, va, _ = split(ROWS, (0.7, 0.2), seed=0)
    sets = [StoredStates(clf, ClassificationDataset(r, enc, LABELS, 24), 1, progress=False) for r in (tr, va)]
    loaders = [classification_loader(s, 8, shuffle=(i == 0)) for i, s in enumerate(sets)]
    cfg = TrainConfig(epochs=15, lr=3e-3, eval_every=7, progress=False)
    history = train(clf, loaders[0], loaders[1], cfg, loss_fn=classification_loss(1),
                    metrics={"accuracy": classification_accuracy(1)})
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.metrics["val_accuracy"][-1] >= 0.9 > history.metrics["train_accuracy"][0] - 0.2


def test_a_checkpoint_rebuilds_the_classifier_with_its_adapters(tmp_path, enc):
    from llmscratch.lora import add_lora
    clf = SequenceClassifier.from_backbone(backbones()[1], LABELS, max_length=16)
    clf.cfg.lora = dict(rank=2, alpha=4.0, include=["backbone.blocks.1.*"])
    add_lora(clf, **clf.cfg.lora)
    with torch.no_grad():
        for name, p in clf.named_parameters():
            if "lora_b" in name:
                p.normal_()
    save_checkpoint(tmp_path, clf, tokenizer=enc)
    loaded, _ = load_checkpoint(tmp_path)
    assert isinstance(loaded, SequenceClassifier) and loaded.cfg == clf.cfg
    ids = torch.randint(0, 1000, (2, 7))
    with torch.no_grad():
        torch.testing.assert_close(loaded.eval()(ids), clf.eval()(ids), rtol=0, atol=0)
    label, probs = classify(loaded, enc, "win a prize")
    assert label in LABELS and abs(sum(probs.values()) - 1) < 1e-6 and probs[label] == max(probs.values())
    with pytest.raises(ValueError, match="the text is empty"):
        classify(loaded, enc, "")


def test_llama_classifier_matches_transformers(tmp_path):
    from test_llama import hf_checkpoint
    hf_checkpoint(tmp_path)
    ours = SequenceClassifier.from_backbone(LlamaModel.from_pretrained(str(tmp_path)), LABELS).eval()
    hf = LlamaForSequenceClassification.from_pretrained(tmp_path, num_labels=2, pad_token_id=0).eval()
    with torch.no_grad():
        ours.head.weight.copy_(hf.score.weight)
        ours.head.bias.zero_()  # transformers' score layer has no bias
    ids = torch.randint(1, 1000, (3, 10))
    lengths = torch.tensor([10, 6, 3])
    ids[torch.arange(10) >= lengths[:, None]] = 0  # right padding with the pad id
    with torch.no_grad():
        theirs = hf(input_ids=ids, attention_mask=(ids != 0).long()).logits
        torch.testing.assert_close(ours(ids, lengths), theirs, atol=1e-5, rtol=1e-4)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, tiny_pretrained):
    "A folder with a tiny pretrained GPT (a checkpoint of `llmscratch pretrain`) and a file of labelled texts."
    folder = tmp_path_factory.mktemp("finetune")
    (folder / "texts.tsv").write_text("".join(f"{label}\t{text}\n" for label, text in ROWS), encoding="utf-8")
    (folder / "one.tsv").write_text("ham\thello\nham\tthere\n", encoding="utf-8")
    shutil.copytree(tiny_pretrained, folder / "base")
    return folder


def test_finetune_classify_and_resume(workdir):
    done = cli("finetune-classifier", "--data", "texts.tsv", "--backbone", "base", "--train-blocks", "1",
               "--epochs", "2", "--lr", "3e-3", "--checkpoint-dir", "clf", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "test accuracy" in done.stdout
    again = cli("finetune-classifier", "--data", "texts.tsv", "--backbone", "base", "--train-blocks", "1",
                "--epochs", "3", "--lr", "3e-3", "--checkpoint-dir", "clf", "--resume", cwd=workdir)
    assert again.returncode == 0, again.stderr
    _, state = load_checkpoint(workdir / "clf")
    assert state["history"]["epoch"][-1] == 3.0 and len(state["history"]["step_loss"]) == state["step"]
    out = cli("classify", "--checkpoint", "clf", "WIN a free prize now, call 08001234", "see you at 9 tonight", cwd=workdir)
    assert out.returncode == 0, out.stderr
    lines = [l.split("\t") for l in out.stdout.strip().splitlines()]
    assert [l[2] for l in lines] == ["WIN a free prize now, call 08001234", "see you at 9 tonight"]
    assert all(l[0] in LABELS and 0.5 <= float(l[1]) <= 1 for l in lines)


def test_finetune_with_lora(workdir):
    done = cli("finetune-classifier", "--data", "texts.tsv", "--backbone", "base", "--train-blocks", "all",
               "--lora-rank", "2", "--epochs", "1", "--checkpoint-dir", "lora", cwd=workdir)
    assert done.returncode == 0, done.stderr
    model, _ = load_checkpoint(workdir / "lora")
    assert model.cfg.lora["rank"] == 2 and any("lora_a" in n for n, _ in model.named_parameters())


@pytest.mark.parametrize("args,message", [
    (["--data", "one.tsv"], "has a single label (ham): a classifier needs at least two"),
    (["--data", "missing.tsv"], "is neither a file of label<TAB>text lines nor a dataset"),
    (["--data", "texts.tsv", "--train-blocks", "5"], "--train-blocks 5: base has 2 blocks"),
    (["--data", "texts.tsv", "--train-blocks", "0", "--lora-rank", "4"], "--lora-rank needs blocks to adapt"),
    (["--data", "texts.tsv", "--val-fraction", "0.5", "--test-fraction", "0.5"], "leave nothing to train on"),
    (["--data", "texts.tsv", "--lr", "0"], "--lr: must be > 0, got 0.0"),
])
def test_finetune_errors_are_one_line(workdir, args, message):
    done = cli("finetune-classifier", "--backbone", "base", "--checkpoint-dir", "bad", *args, cwd=workdir)
    assert done.returncode != 0 and message in done.stderr.strip().splitlines()[-1], done.stderr
    assert "Traceback" not in done.stderr


def test_classify_refuses_a_language_model(workdir):
    done = cli("classify", "--checkpoint", "base", "hello", cwd=workdir)
    assert done.returncode == 1 and "holds a language model, not a classifier" in done.stderr
