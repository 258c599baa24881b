#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: one table, our programs beside PyTorch in the same run (bench/table.py says what each row
# times). BIN (default bin/) and GEMM (default build/bench/gemm) choose the build to time, e.g. an older
# one to compare before and after. The other bench/*.sh scripts time single programs in more detail.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
GEMM=${GEMM:-build/bench/gemm}
echo "uptime: $(uptime)"
/usr/bin/python3 bench/table.py "$(cd "$BIN" && pwd)" "$GEMM"
