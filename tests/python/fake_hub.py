"""A tiny fake Hugging Face Hub on 127.0.0.1 for the hub client tests (no internet needed).

It speaks the contract huggingface_hub 1.x uses: HEAD/GET /{prefix}{repo}/resolve/{rev}/{path}
with X-Repo-Commit, ETag (git sha1) for regular files and a 302 to a "CDN" on another host name
(localhost vs 127.0.0.1) with X-Linked-Etag (sha256) / X-Linked-Size for LFS files,
/api/{type}s/{id}/revision/{rev}, /api/{type}s/{id}/tree/{rev} paginated by a Link header, Range
requests, X-Error-Code errors, tokens, and fault injection (5xx, connection cut mid-body, stalls,
garbage headers). Every request is recorded in `hub.log` for the tests to inspect.
"""

import hashlib
import http.server
import json
import socket
import threading
import time
import urllib.parse


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Repo:
    def __init__(self, repo_id, repo_type="model", revisions=None, lfs_threshold=1000, private=False):
        """revisions: {commit_sha: {path: bytes}}, refs: set via `refs`."""
        self.repo_id = repo_id
        self.repo_type = repo_type
        self.commits = revisions or {}
        self.refs = {}
        self.lfs_threshold = lfs_threshold
        self.private = private

    def is_lfs(self, data):
        return len(data) >= self.lfs_threshold

    def resolve(self, rev):
        if rev in self.refs:
            return self.refs[rev]
        if rev in self.commits:
            return rev
        return None


class FakeHub:
    def __init__(self, page_size=2):
        self.repos = {}  # (type, id) -> Repo
        self.aliases = {}  # (type, old id) -> new id (relative 307 redirects)
        self.blobs = {}  # sha256 -> bytes (served by the CDN)
        self.tokens = {"hf_good_token"}
        self.page_size = page_size
        self.log = []  # (server, method, path, headers dict)
        self.faults = []  # dicts: {"match": substr, "kind": ..., "count": n, ...}
        self.lock = threading.Lock()
        self.api = None
        self.cdn = None

    # ---- setup -------------------------------------------------------------------------
    def add_repo(self, repo):
        self.repos[(repo.repo_type, repo.repo_id)] = repo
        for files in repo.commits.values():
            for data in files.values():
                if repo.is_lfs(data):
                    self.blobs[hashlib.sha256(data).hexdigest()] = data
        return repo

    def add_fault(self, **fault):
        with self.lock:
            self.faults.append(dict(fault))

    def take_fault(self, server, path):
        with self.lock:
            for f in self.faults:
                if f.get("server", server) == server and f["match"] in path and f.get("count", 1) > 0:
                    f["count"] = f.get("count", 1) - 1
                    return dict(f)
        return None

    def requests(self, server=None, method=None, contains=None):
        return [r for r in self.log if (server is None or r[0] == server) and (method is None or r[1] == method)
                and (contains is None or contains in r[2])]

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.api.server_address[1]}"

    def start(self):
        self.api = _Server(("127.0.0.1", 0), _ApiHandler, self)
        self.cdn = _Server(("127.0.0.1", 0), _CdnHandler, self)
        for s in (self.api, self.cdn):
            threading.Thread(target=s.serve_forever, daemon=True).start()
        return self

    def stop(self):
        for s in (self.api, self.cdn):
            s.shutdown()
            s.server_close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, hub):
        super().__init__(addr, handler)
        self.hub = hub


