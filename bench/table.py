#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench: one table of our programs beside PyTorch (Debian's python3-torch), run side by side.

Usage: bench/table.py BIN_DIR GEMM_PROGRAM
  BIN_DIR        the programs to time (bin/, or another build's, to compare before and after)
  GEMM_PROGRAM   bench/gemm.c built against the same library (times linear() alone)

Every time is the best of several runs. "ours" is the whole program (startup, weight initialisation,
reading and writing the binary stream) unless the case says otherwise; the reference is the same
computation in torch, timed in-process. ratio = ours / reference (below 1: we are faster).
The BLAS column names the library each side really uses: ours from `--version`, torch's from the
shared objects mapped into this process, and each GEMM row is itself a GFLOP/s probe.
"""
import os
import random
import subprocess
import sys
import tempfile
import time

BIN, GEMM = sys.argv[1], sys.argv[2]
CORES = os.cpu_count() or 1
THREADS = int(os.environ.get("PIPEFORMER_THREADS") or CORES)
REPS = 3

try:
    import torch
except ImportError:
    torch = None


def prog(name):
    return os.path.join(BIN, name)


def run(args, stdin=None, stdout=subprocess.DEVNULL):
    subprocess.run(args, stdin=stdin, stdout=stdout, check=True)


def best_of(fn, reps=REPS):
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def time_program(args, infile=None, reps=REPS):
    def once():
        if infile:
            with open(infile, "rb") as f:
                run(args, stdin=f)
        else:
            run(args)
    # torch's threads (and its OpenBLAS's) keep spinning for a while after its last call in this process:
    # let them fall asleep, and leave one untimed run to the first-run costs (page cache, the CPU's clock)
    time.sleep(0.3)
    once()
    return best_of(once, reps)


def time_shell(cmd, reps=REPS):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])
    return best_of(lambda: subprocess.run(["sh", "-c", cmd], check=True, env=env,
                                          stdout=subprocess.DEVNULL), reps)


def our_blas():
    try:
        out = subprocess.run([prog("tensor"), "--version"], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    for line in out.splitlines():
        if line.startswith("BLAS:"):
            return line.split(":", 1)[1].strip()
    return "none"  # a build from before --version named its BLAS: no BLAS then


def torch_blas():
    """The BLAS this process has loaded (threadpoolctl-like), e.g. openblas-pthread 0.3.21, or the slow
    reference BLAS when libopenblas0 is missing."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            base = os.path.basename(path)
            if "openblas" in base:
                libs.add("openblas" + ("-pthread" if "openblasp" in base or "pthread" in path else "")
                         + (" " + base.split("-r")[-1].rstrip(".so") if "-r" in base else ""))
            elif "mkl" in base:
                libs.add("mkl")
            elif base.startswith("libblis"):
                libs.add("blis")
            elif base.startswith("libblas.so") and "/blas/" in path:
                libs.add("reference BLAS (slow!)")
    return ", ".join(sorted(libs)) or "none found"


rows = []


def row(case, ours, ref, gflop=None, threads="", blas="", note=""):
    ratio = "%.2f" % (ours / ref) if ref else "-"
    gfs = "%.1f" % (gflop / ours) if gflop else "-"
    rows.append((case, "%.4f s" % ours, "%.4f s" % ref if ref else "-", ratio, gfs, threads, blas, note))


def train_rows(tmp, threads, ours_blas, t_blas):
    """6. training speed, in target tokens per second: the two models of samples/train-reverse.sh for
    STEPS steps of 32 pairs each, ours (train's own count, from its start: reading, initialising and the
    first step included) beside bench/train_torch.py's (the same model, pairs, batches and recipe in
    PyTorch, its first step not timed), both at `threads` threads. ratio = torch's rate / ours (time per token)."""
    steps = int(os.environ.get("BENCH_TRAIN_STEPS", "30"))
    data = os.path.join(tmp, "tasks")
    subprocess.run(["sh", "samples/tasks/make-tasks.sh", "-n", str(32 * (steps + 1)), data], check=True,
                   stdout=subprocess.DEVNULL)
    pairs = os.path.join(data, "reverse-train.tsv")
    models = {
        "transformer": ["--dim", "64", "--heads", "4", "--layers", "2", "--ff", "256", "--eos", "--scale",
                        "--dropout", "0.1", "--lr", "1e-3"],
        "gru": ["--arch", "gru", "--bidirectional", "--dim", "32", "--hidden", "48", "--score", "additive", "--eos",
                "--dropout", "0", "--lr", "3e-3", "--clip", "1"],
    }
    env = dict(os.environ, PIPEFORMER_THREADS=str(threads))
    for name, args in models.items():
        log = os.path.join(tmp, "train-%s.tsv" % name)
        subprocess.run([prog("train"), "--pairs", pairs, "--steps", str(steps), "--batch-sentences", "32",
                        "--no-shuffle", "--log", log, "--log-every", str(steps), "-o", os.path.join(tmp, "m.npz")]
                       + args, check=True, env=env, stderr=subprocess.DEVNULL)
        ours = float(open(log).read().split("\n")[1].split("\t")[5])
        ref = None
        if torch:
            ref = float(subprocess.run(["/usr/bin/python3", "bench/train_torch.py", name, pairs, str(steps),
                                        str(threads)], capture_output=True, text=True, check=True).stdout)
        rows.append(("train --arch %s, reverse task, batch 32" % name, "%.0f tok/s" % ours,
                     "%.0f tok/s" % ref if ref else "-", "%.2f" % (ref / ours) if ref else "-", "-",
                     "%d / %d" % (threads, threads), "%s / %s" % (ours_blas, t_blas), "target tokens per second"))


def main():
    ours_blas = our_blas()
    t_blas = torch_blas() if torch else "-"
    t_default = torch.get_num_threads() if torch else 0
    tmp = tempfile.mkdtemp(prefix="pf-bench-")
    helptext = subprocess.run([prog("attend"), "--help"], capture_output=True, text=True).stdout
    if "--threads" in helptext:
        env_threads = "%d" % THREADS
    else:  # a build from before --threads: one thread, beside the BLAS's own (all cores by default)
        env_threads = "1" if ours_blas == "none" else "1+BLAS %d" % CORES

    # 1. GEMM: linear() alone against torch's F.linear (the same sgemm when torch uses OpenBLAS)
    for N, K, M in ((512, 512, 2048), (2048, 2048, 2048), (512, 2048, 512)):
        out = subprocess.run([GEMM, str(N), str(K), str(M), "5"], capture_output=True, text=True,
                             check=True).stdout.split()
        ours = float(out[1])
        ref = None
        if torch:
            torch.set_num_threads(THREADS)
            x, w, b = torch.randn(N, K), torch.randn(M, K), torch.randn(M)
            torch.nn.functional.linear(x, w, b)
            ref = best_of(lambda: torch.nn.functional.linear(x, w, b), 5)
        row("linear() %dx%d -> %d (kernel only)" % (N, K, M), ours, ref, 2e-9 * N * K * M,
            "%s / %d" % (env_threads if "--threads" in helptext else "1" if ours_blas == "none" else CORES, THREADS),
            "%s / %s" % (ours_blas, t_blas))

    # 2. attend -b, T = S = 4096, d = 64, whole program, against softmax(QK^T/8)V at both thread counts
    x_bin = os.path.join(tmp, "x.bin")
    run([prog("tensor"), "rand", "--shape", "4096x64", "--seed", "1", "-b"], stdout=open(x_bin, "wb"))
    ours = time_program([prog("attend"), "-b", x_bin])
    flop = 4e-9 * 4096 * 4096 * 64
    for threads in sorted({THREADS, t_default} if torch else {THREADS}):
        ref = None
        if torch:
            torch.set_num_threads(threads)
            x = torch.randn(4096, 64)
            ref = best_of(lambda: torch.softmax(x @ x.T / 8.0, dim=-1) @ x)
        label = "same threads" if threads == THREADS else "torch's default"
        row("attend -b T=4096 d=64 (%s)" % label, ours, ref, flop, "%s / %d" % (env_threads, threads),
            "%s / %s" % (ours_blas, t_blas))

    # 3. one base encoder layer (512/8/2048) and mha E=512 H=8: whole program, one sequence, beside torch
    # three ways: its forward alone (the reference), building the module (its weight init) and
    # the forward, and the same as a program (python3 -c: start, import torch, build, forward)
    reps = 2 * REPS + 1  # these whole programs take tens of milliseconds: more runs, less noise
    code = {
        "encode": "torch.nn.TransformerEncoderLayer(512, 8, 2048, dropout=0.0, batch_first=True).eval()",
        "mha": "torch.nn.MultiheadAttention(512, 8, batch_first=True).eval()",
    }
    args = {"encode": "x", "mha": "x, x, x, average_attn_weights=False"}  # the forward's arguments
    call = {name: eval("lambda m, x: m(%s)" % a) for name, a in args.items()}

    def torch_rows(name, T, case, ours, flop):
        if not torch:
            row(case, ours, None, flop, env_threads, ours_blas, "ours: startup + init")
            return
        torch.set_num_threads(THREADS)
        torch.manual_seed(0)
        x = torch.randn(1, T, 512)
        with torch.no_grad():
            # torch's forward time is bimodal here (at T=128: 10.5 or 32 ms, and it stays so for that
            # module; the first module of a process is often the slow one): its best of three modules
            forward = float("inf")
            for _ in range(3):
                module = eval(code[name])
                call[name](module, x)
                forward = min(forward, best_of(lambda: call[name](module, x), reps))
            built = best_of(lambda: call[name](eval(code[name]), x), reps)
        script = ("import torch; torch.set_num_threads(%d); x = torch.randn(1, %d, 512); m = %s\n"
                  "with torch.no_grad(): m(%s)" % (THREADS, T, code[name], args[name]))
        program = best_of(lambda: subprocess.run(["/usr/bin/python3", "-c", script], check=True), REPS)
        blas = "%s / %s" % (ours_blas, t_blas)
        threads = "%s / %d" % (env_threads, THREADS)
        row(case, ours, forward, flop, threads, blas, "ours: startup + init; ref: forward")
        row(case, ours, built, flop, threads, blas, "ref: build the module + forward")
        row(case, ours, program, flop, threads, blas, "ref: python3 -c (import, build, forward)")

    for T in (128, 512):
        xf = os.path.join(tmp, "enc%d.bin" % T)
        run([prog("tensor"), "rand", "--shape", "%dx512" % T, "--seed", "2", "-b"], stdout=open(xf, "wb"))
        ours = time_program([prog("encode"), "--layers", "1", "--heads", "8", "--ff", "2048", "-b", xf], reps=reps)
        flop = 2e-9 * T * (4 * 512 * 512 + 2 * 512 * 2048) + 4e-9 * T * T * 512
        torch_rows("encode", T, "encode -b 1 layer 512/8/2048 T=%d" % T, ours, flop)
    xf = os.path.join(tmp, "enc512.bin")
    ours = time_program([prog("mha"), "--heads", "8", "-b", xf], reps=reps)
    flop = 2e-9 * 512 * 4 * 512 * 512 + 4e-9 * 512 * 512 * 512
    torch_rows("mha", 512, "mha -b E=512 H=8 T=512", ours, flop)

    # 4. the pipeline embed | posenc | encode --layers 6 at d 512: text, binary, and encode alone
    rnd = random.Random(1)
    words = "the cat sat on mat dog log a saw chased bird tree under over big small red blue".split()
    corpus = os.path.join(tmp, "corpus.txt")
    n_sent = int(os.environ.get("BENCH_SENTENCES", "100"))
    with open(corpus, "w") as f:
        for _ in range(n_sent):
            f.write(" ".join(rnd.choice(words) for _ in range(rnd.randint(8, 16))) + "\n")
    enc = "encode --layers 6 --heads 8 --ff 2048"
    pe = os.path.join(tmp, "pe.bin")
    subprocess.run(["sh", "-c", "embed --dim 512 -b %s | posenc -b > %s" % (corpus, pe)], check=True,
                   env=dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"]))
    alone = time_shell("%s -b %s" % (enc, pe), 2)
    binary = time_shell("embed --dim 512 -b %s | posenc -b | %s -b" % (corpus, enc), 2)
    text = time_shell("embed --dim 512 %s | posenc | %s" % (corpus, enc), 1)
    row("pipeline -b, %d sentences, 6 layers" % n_sent, binary, alone, None, env_threads, ours_blas,
        "ref: encode alone on its input")
    row("pipeline text, same", text, binary, None, env_threads, ours_blas, "ref: the binary pipeline")

    # 5. the stream: text printing and parsing (MB/s of text), binary copying (GB/s), in one process
    big = os.path.join(tmp, "big.bin")
    txt = os.path.join(tmp, "big.txt")
    run([prog("tensor"), "rand", "--shape", "1024x1024", "--seed", "3", "-b"], stdout=open(big, "wb"))
    run([prog("tensor"), big], stdout=open(txt, "wb"))
    huge = os.path.join(tmp, "huge.bin")
    with open(huge, "wb") as f:
        for _ in range(16):  # 16 tensors of 4 MB: 64 MB of binary stream
            f.write(open(big, "rb").read())
    mb_txt, mb_huge = os.path.getsize(txt) / 1e6, os.path.getsize(huge) / 1e6
    t_print = time_program([prog("tensor"), big])
    t_parse = time_program([prog("tensor"), "-b", txt])
    t_copy = time_program([prog("tensor"), "-b", huge])
    rows.append(("tensor: binary -> text, 1M floats", "%.4f s" % t_print, "-", "-",
                 "%.0f MB/s" % (mb_txt / t_print), env_threads, "-", "print (target 150 MB/s)"))
    rows.append(("tensor: text -> binary, 1M floats", "%.4f s" % t_parse, "-", "-", "%.0f MB/s" % (mb_txt / t_parse),
                 env_threads, "-", "parse (target 200 MB/s)"))
    rows.append(("tensor -b: binary -> binary, 64 MB", "%.4f s" % t_copy, "-", "-",
                 "%.2f GB/s" % (mb_huge / t_copy / 1e3), env_threads, "-", "copy (target 1.5 GB/s)"))

    train_rows(tmp, THREADS, ours_blas, t_blas)

    head = ("case", "ours", "reference", "ratio", "GFLOP/s|MB/s", "threads ours/ref", "BLAS ours/ref", "note")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print("programs: %s   cores: %d   torch: %s (default threads %s, BLAS %s)"
          % (BIN, CORES, torch.__version__ if torch else "not installed", t_default or "-", t_blas))
    print("load average at the end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    for r in [head] + rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    subprocess.run(["rm", "-rf", tmp])


main()
