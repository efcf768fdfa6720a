#!/usr/bin/env python3
"""Hub download speed on loopback (docs/benchmarks.md, "Hub: hub serve and download").

Publishes a repository with one large file (--large-mb, default 200 MB here; the issue's figure
is 500 MB) and 200 small files (1-8 kB) to `hfcpp hub serve`, then times with fresh caches:
  1. hfcpp download (snapshot)            vs  huggingface_hub.snapshot_download, both from hub serve;
  2. raw file serving, one curl with 8 parallel transfers: hub serve's /resolve vs `python -m http.server`
     over the same files (a plain static server);
  3. huggingface_hub's own HTTP download (file_download.http_get, 8 threads) of every file: hub serve vs
     the static server (http.server cannot answer the resolve API, so these are plain file GETs);
  4. 8 concurrent clients (8 curl processes, each fetching the large file): aggregate loopback
     throughput of hub serve vs the static server.
All figures of one run come from the same machine state, so compare ratios rather than seconds.
Usage: .venv/bin/python bench/hub_bench.py [--large-mb 500] [--small 200] [--repeat 3]
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HFCPP = os.environ.get("HFCPP_BIN", str(ROOT / "build/release/bin/hfcpp"))
PY = str(ROOT / ".venv/bin/python")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(endpoint, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(HF_ENDPOINT=endpoint, HF_HOME=str(home), HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_PROGRESS_BARS="1",
               HF_HUB_DISABLE_TELEMETRY="1")
    return env


def loopback_ceiling_mb_s():
    """What loopback carries with 8 TCP streams and no file I/O (iperf3, from scripts/setup), or None."""
    if not shutil.which("iperf3"):
        print("iperf3 not installed: loopback ceiling not measured")
        return None
    port = free_port()
    server = subprocess.Popen(["iperf3", "-s", "-1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        out = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-P", "8", "-t", "4", "-J"],
                             capture_output=True, text=True, check=True).stdout
        import json
        return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 8e6
    finally:
        server.kill()


def timed(fn, repeat, prepare=None):
    times = []
    for _ in range(repeat):
        if prepare:
            prepare()  # untimed: e.g. removing the last run's cache
        # Write back the previous step's dirty pages first (the upload's blobs, the last cache), so
        # the disk's background writeback does not fall on whichever side happens to run next.
        os.sync()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--large-mb", type=int, default=500)
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hub_bench_"))
    try:
        files = work / "files"
        files.mkdir()
        with open(files / "model.safetensors", "wb") as f:
            for _ in range(args.large_mb):
                f.write(os.urandom(1 << 20))
        for i in range(args.small):
            (files / f"small/file_{i:03d}.txt").parent.mkdir(exist_ok=True)
            (files / f"small/file_{i:03d}.txt").write_bytes(os.urandom(1024 + (i * 37) % 7168))
        port = free_port()
        server = subprocess.Popen([HFCPP, "hub", "serve", "--root", str(work / "root"), "--port", str(port)],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert server.stdout.readline().startswith("serving on")
        endpoint = f"http://127.0.0.1:{port}"
        subprocess.run([HFCPP, "-q", "upload", "bench/repo", str(files)], env=env_for(endpoint, work / "up"),
                       check=True, stdout=subprocess.DEVNULL)
        home = work / "home"

        def fresh():
            shutil.rmtree(home, ignore_errors=True)

        def run_hfcpp():
            subprocess.run([HFCPP, "-q", "download", "bench/repo", "--max-workers", "8"], env=env_for(endpoint, home),
                           check=True, stdout=subprocess.DEVNULL)

        def run_hf():
            subprocess.run([PY, "-c", "from huggingface_hub import snapshot_download as s; s('bench/repo', max_workers=8)"],
                           env=env_for(endpoint, home), check=True, stdout=subprocess.DEVNULL)

        # Import cost of Python itself, to separate it from transfer time.
        py_start, _ = timed(lambda: subprocess.run([PY, "-c", "import huggingface_hub"], check=True), args.repeat)
        # Alternating runs, so a change in the machine's load falls on both sides alike.
        all_hfcpp, all_hf = [], []
        for _ in range(args.repeat):
            all_hfcpp += timed(run_hfcpp, 1, fresh)[1]
            all_hf += timed(run_hf, 1, fresh)[1]
        t_hfcpp, t_hf = statistics.median(all_hfcpp), statistics.median(all_hf)

        names = ["model.safetensors"] + [f"small/file_{i:03d}.txt" for i in range(args.small)]

        def fetch_all(base):
            # One curl process, 8 transfers at a time (connections reused), so the server is measured.
            cmd = ["curl", "-sf", "--no-progress-meter", "--parallel", "--parallel-max", "8"]
            for name in names:
                cmd += ["-o", "/dev/null", f"{base}/{name}"]
            subprocess.run(cmd, check=True)

        static_port = free_port()
        static = subprocess.Popen([PY, "-m", "http.server", str(static_port), "--bind", "127.0.0.1", "-d", str(files)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        resolve_base, static_base = f"{endpoint}/bench/repo/resolve/main", f"http://127.0.0.1:{static_port}"
        t_serve, _ = timed(lambda: fetch_all(resolve_base), args.repeat)
        t_static, _ = timed(lambda: fetch_all(static_base), args.repeat)

        def hf_http_get_all(base):
            code = f"""
