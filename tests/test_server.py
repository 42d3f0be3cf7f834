"""The judge against llama.cpp's real HTTP server (PyPI llama-cpp-python[server], installed by `make test`),
serving SmolLM2-135M-Instruct's GGUF file on 127.0.0.1: both protocols, a timeout, an error reply, the
`evaluate` command, and a server that cannot start. Without the package these tests are skipped,
unless LLMSCRATCH_REQUIRE_SERVER=1 (set by `make test`) makes its absence a failure."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from llmscratch.instruct import write_answers
from llmscratch.judge import ChatClient, JudgeError, judge, mean_interval, shuffled_answers
from llmscratch.server import LlamaServer

INSTALLED = importlib.util.find_spec("llama_cpp") is not None
if not INSTALLED and os.environ.get("LLMSCRATCH_REQUIRE_SERVER") != "1":
    pytest.skip("llama-cpp-python[server] is not installed (`make test` installs it)", allow_module_level=True)

ITEMS = [{"instruction": "What is the capital of France?", "input": "", "reference": "The capital of France is Paris.",
          "answer": "Paris is the capital of France."},
         {"instruction": "Convert 3 kilometers to meters.", "input": "", "reference": "3 kilometers is 3000 meters.",
          "answer": "3000 meters."},
         {"instruction": "What is the opposite of 'hot'?", "input": "", "reference": "The opposite of 'hot' is 'cold'.",
          "answer": "Cold."}]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert INSTALLED, "llama-cpp-python[server] is not installed: `make test` installs it"
    with LlamaServer(log=tmp_path_factory.mktemp("server") / "server.log") as s:
        yield s


def test_the_server_lists_its_model(server):
    import urllib.request
    models = json.load(urllib.request.urlopen(server.url + "/models"))
    assert [m["id"] for m in models["data"]] == ["smollm2"]


def test_yes_no_gives_a_probability_for_every_answer(server):
    scores = judge(ChatClient(server.url), ITEMS + shuffled_answers(ITEMS), "yes-no", progress=False)
    assert all(s is not None and 0 <= s <= 100 for s in scores)
    assert len(set(scores)) > 1  # the logprobs depend on the answer


def test_score_protocol_counts_what_it_cannot_parse(server):
    scores = judge(ChatClient(server.url), ITEMS, "score", progress=False)
    assert all(s is None or (isinstance(s, int) and 0 <= s <= 100) for s in scores)
    assert mean_interval(scores)[2] == scores.count(None)


def test_a_timeout_against_the_real_server(server):
    client = ChatClient(server.url, timeout=0.05, retries=1, backoff=0.01)
    with pytest.raises(JudgeError, match="did not answer within 0.05 s, after 2 tries"):
        client.reply([{"role": "user", "content": "Write a long story about a lighthouse."}], max_tokens=300)


def test_error_replies_of_the_real_server(server):
    # a wrong path is a 404: asking again cannot help, so the client fails at once
    with pytest.raises(JudgeError, match=r"/v1/nowhere/chat/completions answered HTTP 404"):
        ChatClient(server.url + "/nowhere", retries=3).reply([{"role": "user", "content": "hi"}])
    # llama-cpp-python answers a malformed message with a 500, which the client retries, then reports
    with pytest.raises(JudgeError, match=r"answered HTTP 500: .*validation error.*after 2 tries"):
        ChatClient(server.url, retries=1, backoff=0.01).reply([{"role": "narrator", "text": "no content field"}])


def test_evaluate_command_with_sanity_sets(server, tmp_path):
    write_answers(tmp_path / "answers.json", ITEMS)
    done = subprocess.run([sys.executable, "-c", "from llmscratch.cli import main; main()", "evaluate",
                           "--answers", "answers.json", "--sanity", "--out", "scores.json", "--judge-url", server.url],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "scores.json").read_text())
    assert {"answers", "references", "shuffled"} <= report.keys() and report["protocol"] == "yes-no"
    assert all(len(report[k]["scores"]) == 3 for k in ("answers", "references", "shuffled"))
    assert "references:" in done.stdout


def test_evaluate_against_a_stopped_server_is_one_line(tmp_path):
    write_answers(tmp_path / "answers.json", ITEMS[:1])
    s = LlamaServer(log=tmp_path / "server.log").start()
    url = s.url
    s.stop()
    done = subprocess.run([sys.executable, "-c", "from llmscratch.cli import main; main()", "evaluate",
                           "--answers", "answers.json", "--judge-url", url, "--judge-retries", "1"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 1 and f"no server answers at {url}/chat/completions" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_broken_model_file_stops_the_server_with_its_log(tmp_path):
    (tmp_path / "broken.gguf").write_bytes(b"GGUF not really")
    with pytest.raises(RuntimeError, match="llama.cpp's server stopped at start"):
        LlamaServer(str(tmp_path / "broken.gguf"), log=tmp_path / "server.log", startup_timeout=60).start()
