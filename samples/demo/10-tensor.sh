# SPDX-License-Identifier: MIT
# The tensor stream: a labelled matrix through the three forms and back, unchanged.
set -eu
tensor info samples/matrix.txt
tensor -b samples/matrix.txt | tensor --npy | tensor > out/matrix-roundtrip.txt
tensor diff --atol 0 samples/matrix.txt out/matrix-roundtrip.txt
cat out/matrix-roundtrip.txt
