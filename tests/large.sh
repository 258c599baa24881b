#!/bin/sh
# SPDX-License-Identifier: MIT
# make test-large: an .npz entry of more than 4 GiB (ZIP64; one libzip read cannot carry it) is read
# whole and right. Not part of `make test`: it writes a 4 MiB archive that inflates to 4 GiB + 4 bytes,
# and each of the two programs in the pipe holds the 4 GiB tensor (8 GiB of memory, about a minute).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
PATH=$here/bin:$PATH
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM

# float32 zeros, with 2.5 first and 1.5 last: both ends of the entry must arrive in their places
n=1073741825
python3 - "$dir/big.npz" "$n" <<'PY'
import struct, sys, zipfile
path, n = sys.argv[1], int(sys.argv[2])
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % n
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("big.npy", "w", force_zip64=True) as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<f", 2.5))
        zeros = bytes(1 << 24)
        left = (n - 2) * 4
        while left:
            k = min(left, len(zeros))
            f.write(zeros[:k])
            left -= k
        f.write(struct.pack("<f", 1.5))
PY
echo "large: archive of $(wc -c < "$dir/big.npz") bytes, one entry of $((n * 4 + 128)) bytes"

tensor get -b "$dir/big.npz" big | tensor info > "$dir/info.txt"
cat "$dir/info.txt"
grep -q "1073741825" "$dir/info.txt" || { echo "large: FAIL: wrong shape" >&2; exit 1; }
grep -q "min 0  max 2.5 " "$dir/info.txt" ||
	{ echo "large: FAIL: wrong values" >&2; exit 1; }
tensor get -b "$dir/big.npz" big | tensor slice --cols 1073741824 > "$dir/last.txt"
tail -n 1 "$dir/last.txt" | grep -qx '1.5' || { echo "large: FAIL: last value" >&2; cat "$dir/last.txt" >&2; exit 1; }
echo "large: ok"