class _Base(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_name_tag = "api"

    def log_message(self, *args):
        pass

    @property
    def hub(self):
        return self.server.hub

    def record(self):
        self.hub.log.append((self.server_name_tag, self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))

    def send_json(self, obj, status=200, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error_code(self, status, code=None, message=None, extra=None):
        body = json.dumps({"error": message or code or "error"}).encode()
        self.send_response(status)
        if code:
            self.send_header("X-Error-Code", code)
        if message:
            self.send_header("X-Error-Message", message)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def apply_fault(self):
        """Returns True when the request was fully handled by a fault."""
        fault = self.hub.take_fault(self.server_name_tag, self.path)
        if fault is None:
            return None
        kind = fault["kind"]
        if kind == "status":
            self.send_error_code(fault.get("status", 500), message="injected failure")
            return True
        if kind == "garbage":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Repo-Commit: \x00\x01garbage\r\nthis is not a header\r\n\r\n")
            self.close_connection = True
            return True
        return fault  # body faults (cut, stall) are applied while sending

    def send_body(self, data, fault, status_headers):
        """Sends a (possibly ranged) body, applying cut/stall faults."""
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            a, _, b = rng[6:].partition("-")
            start = int(a)
            end = int(b) if b else len(data) - 1
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            chunk = data[start:end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{start + len(chunk) - 1}/{len(data)}")
        else:
            chunk = data
            self.send_response(200)
        for k, v in status_headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(chunk)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if self.command == "HEAD":
            return
        if isinstance(fault, dict) and fault["kind"] in ("cut", "stall"):
            n = fault.get("after", len(chunk) // 2)
            self.wfile.write(chunk[:n])
            self.wfile.flush()
            if fault["kind"] == "stall":
                time.sleep(fault.get("seconds", 30))
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.close_connection = True
            return
        self.wfile.write(chunk)


class _CdnHandler(_Base):
    server_name_tag = "cdn"

    def do_GET(self):
        self.record()
        fault = self.apply_fault()
        if fault is True:
            return
        sha = urllib.parse.urlparse(self.path).path.rsplit("/", 1)[-1]
        data = self.hub.blobs.get(sha)
        if data is None:
            self.send_error_code(404, message="no such blob")
            return
        self.send_body(data, fault, {"ETag": f'"{sha}"'})

    do_HEAD = do_GET


class _ApiHandler(_Base):
    def auth_ok(self, repo):
        auth = self.headers.get("Authorization")
        if auth is not None:
            token = auth.removeprefix("Bearer ").strip()
            if token not in self.hub.tokens:
                self.send_error_code(401, message="Invalid credentials in Authorization header")
                return False
        elif repo is not None and repo.private:
            self.send_error_code(401, "RepoNotFound", "Repository not found")
            return False
        return True

    def find_repo(self, rtype, repo_id):
        repo = self.hub.repos.get((rtype, repo_id))
        if repo is not None and repo.private and self.headers.get("Authorization") is None:
            return None
        return repo

    def do_GET(self):
        self.record()
        fault = self.apply_fault()
        if fault is True:
            return
        url = urllib.parse.urlparse(self.path)
        path = urllib.parse.unquote(url.path)
        parts = url.path.strip("/").split("/")
        if parts[0] == "api":
            return self.handle_api(parts[1:], url)
        rtype = "model"
        if parts[0] in ("datasets", "spaces"):
            rtype = parts[0][:-1]
            parts = parts[1:]
        # {ns}/{name}/resolve/{rev}/{path...} or {name}/resolve/...
        if "resolve" not in parts:
            return self.send_error_code(404, message="unknown route")
        i = parts.index("resolve")
        repo_id = "/".join(parts[:i])
        rev = urllib.parse.unquote(parts[i + 1])
        filename = urllib.parse.unquote("/".join(parts[i + 2:]))
        alias = self.hub.aliases.get((rtype, repo_id))
        if alias is not None:
            prefix = "" if rtype == "model" else rtype + "s/"
            self.send_response(307)
            self.send_header("Location", f"/{prefix}{alias}/resolve/{parts[i + 1]}/{'/'.join(parts[i + 2:])}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        repo = self.hub.repos.get((rtype, repo_id))
        if not self.auth_ok(repo):
            return
        repo = self.find_repo(rtype, repo_id)
        if repo is None:
            return self.send_error_code(404, "RepoNotFound", "Repository not found")
        commit = repo.resolve(rev)
        if commit is None:
            return self.send_error_code(404, "RevisionNotFound", "Invalid rev id")
        files = repo.commits[commit]
        if filename not in files:
            return self.send_error_code(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": commit})
        data = files[filename]
        if repo.is_lfs(data):
            sha = hashlib.sha256(data).hexdigest()
            cdn = f"http://localhost:{self.hub.cdn.server_address[1]}/blobs/{sha}?sig=abc"
            self.send_response(302)
            self.send_header("Location", cdn)
            self.send_header("X-Repo-Commit", commit)
            self.send_header("X-Linked-Etag", f'"{sha}"')
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("ETag", f'"{git_blob_sha1(b"pointer")}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_body(data, fault, {"X-Repo-Commit": commit, "ETag": f'"{git_blob_sha1(data)}"'})

    do_HEAD = do_GET

    def handle_api(self, parts, url):
        # {models,datasets,spaces}/{id...}/{revision|tree}/{rev}
        if len(parts) < 2 or parts[0] not in ("models", "datasets", "spaces"):
            return self.send_error_code(404, message="unknown api route")
        rtype = parts[0][:-1]
        rest = parts[1:]
        kind = "revision" if "revision" in rest else ("tree" if "tree" in rest else None)
        if kind is None:
            return self.send_error_code(404, message="unknown api route")
        i = rest.index(kind)
        repo_id = "/".join(rest[:i])
        rev = urllib.parse.unquote(rest[i + 1])
        repo = self.hub.repos.get((rtype, repo_id))
        if not self.auth_ok(repo):
            return
        repo = self.find_repo(rtype, repo_id)
        if repo is None:
            return self.send_error_code(404, "RepoNotFound", "Repository not found")
        commit = repo.resolve(rev)
        if commit is None:
            return self.send_error_code(404, "RevisionNotFound", "Invalid rev id")
        files = repo.commits[commit]
        if kind == "revision":
            return self.send_json({"id": repo_id, "sha": commit, "private": repo.private,
                                   "siblings": [{"rfilename": p} for p in sorted(files)]})
        entries = []
        dirs = set()
        for p in sorted(files):
            data = files[p]
            segs = p.split("/")
            for k in range(1, len(segs)):
                dirs.add("/".join(segs[:k]))
            e = {"type": "file", "oid": git_blob_sha1(data if not repo.is_lfs(data) else b"pointer"),
                 "size": len(data), "path": p}
            if repo.is_lfs(data):
                e["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            entries.append(e)
        entries += [{"type": "directory", "oid": "0" * 40, "size": 0, "path": d} for d in sorted(dirs)]
        q = urllib.parse.parse_qs(url.query)
        cursor = int(q.get("cursor", ["0"])[0])
        page = entries[cursor:cursor + self.hub.page_size]
        extra = {}
        if cursor + self.hub.page_size < len(entries):
            nq = dict((k, v[0]) for k, v in q.items())
            nq["cursor"] = str(cursor + self.hub.page_size)
            extra["Link"] = f'<{self.hub.endpoint}{url.path}?{urllib.parse.urlencode(nq)}>; rel="next"'
        self.send_json(page, extra=extra)


def make_standard_hub():
    """A model repo with two revisions, sub-folders, LFS and regular files; a dataset; a private model."""
    hub = FakeHub()
    c1, c2 = "a" * 40, "b" * 40
    big = bytes((i * 7 + 3) % 251 for i in range(300_000))
    v1 = {"config.json": b'{"model_type": "bert"}\n', "README.md": b"# tiny\n", "model.safetensors": big,
          "sub/dir/vocab.txt": b"a\nb\nc\n", "weights/part-2.bin": bytes(range(256)) * 8}
    v2 = dict(v1)
    v2["config.json"] = b'{"model_type": "bert", "v": 2}\n'
    repo = Repo("org/tiny", revisions={c1: v1, c2: v2})
    repo.refs = {"main": c2, "v1.0": c1}
    hub.add_repo(repo)
    ds = Repo("org/data", repo_type="dataset", revisions={"c" * 40: {"data/train.csv": b"x,y\n1,2\n",
                                                                     "big.parquet": big[:5000]}})
    ds.refs = {"main": "c" * 40}
    hub.add_repo(ds)
    priv = Repo("org/private", revisions={"d" * 40: {"secret.txt": b"s3cret\n", "w.bin": big[:2000]}}, private=True)
    priv.refs = {"main": "d" * 40}
    hub.add_repo(priv)
    hub.aliases[("model", "org/old-name")] = "org/tiny"
    return hub, {"c1": c1, "c2": c2, "v1": v1, "v2": v2, "big": big}
