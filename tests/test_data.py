"""fetch(): mirror copies, downloads, checksums, atomic writes and the errors a reader sees."""
import hashlib
import http.server
import io
import os
import threading
import zipfile
from pathlib import Path

import pytest

from llmscratch import files
from llmscratch.datasets import DATASETS, DataError, DataFile, DataSource, fetch

MIRROR = os.environ.get("LLMSCRATCH_DATA_MIRROR")  # read before fixtures unset it
BODY = b"The quick brown fox.\n" * 100
SHA = hashlib.sha256(BODY).hexdigest()


class _Server(http.server.ThreadingHTTPServer):
    routes: dict = {}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body, mode = self.server.routes.get(self.path, (None, None))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "truncate" else body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.routes = {}
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMSCRATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LLMSCRATCH_DATA_MIRROR", raising=False)
    return tmp_path / "cache" / "data"


def register(monkeypatch, *files, name="toy"):
    monkeypatch.setitem(DATASETS, name, DataSource(name, "a test dataset", "none", tuple(files)))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_unknown_dataset_lists_the_known_ones(cache):
    with pytest.raises(DataError, match="unknown dataset 'nope'.*the-verdict"):
        fetch("nope")


def test_mirror_copy_is_byte_identical(cache, tmp_path, monkeypatch):
    (tmp_path / "mirror" / "toy").mkdir(parents=True)
    (tmp_path / "mirror" / "toy" / "a.txt").write_bytes(BODY)
    register(monkeypatch, DataFile("toy/a.txt", "http://127.0.0.1:9/a.txt", SHA))
    monkeypatch.setenv("LLMSCRATCH_DATA_MIRROR", str(tmp_path / "mirror"))
    path = fetch("toy")
    assert path == cache / "toy" / "a.txt" and path.read_bytes() == BODY
    assert leftovers(cache) == ["a.txt"]


def test_mirror_without_the_file_names_dataset_url_and_variable(cache, tmp_path, monkeypatch):
    register(monkeypatch, DataFile("toy/a.txt", "http://example.invalid/a.txt", SHA))
    with pytest.raises(DataError) as e:
        fetch("toy", mirror=tmp_path)
    msg = str(e.value)
    assert "'toy'" in msg and "http://example.invalid/a.txt" in msg and "LLMSCRATCH_DATA_MIRROR" in msg
    assert leftovers(cache) == []


def test_mirror_file_with_wrong_checksum_is_refused(cache, tmp_path, monkeypatch):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.txt").write_bytes(BODY + b"tampered")
    register(monkeypatch, DataFile("toy/a.txt", "http://example.invalid/a.txt", SHA))
    with pytest.raises(DataError, match=f"expected {SHA}"):
        fetch("toy", mirror=tmp_path)
    assert leftovers(cache) == []


def test_download_from_url(cache, server, monkeypatch):
    server.routes["/a.txt"] = (BODY, None)
    register(monkeypatch, DataFile("a.txt", f"http://127.0.0.1:{server.server_port}/a.txt", SHA))
    assert fetch("toy", progress=False).read_bytes() == BODY
    del server.routes["/a.txt"]  # a second fetch must come from the cache
    assert fetch("toy", progress=False).read_bytes() == BODY


@pytest.mark.parametrize("mode", ["corrupt", "truncate"])
def test_bad_download_leaves_nothing_behind(cache, server, monkeypatch, mode):
    server.routes["/a.txt"] = (BODY.upper() if mode == "corrupt" else BODY, mode)
    url = f"http://127.0.0.1:{server.server_port}/a.txt"
    register(monkeypatch, DataFile("a.txt", url, SHA))
    with pytest.raises(DataError, match="sha256"):
        fetch("toy", progress=False)
    assert leftovers(cache) == []


def test_no_network_error_names_dataset_url_and_mirror(cache, monkeypatch):
    url = "http://127.0.0.1:9/unreachable.txt"  # the discard port: nothing listens there
    register(monkeypatch, DataFile("a.txt", url, SHA))
    with pytest.raises(DataError) as e:
        fetch("toy", progress=False)
    msg = str(e.value)
    assert "'toy'" in msg and url in msg and "LLMSCRATCH_DATA_MIRROR" in msg
    assert leftovers(cache) == []


def test_zip_members_are_extracted_and_checked(cache, server, monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("corpus/a.txt", BODY)
        z.writestr("corpus/b.txt", BODY * 2)
        z.writestr("corpus/unused.txt", b"x")
    server.routes["/corpus.zip"] = (buf.getvalue(), None)
    url = f"http://127.0.0.1:{server.server_port}/corpus.zip"
    register(monkeypatch,
             DataFile("corpus/a.txt", url, SHA, member="corpus/a.txt"),
             DataFile("corpus/b.txt", url, hashlib.sha256(BODY * 2).hexdigest(), member="corpus/b.txt"))
    folder = fetch("toy", progress=False)
    assert folder == cache / "corpus"
    assert (folder / "b.txt").read_bytes() == BODY * 2
    assert leftovers(cache) == ["a.txt", "b.txt"]  # the archive itself is gone


def test_corrupted_cache_file_is_fetched_again(cache, tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.txt").write_bytes(BODY)
    register(monkeypatch, DataFile("a.txt", "http://example.invalid/a.txt", SHA))
    cache.mkdir(parents=True)
    (cache / "a.txt").write_bytes(b"half a fi")
    assert fetch("toy", mirror=tmp_path / "m").read_bytes() == BODY


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"old")

    def failing():
        yield b"new data"
        raise OSError("disk full")

    with pytest.raises(OSError):
        files.write_chunks(dest, failing())
    assert dest.read_bytes() == b"old" and leftovers(tmp_path) == ["f.bin"]


@pytest.mark.skipif(not MIRROR, reason="needs LLMSCRATCH_DATA_MIRROR")
def test_registry_matches_the_mirror(cache):
    "Every file of every dataset is in the mirror with the registered checksum."
    mirror = Path(MIRROR)
    for name, ds in DATASETS.items():
        path = fetch(name, mirror=mirror)
        assert path.exists()
        for f in ds.files:
            assert (cache / f.path).read_bytes() == (mirror / f.path).read_bytes()