import os, tempfile
from concurrent.futures import ThreadPoolExecutor
from huggingface_hub.file_download import http_get
names = {names!r}
def one(name):
    with tempfile.TemporaryFile(dir={str(work)!r}) as f:
        http_get({base!r} + '/' + name, f)
with ThreadPoolExecutor(8) as ex:
    list(ex.map(one, names))
"""
            subprocess.run([PY, "-c", code], env=env_for(endpoint, home), check=True)

        t_hf_serve, _ = timed(lambda: hf_http_get_all(resolve_base), args.repeat)
        t_hf_static, _ = timed(lambda: hf_http_get_all(static_base), args.repeat)

        def eight_clients(base):
            procs = [subprocess.Popen(["curl", "-sf", "-o", "/dev/null", f"{base}/model.safetensors"]) for _ in range(8)]
            assert all(p.wait() == 0 for p in procs)

        t_8_serve, _ = timed(lambda: eight_clients(resolve_base), args.repeat)
        t_8_static, _ = timed(lambda: eight_clients(static_base), args.repeat)
        loopback = loopback_ceiling_mb_s()
        static.terminate()
        server.terminate()
        mb = args.large_mb + sum((files / n).stat().st_size for n in names[1:]) / 1e6
        print(f"repository: 1 x {args.large_mb} MB + {args.small} small files ({mb:.0f} MB), loopback, median of {args.repeat}")
        print(f"python -c 'import huggingface_hub' alone: {py_start:.2f} s")
        print(f"snapshot download from hub serve: hfcpp {t_hfcpp:.2f} s, huggingface_hub {t_hf:.2f} s "
              f"(hfcpp {t_hf / t_hfcpp:.2f}x faster; runs {['%.2f' % t for t in all_hfcpp]} / {['%.2f' % t for t in all_hf]})")
        print(f"raw serving, curl --parallel-max 8: hub serve {t_serve:.2f} s ({mb / t_serve:.0f} MB/s), "
              f"python -m http.server {t_static:.2f} s ({mb / t_static:.0f} MB/s)")
        print(f"huggingface_hub http_get x8 threads, all files: from hub serve {t_hf_serve:.2f} s ({mb / t_hf_serve:.0f} MB/s), "
              f"from python -m http.server {t_hf_static:.2f} s ({mb / t_hf_static:.0f} MB/s)")
        big = 8 * args.large_mb * 1.048576
        print(f"8 concurrent curl clients x {args.large_mb} MB: hub serve {t_8_serve:.2f} s ({big / t_8_serve:.0f} MB/s), "
              f"python -m http.server {t_8_static:.2f} s ({big / t_8_static:.0f} MB/s)")
        if loopback:
            print(f"loopback ceiling, iperf3 -P 8 (memory to memory, no files): {loopback:.0f} MB/s; "
                  f"hub serve reaches {100 * big / t_8_serve / loopback:.0f}% of it")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
