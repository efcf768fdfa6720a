"""Hub client faults: a server answering with broken HTTP (raw socket, so nothing tidies it up) gets a
clear `hfcpp download` error naming the URL or header, and nothing is left under a final name; hfcpp
and huggingface_hub downloading the same repo into one cache at once share the blobs safely."""

import hashlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_hub import make_standard_hub  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HFCPP = os.environ.get("HFCPP_BIN", str(ROOT / "build/release/bin/hfcpp"))
PY = str(ROOT / ".venv/bin/python")

pytestmark = pytest.mark.skipif(not Path(HFCPP).exists(), reason=f"hfcpp binary not built: {HFCPP}")

COMMIT = "f" * 40
BODY = b"0123456789" * 100
GOOD_HEAD = (f"HTTP/1.1 200 OK\r\nX-Repo-Commit: {COMMIT}\r\nETag: \"{hashlib.sha1(BODY).hexdigest()}\"\r\n"
             f"Content-Length: {len(BODY)}\r\n").encode()

# mode -> (answer to HEAD, answer to GET): raw bytes, the connection closed after each.
MODES = {
    "bad_status_line": (b"HTTP/1.1 OK-ish\r\nContent-Length: 0\r\n\r\n", None),
    "not_http": (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", None),
    "no_etag": (f"HTTP/1.1 200 OK\r\nX-Repo-Commit: {COMMIT}\r\nContent-Length: 4\r\n\r\n".encode(), None),
    "no_repo_commit": (b"HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 4\r\n\r\n", None),
    "bad_content_length": (GOOD_HEAD + b"\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n" + BODY),
    "short_body": (GOOD_HEAD + b"\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY[:300]),
    "bad_etag": (GOOD_HEAD.replace(b"ETag: \"", b"ETag: \"../../") + b"\r\n", None),
}


class RawServer:
    """Answers every request with fixed bytes, then closes the connection."""

    def __init__(self, mode):
        self.head, self.get = MODES[mode]
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.requests = []
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                line = data.split(b"\r\n", 1)[0].decode(errors="replace")
                self.requests.append(line)
                answer = self.head if line.startswith("HEAD") or self.get is None else self.get
                try:
                    conn.sendall(answer)
                    conn.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

    def close(self):
        self.sock.close()


def run_hfcpp(endpoint, cache, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "TRANSFORMERS"))}
    env.update(HF_ENDPOINT=endpoint, HF_HUB_CACHE=str(cache), HF_HOME=str(cache.parent / "home"),
               HFCPP_HUB_RETRY_WAIT="0.01")
    return subprocess.run([HFCPP, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("mode, expected", [
    ("bad_status_line", ["/org/m/resolve/main/config.json", "HTTP version"]),
    ("not_http", ["/org/m/resolve/main/config.json", "HTTP/0.9"]),
    ("no_etag", ["has no ETag", "/org/m/resolve/main/config.json"]),
    ("no_repo_commit", ["no X-Repo-Commit header", "/org/m/resolve/main/config.json"]),
    ("bad_content_length", ["config.json", "Content-Length"]),
    ("short_body", ["config.json", "700 bytes remaining", "run the same command again to resume"]),
    ("bad_etag", ["ETag"]),
])
def test_garbage_http_is_a_clear_error(tmp_path, mode, expected):
    server = RawServer(mode)
    cache = tmp_path / "cache"
    try:
        r = run_hfcpp(server.url, cache, "download", "org/m", "config.json")
    finally:
        server.close()
    assert r.returncode == 1, (r.returncode, r.stderr)
    # Retries log warnings first; the last line is the error.
    assert r.stderr.strip().splitlines()[-1].startswith("hfcpp: error: [hub]"), r.stderr
    for fragment in expected:
        assert fragment in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    # Nothing under a final name: no blob, no snapshot entry, no ref pointing at a partial download.
    leftovers = [p for p in cache.rglob("*") if p.is_file() and ".locks" not in p.parts]
    assert not [p for p in leftovers if "/blobs/" in str(p) and not p.name.endswith(".incomplete")], leftovers
    assert not list(cache.rglob("config.json"))


def test_hfcpp_and_huggingface_hub_download_at_once(tmp_path):
    """Both libraries fill one cache concurrently: the shared .locks/ keep one blob per file."""
    hub, info = make_standard_hub()
    hub.add_fault(server="cdn", match="/blobs/", kind="stall", after=100_000, seconds=0.5, count=1)
    hub.start()
    cache = tmp_path / "c"
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "TRANSFORMERS"))}
        env.update(HF_ENDPOINT=hub.endpoint, HF_HUB_CACHE=str(cache), HF_HOME=str(tmp_path / "home"),
                   HF_HUB_DISABLE_TELEMETRY="1", HFCPP_HUB_RETRY_WAIT="0.05")
        procs = [subprocess.Popen([HFCPP, "download", "org/tiny"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True),
                 subprocess.Popen([PY, "-c", "from huggingface_hub import snapshot_download as s; print(s('org/tiny'))"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
                 subprocess.Popen([HFCPP, "download", "org/tiny"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)]
        outs = [p.communicate(timeout=60) for p in procs]
    finally:
        hub.stop()
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    assert len({o[0].strip() for o in outs}) == 1
    snap = Path(outs[0][0].strip())
    for name, data in info["v2"].items():
        assert (snap / name).read_bytes() == data, name
    blobs = sorted(p.name for p in (cache / "models--org--tiny/blobs").iterdir())
    assert len(blobs) == len(info["v2"]) and not [b for b in blobs if "incomplete" in b], blobs
