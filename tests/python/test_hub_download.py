"""hfcpp download / cache against a fake Hub, compared with huggingface_hub (HF_HUB_OFFLINE reads)."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_hub import Repo, make_standard_hub  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HFCPP = os.environ.get("HFCPP_BIN", str(ROOT / "build/release/bin/hfcpp"))
PY = str(ROOT / ".venv/bin/python")

pytestmark = pytest.mark.skipif(not Path(HFCPP).exists(), reason=f"hfcpp binary not built: {HFCPP}")


@pytest.fixture()
def hub():
    h, info = make_standard_hub()
    h.start()
    h.info = info
    yield h
    h.stop()


def env_for(hub, cache, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "TRANSFORMERS"))}
    env.update(HF_ENDPOINT=hub.endpoint, HF_HUB_CACHE=str(cache), HF_HOME=str(cache.parent / "hf_home"),
               HFCPP_HUB_RETRY_WAIT="0.05", HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_XET="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def hfcpp(hub, cache, *args, check=True, **extra):
    r = subprocess.run([HFCPP, *args], env=env_for(hub, cache, **extra), capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"hfcpp {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return r


def python(hub, cache, code, **extra):
    r = subprocess.run([PY, "-c", code], env=env_for(hub, cache, **extra), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def tree_of(cache):
    """Relative path -> ('link', target) / ('file', sha256) for everything but locks, tags and temp files."""
    out = {}
    for p in sorted(Path(cache).rglob("*")):
        rel = p.relative_to(cache).as_posix()
        if rel.startswith(".locks") or rel == "CACHEDIR.TAG" or p.is_dir() and not p.is_symlink():
            continue
        if p.is_symlink():
            out[rel] = ("link", os.readlink(p))
        else:
            out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def test_snapshot_layout_matches_huggingface_hub(hub, tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    out = hfcpp(hub, ours, "download", "org/tiny").stdout.strip()
    assert out == str(ours / "models--org--tiny/snapshots" / hub.info["c2"])
    python(hub, theirs, "from huggingface_hub import snapshot_download; snapshot_download('org/tiny')")
    mine, ref = tree_of(ours), tree_of(theirs)
    # huggingface_hub >= 1.x also caches the listing in trees/<commit>.json (hfcpp writes it the same way);
    # older versions (transformers pins 0.x) do not.
    if not any("/trees/" in k for k in ref):
        mine = {k: v for k, v in mine.items() if "/trees/" not in k}
    assert mine == ref
    # Files byte-identical to the repository.
    for name, data in hub.info["v2"].items():
        assert (Path(out) / name).read_bytes() == data
    assert os.readlink(Path(out) / "sub/dir/vocab.txt").startswith("../../../../blobs/")
    # The LFS file came from the CDN (another host name) without the Authorization header.
    cdn = hub.requests(server="cdn")
    assert cdn and all("authorization" not in h for _, _, _, h in cdn)


def test_huggingface_hub_reads_what_hfcpp_downloaded(hub, tmp_path):
    cache = tmp_path / "c"
    hfcpp(hub, cache, "download", "org/tiny", "--revision", "v1.0")
    hfcpp(hub, cache, "download", "org/data", "--repo-type", "dataset", "--include", "data/*")
    code = f"""
import json
from huggingface_hub import try_to_load_from_cache, scan_cache_dir
info = scan_cache_dir({str(cache)!r})
repos = []
for r in sorted(info.repos, key=lambda r: r.repo_id):
    repos.append(dict(repo_id=r.repo_id, repo_type=r.repo_type, size=r.size_on_disk, nb_files=r.nb_files,
                      last_accessed=r.last_accessed, last_modified=r.last_modified,
                      revisions=sorted((v.commit_hash, sorted(v.refs), v.size_on_disk, v.last_modified,
                                        sorted(str(f.file_path) for f in v.files)) for v in r.revisions)))
