"""The judge's client and protocols: score parsing, P(yes) from logprobs, intervals, shuffled answers, and
how the client behaves on a server that is down, slow, failing or answering without a score. The
failing servers are small HTTP servers in this process, since a real server cannot be made to fail
on purpose; tests/test_server.py runs the client against llama.cpp's real server."""
import http.server
import json
import math
import threading
import time

import pytest

from llmscratch.judge import (ChatClient, JudgeError, judge, mean_interval, parse_score, shuffled_answers,
                              yes_probability)
from llmscratch.server import free_port

ITEMS = [{"instruction": f"Question {i}?", "input": "", "reference": f"Answer {i}.", "answer": f"Reply {i}."}
         for i in range(6)]


@pytest.mark.parametrize("text,score", [
    ("87", 87), ("Score: 87", 87), ("score of 40.", 40), ("I would give it 87/100.", 87), ("55 out of 100", 55),
    ("  100\n", 100), ("The answer is correct.", None), ("Between 60 and 70.", None), ("250", None), ("", None),
])
def test_parse_score(text, score):
    assert parse_score(text) == score


def logprob_reply(pairs):
    return {"choices": [{"message": {"content": pairs[0][0]},
                         "logprobs": {"content": [{"token": pairs[0][0], "logprob": pairs[0][1],
                                                   "top_logprobs": [{"token": t, "logprob": lp} for t, lp in pairs]}]}}]}


def test_yes_probability_sums_spellings_and_normalizes():
    reply = logprob_reply([("Yes", math.log(0.3)), (" yes", math.log(0.1)), ("No", math.log(0.2)), ("The", math.log(0.4))])
    assert yes_probability(reply) == pytest.approx(0.4 / 0.6)
    assert yes_probability(logprob_reply([("The", -0.1), ("I", -2.0)])) is None
    assert yes_probability({"choices": [{"message": {"content": "yes"}}]}) is None  # no logprobs returned


def test_mean_interval():
    mean, half, missing = mean_interval([10.0, 20.0, None, 30.0])
    assert mean == 20.0 and missing == 1 and half == pytest.approx(1.96 * 10 / math.sqrt(3))
    mean, half, missing = mean_interval([None, None])
    assert math.isnan(mean) and missing == 2


def test_shuffled_answers_move_every_answer():
    moved = shuffled_answers(ITEMS, seed=5)
    assert all(m["answer"] != i["answer"] and m["reference"] == i["reference"] for m, i in zip(moved, ITEMS))
    assert sorted(m["answer"] for m in moved) == sorted(i["answer"] for i in ITEMS)


class Stub(http.server.BaseHTTPRequestHandler):
    "Answers each POST with the next (status, body, delay) of the server's `script`."
    def do_POST(self):
        self.server.requests.append((self.headers.get("Authorization"), json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
        status, body, delay = self.server.script.pop(0) if self.server.script else (200, {"choices": []}, 0)
        time.sleep(delay)
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    server.script, server.requests = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def client_for(stub, **kw):
    return ChatClient(f"http://127.0.0.1:{stub.server_address[1]}/v1", backoff=0.01, **kw)


def ok(text):
    return 200, {"choices": [{"message": {"role": "assistant", "content": text}}]}, 0


def test_retries_server_errors_then_succeeds(stub):
    stub.script = [(500, {"error": "overloaded"}, 0), (429, {"error": "slow down"}, 0), ok("Score: 75")]
    assert client_for(stub, retries=2).reply([{"role": "user", "content": "hi"}]) == "Score: 75"
    assert len(stub.requests) == 3


def test_a_bad_request_fails_at_once_with_the_servers_message(stub):
    stub.script = [(400, {"error": "unknown model 'nope'"}, 0)]
    url = f"http://127.0.0.1:{stub.server_address[1]}/v1/chat/completions"
    with pytest.raises(JudgeError, match=f"{url} answered HTTP 400: .*unknown model 'nope'"):
        client_for(stub, retries=3).reply([{"role": "user", "content": "hi"}])
    assert len(stub.requests) == 1


def test_a_slow_server_times_out_after_every_try(stub):
    stub.script = [(200, {}, 1.0), (200, {}, 1.0)]
    with pytest.raises(JudgeError, match=r"did not answer within 0.2 s, after 2 tries"):
        client_for(stub, timeout=0.2, retries=1).reply([{"role": "user", "content": "hi"}])


def test_no_server_names_the_url():
    port = free_port()
    with pytest.raises(JudgeError, match=f"no server answers at http://127.0.0.1:{port}/v1/chat/completions"):
        ChatClient(f"http://127.0.0.1:{port}/v1", retries=1, backoff=0.01).reply([{"role": "user", "content": "hi"}])


def test_replies_without_choices_or_json(stub):
    stub.script = [(200, {"object": "nothing"}, 0), (200, b"<html>proxy error</html>", 0)]
    with pytest.raises(JudgeError, match="without choices"):
        client_for(stub, retries=0).reply([{"role": "user", "content": "hi"}])
    with pytest.raises(JudgeError, match="not JSON"):
        client_for(stub, retries=0).reply([{"role": "user", "content": "hi"}])


def test_api_key_comes_from_the_named_environment_variable(stub, monkeypatch):
    monkeypatch.setenv("MY_JUDGE_KEY", "sk-test-123")
    stub.script = [ok("yes")]
    client_for(stub, model="judge-8b", api_key_env="MY_JUDGE_KEY").reply([{"role": "user", "content": "hi"}], max_tokens=3)
    auth, body = stub.requests[0]
    assert auth == "Bearer sk-test-123" and body["model"] == "judge-8b" and body["max_tokens"] == 3


def test_judge_counts_replies_without_a_score(stub):
    stub.script = [ok("Score: 90"), ok("This answer restates the question."), ok("30/100")]
    scores = judge(client_for(stub), ITEMS[:3], "score", progress=False)
    assert scores == [90, None, 30] and mean_interval(scores)[2] == 1
    assert "Answer 0." in stub.requests[0][1]["messages"][0]["content"]


def test_client_settings_are_checked():
    with pytest.raises(ValueError, match="url must start with http"):
        ChatClient("127.0.0.1:8080/v1")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        ChatClient(timeout=0)
    with pytest.raises(ValueError, match="unknown judging protocol 'vibes'"):
        judge(ChatClient(), ITEMS, "vibes")


def test_the_server_pin_is_the_one_the_package_installs():
    import tomllib
    from pathlib import Path

    from llmscratch.server import LLAMA_CPP
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["optional-dependencies"]["server"] == [LLAMA_CPP]
