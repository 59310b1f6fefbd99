#!/usr/bin/env python3
"""Anchor for `simlab bench gemm`: numpy float32 matmul GFLOP/s (2·n³ / best time).

Same sizes, thread counts, repeats and output format as the Swift benchmark.
Run it without the machine's OpenBLAS tuning variables, which slow it down:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 scripts/bench-numpy-gemm.py --json

Thread counts are set with threadpoolctl when installed; otherwise each thread count
runs in a child process started with OPENBLAS_NUM_THREADS set before numpy is imported.
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import time


def parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, action="append", help="n (default 256 512 1024 2048)")
    parser.add_argument("--threads", type=int, action="append", help="thread counts (default 1 2)")
    parser.add_argument("--repeat", type=int, help="timed repeats after one warm-up (best is reported)")
    parser.add_argument("--transpose", choices=["nn", "nt", "tn", "tt"], default="nn")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def openblas_description():
    """Core name and build configuration of the OpenBLAS numpy loaded, when it can tell."""
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("internal_api") == "openblas":
                return "openblas %s, core %s, threading %s, %s threads" % (
                    info.get("version"), info.get("architecture"),
                    info.get("threading_layer"), info.get("num_threads"))
    except ImportError:
        pass
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    for path in paths:
        library = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_", "64_"), ("", "64_"), ("", "")):
            try:
                core = getattr(library, "%sopenblas_get_corename%s" % (prefix, suffix))
                config = getattr(library, "%sopenblas_get_config%s" % (prefix, suffix))
            except AttributeError:
                continue
            core.restype = config.restype = ctypes.c_char_p
            return "core %s, config %s" % (core().decode(), config().decode())
    return "unknown BLAS"


def measure(np, n, threads, repeat, transpose):
    rng = np.random.default_rng(n)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    op_a = a.T if transpose in ("tn", "tt") else a
    op_b = b.T if transpose in ("nt", "tt") else b
    c = np.empty((n, n), dtype=np.float32)
    flops = 2.0 * n ** 3
    repeats = repeat or max(3, min(50, int(5e10 / flops)))
    best = float("inf")
    for iteration in range(repeats + 1):
        start = time.perf_counter()
        np.matmul(op_a, op_b, out=c)
        elapsed = time.perf_counter() - start
        if iteration > 0:
            best = min(best, elapsed)
    return {"benchmark": "gemm-numpy", "size": n, "threads": threads, "transpose": transpose,
            "gflops": round(flops / best / 1e9, 2), "seconds": best, "repeats": repeats}


def report(args, row, header_printed):
    if args.json:
        print(json.dumps(row, separators=(",", ":")), flush=True)
    else:
        if not header_printed:
            print("size  threads  transpose     GFLOP/s   best time")
        print("%4d %8d %10s %11.2f %8.2f ms" % (row["size"], row["threads"], row["transpose"],
                                                 row["gflops"], row["seconds"] * 1e3), flush=True)


def main():
    args = parse()
    sizes = args.size or [256, 512, 1024, 2048]
    thread_counts = args.threads or [1, 2]
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None

    if args.child or threadpoolctl is not None:
        import numpy as np
        print("# numpy %s, %s" % (np.__version__, openblas_description()), file=sys.stderr)
        printed = False
        for threads in ([None] if args.child else thread_counts):
            for n in sizes:
                if threads is None:
                    row = measure(np, n, int(os.environ["OPENBLAS_NUM_THREADS"]), args.repeat, args.transpose)
                else:
                    with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
                        row = measure(np, n, threads, args.repeat, args.transpose)
                report(args, row, printed)
                printed = True
        return

    # No threadpoolctl: one child per thread count, the variable set before numpy loads.
    for index, threads in enumerate(thread_counts):
        environment = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
        command = [sys.executable, os.path.abspath(__file__), "--child", "--transpose", args.transpose]
        command += [option for n in sizes for option in ("--size", str(n))]
        if args.repeat:
            command += ["--repeat", str(args.repeat)]
        if args.json:
            command.append("--json")
        output = subprocess.run(command, env=environment, check=True, stdout=subprocess.PIPE, text=True).stdout
        lines = output.splitlines()
        if index > 0 and not args.json:
            lines = lines[1:]  # one table header only
        print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
