# SPDX-License-Identifier: MIT
# Shared by the exercises' check scripts (sourced): where the exercise lives, a scratch folder, and the
# verdicts. A check prints one sentence and exits 0 when the answer is right, 1 when it is not, 2 when
# it cannot run (no answer file, programs not on PATH).
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
right() { echo "right: $*"; exit 0; }
wrong() { echo "not yet: $*"; exit 1; }
cannot() { echo "check: $*" >&2; exit 2; }
command -v attend > /dev/null || cannot "the programs are not on PATH (export PATH=\"\$PWD/bin:\$PATH\" in the source folder)"
# need FILE: the answer file must exist
need() { [ -f "$1" ] || cannot "$1: no such file (the task is in $here/README.md)"; }
# number FILE: the first number of FILE (the answer of a one-number exercise)
number() { awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/) { print $i; exit } }' "$1"; }
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
# agree REF ANSWER ATOL: the two tensors agree to ATOL (tensor diff's report kept in $tmp/diff)
agree() { tensor diff --atol "$3" "$1" "$2" > "$tmp/diff" 2>&1; }
# worst: tensor diff's line about the cells that differ most
worst() { grep -v '^max ' "$tmp/diff" | head -3 | tr '\n' ' '; }
# same A B ATOL: agree, for the guesses at a mistake (leaves agree's report alone)
same() { tensor diff --atol "$3" "$1" "$2" > /dev/null 2>&1; }