print(json.dumps(dict(
    cfg=try_to_load_from_cache('org/tiny', 'config.json', revision='v1.0', cache_dir={str(cache)!r}),
    sub=try_to_load_from_cache('org/tiny', 'sub/dir/vocab.txt', revision='v1.0', cache_dir={str(cache)!r}),
    ds=try_to_load_from_cache('org/data', 'data/train.csv', repo_type='dataset', cache_dir={str(cache)!r}),
    size=info.size_on_disk, repos=repos, warnings=[str(w) for w in info.warnings])))
"""
    py = json.loads(python(hub, cache, code, HF_HUB_OFFLINE=1))
    snap = cache / "models--org--tiny/snapshots" / hub.info["c1"]
    assert py["cfg"] == str(snap / "config.json")
    assert py["sub"] == str(snap / "sub/dir/vocab.txt")
    assert py["ds"].endswith("datasets--org--data/snapshots/" + "c" * 40 + "/data/train.csv")
    assert py["warnings"] == []
    ours = json.loads(hfcpp(hub, cache, "cache", "scan", "--json").stdout)
    assert ours["size_on_disk"] == py["size"]
    mine = []
    for r in sorted(ours["repos"], key=lambda r: r["repo_id"]):
        mine.append(dict(repo_id=r["repo_id"], repo_type=r["repo_type"], size=r["size_on_disk"],
                         nb_files=r["nb_files"], last_accessed=r["last_accessed"], last_modified=r["last_modified"],
                         revisions=sorted([v["commit_hash"], sorted(v["refs"]), v["size_on_disk"], v["last_modified"],
                                           sorted(f["file_path"] for f in v["files"])] for v in r["revisions"])))
    for a, b in zip(mine, py["repos"]):
        assert a["last_accessed"] == pytest.approx(b["last_accessed"], abs=1e-5)
        assert a["last_modified"] == pytest.approx(b["last_modified"], abs=1e-5)
        a.pop("last_accessed"), a.pop("last_modified"), b.pop("last_accessed"), b.pop("last_modified")
        for ra, rb in zip(a["revisions"], b["revisions"]):
            assert ra[3] == pytest.approx(rb[3], abs=1e-5)
            ra[3] = rb[3]
        assert json.loads(json.dumps(a)) == b
    assert len(mine) == len(py["repos"]) == 2
    # Offline, hfcpp resolves from the cache alone (no request reaches the server).
    before = len(hub.log)
    out = hfcpp(hub, cache, "download", "org/tiny", "--revision", "v1.0", HF_HUB_OFFLINE=1).stdout.strip()
    assert out == str(snap) and len(hub.log) == before
    r = hfcpp(hub, cache, "download", "org/tiny", "--revision", "main", check=False, HF_HUB_OFFLINE=1)
    assert r.returncode == 1 and "offline" in r.stderr


def test_hfcpp_reuses_what_huggingface_hub_downloaded(hub, tmp_path):
    cache = tmp_path / "c"
    python(hub, cache, "from huggingface_hub import snapshot_download; snapshot_download('org/tiny')")
    before = len(hub.log)
    out = hfcpp(hub, cache, "download", "org/tiny", TRANSFORMERS_OFFLINE=1).stdout.strip()
    assert out == str(cache / "models--org--tiny/snapshots" / hub.info["c2"]) and len(hub.log) == before
    # Online, nothing is fetched again: only metadata requests, no GET of a file body.
    hfcpp(hub, cache, "download", "org/tiny")
    assert not [r for r in hub.log[before:] if r[1] == "GET" and "/resolve/" in r[2]]


def test_single_file_revisions_patterns_local_dir(hub, tmp_path):
    cache = tmp_path / "c"
    one = hfcpp(hub, cache, "download", "org/tiny", "config.json", "--revision", "v1.0").stdout.strip()
    assert Path(one).read_bytes() == hub.info["v1"]["config.json"]
    assert (cache / "models--org--tiny/refs/v1.0").read_text() == hub.info["c1"]
    snap = Path(hfcpp(hub, cache, "download", "org/tiny", "--include", "*.json", "--include", "sub/",
                      "--exclude", "*.bin").stdout.strip())
    files = sorted(p.relative_to(snap).as_posix() for p in snap.rglob("*") if not p.is_dir())
    assert files == ["config.json", "sub/dir/vocab.txt"]
    local = tmp_path / "local"
    out = hfcpp(hub, cache, "download", "org/tiny", "--local-dir", str(local)).stdout.strip()
    assert out == str(local)
    for name, data in hub.info["v2"].items():
        assert (local / name).read_bytes() == data
    meta = (local / ".cache/huggingface/download/config.json.metadata").read_text().splitlines()
    assert meta[0] == hub.info["c2"]
    # Relative redirect (renamed repo) is followed for a single file.
    f = hfcpp(hub, cache, "download", "org/old-name", "README.md").stdout.strip()
    assert Path(f).read_bytes() == b"# tiny\n"
    # A missing file is a clear error and is remembered under .no_exist like huggingface_hub does.
    r = hfcpp(hub, cache, "download", "org/tiny", "nope.txt", check=False)
    assert r.returncode == 1 and "file not found" in r.stderr
    assert (cache / "models--org--tiny/.no_exist" / hub.info["c2"] / "nope.txt").exists()


def test_tokens_and_errors(hub, tmp_path):
    cache = tmp_path / "c"
    r = hfcpp(hub, cache, "download", "org/private", check=False)
    assert r.returncode == 1 and "repository not found" in r.stderr
    r = hfcpp(hub, cache, "download", "org/private", "--token", "wrong", check=False)
    assert r.returncode == 1 and "token was refused" in r.stderr
    out = hfcpp(hub, cache, "download", "org/private", HF_TOKEN="hf_good_token").stdout.strip()
    assert (Path(out) / "secret.txt").read_bytes() == b"s3cret\n"
    # Token file under HF_HOME is used too; the CDN never sees it.
    home = cache.parent / "hf_home"
    home.mkdir(exist_ok=True)
    (home / "token").write_text("hf_good_token\n")
    hfcpp(hub, tmp_path / "c2", "download", "org/private", "w.bin", HF_HOME=home)
    assert all("authorization" not in h for _, _, _, h in hub.requests(server="cdn"))
    api_auth = [h.get("authorization") for s, m, p, h in hub.requests(server="api") if "org/private" in p]
    assert "Bearer hf_good_token" in api_auth


def test_traversal_and_garbage_refused(hub, tmp_path):
    cache = tmp_path / "c"
    for bad in ["../etc/passwd", "/etc/passwd", "a/../../x", "%2e%2e/x", "a\\..\\b"]:
        r = hfcpp(hub, cache, "download", "org/tiny", bad, check=False)
        assert r.returncode == 1 and "unsafe repo filename" in r.stderr, (bad, r.stderr)
    for bad in ["../x", "org/../x", "/abs", "a/b/c"]:
        r = hfcpp(hub, cache, "download", bad, check=False)
        assert r.returncode == 1 and "invalid repo id" in r.stderr, (bad, r.stderr)
    # A repository listing a traversal path is refused before anything is written.
    hub.add_repo(Repo("org/evil", revisions={"e" * 40: {"ok.txt": b"ok", "../../escape.txt": b"x"}})).refs = {
        "main": "e" * 40}
    r = hfcpp(hub, cache, "download", "org/evil", check=False)
    assert r.returncode == 1 and "unsafe repo filename" in r.stderr
    assert not (tmp_path / "escape.txt").exists() and not list(cache.rglob("ok.txt"))
    # Garbage headers: a clear error, no partial blob or snapshot.
    hub.add_fault(match="/resolve/main/config.json", kind="garbage", count=10)
    r = hfcpp(hub, cache, "download", "org/tiny", "config.json", check=False)
    assert r.returncode == 1 and "hfcpp: error: [hub]" in r.stderr
    assert not list(cache.rglob("config.json")) and not list(cache.rglob("*.incomplete"))


def test_retries_on_5xx_and_cut_connections(hub, tmp_path):
    cache = tmp_path / "c"
    hub.add_fault(match="/resolve/main/README.md", kind="status", status=503, count=2)
    hub.add_fault(server="cdn", match="/blobs/", kind="cut", after=100_000, count=2)
    out = Path(hfcpp(hub, cache, "download", "org/tiny").stdout.strip())
    assert (out / "README.md").read_bytes() == b"# tiny\n"
    assert (out / "model.safetensors").read_bytes() == hub.info["big"]
    ranges = [h.get("range") for s, m, p, h in hub.requests(server="cdn", method="GET") if "sig=" in p]
    assert "bytes=100000-" in ranges  # resumed, not restarted
    r = hfcpp(hub, tmp_path / "c2", "download", "org/tiny", "README.md", check=False)
    assert r.returncode == 0


def test_resume_after_kill_and_corrupted_partial(hub, tmp_path):
    cache = tmp_path / "c"
    big = hub.info["big"]
    sha = hashlib.sha256(big).hexdigest()
    # The CDN stalls after 120 kB: kill hfcpp there, as a crash or Ctrl-C would.
    hub.add_fault(server="cdn", match="/blobs/", kind="stall", after=120_000, seconds=20, count=1)
    p = subprocess.Popen([HFCPP, "download", "org/tiny", "model.safetensors"], env=env_for(hub, cache),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = cache / "models--org--tiny/blobs" / f"{sha}.incomplete"
    for _ in range(200):
        if partial.exists() and partial.stat().st_size >= 120_000:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert partial.stat().st_size == 120_000
    assert not (cache / "models--org--tiny/blobs" / sha).exists()
    out = hfcpp(hub, cache, "download", "org/tiny", "model.safetensors").stdout.strip()
    assert Path(out).read_bytes() == big
    assert hub.requests(server="cdn")[-1][3].get("range") == "bytes=120000-"
    # A corrupted partial file (Python's <etag>.<id>.incomplete name) is detected by sha256 and refetched.
    cache2 = tmp_path / "c2"
    blobs = cache2 / "models--org--tiny/blobs"
    blobs.mkdir(parents=True)
    (blobs / f"{sha}.1a2b3c4d.incomplete").write_bytes(b"\xff" * 50_000)
    out = hfcpp(hub, cache2, "download", "org/tiny", "model.safetensors").stdout.strip()
    assert Path(out).read_bytes() == big
    assert not list(blobs.glob("*.incomplete"))


def test_two_processes_download_at_once(hub, tmp_path):
    cache = tmp_path / "c"
    env = env_for(hub, cache)
    procs = [subprocess.Popen([HFCPP, "download", "org/tiny"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert len({o[0] for o in outs}) == 1
    snap = Path(outs[0][0].strip())
    for name, data in hub.info["v2"].items():
        assert (snap / name).read_bytes() == data
    blobs = sorted(p.name for p in (cache / "models--org--tiny/blobs").iterdir())
    assert len(blobs) == len(hub.info["v2"]) and not [b for b in blobs if "incomplete" in b]


def test_cache_rm(hub, tmp_path):
    cache = tmp_path / "c"
    hfcpp(hub, cache, "download", "org/tiny", "--revision", "v1.0")
    hfcpp(hub, cache, "download", "org/tiny")
    hfcpp(hub, cache, "download", "org/data", "--repo-type", "dataset")
    hfcpp(hub, cache, "cache", "rm", "org/tiny", "--revision", "v1.0")
    code = f"""
from huggingface_hub import scan_cache_dir
i = scan_cache_dir({str(cache)!r})
print(sorted((r.repo_id, sorted(v.commit_hash for v in r.revisions)) for r in i.repos), i.warnings)
"""
    assert python(hub, cache, code).strip() == (
        f"[('org/data', ['{'c' * 40}']), ('org/tiny', ['{hub.info['c2']}'])] []")
    # The blobs only v1.0 used are gone; the shared ones stay.
    assert (cache / "models--org--tiny/snapshots" / hub.info["c2"] / "model.safetensors").exists()
    hfcpp(hub, cache, "cache", "rm", "dataset/org/data")
    assert not (cache / "datasets--org--data").exists()
    r = hfcpp(hub, cache, "cache", "rm", "org/none", check=False)
    assert r.returncode == 1
    table = hfcpp(hub, cache, "cache", "scan").stdout
    assert "model/org/tiny" in table and "Found 1 repo(s)" in table
