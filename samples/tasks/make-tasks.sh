#!/bin/sh
# SPDX-License-Identifier: MIT
# Toy tasks for train, made with awk alone (no Python needed to run the course):
#   copy     3 1 4   ->  3 1 4
#   reverse  3 1 4   ->  4 1 3
#   sort     3 1 4   ->  1 3 4
# digit sequences written as words separated by spaces, lengths MIN to MAX (default 5 to 12).
# Usage: make-tasks.sh [-s SEED] [-n TRAIN] [-m MIN] [-M MAX] OUTDIR
# Writes OUTDIR/{copy,reverse,sort}-{train,valid,test}.tsv (source TAB target): TRAIN training pairs,
# 500 validation and 500 test pairs. A sequence in valid or test never occurs in train. The same seed
# gives the same files with the same awk (Debian's mawk by default).
set -eu
seed=1 n=20000 min=5 max=12
while getopts s:n:m:M: opt; do
	case $opt in
	s) seed=$OPTARG ;;
	n) n=$OPTARG ;;
	m) min=$OPTARG ;;
	M) max=$OPTARG ;;
	*) echo "usage: make-tasks.sh [-s SEED] [-n TRAIN] [-m MIN] [-M MAX] OUTDIR" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: make-tasks.sh [-s SEED] [-n TRAIN] [-m MIN] [-M MAX] OUTDIR" >&2; exit 2; }
out=$1
mkdir -p "$out"
awk -v seed="$seed" -v n="$n" -v min="$min" -v max="$max" -v out="$out" '
function emit(task, part_name, src,    k, a, b, t, i, j, tmp) {
	k = split(src, a, " ")
	if (task == "copy") t = src
	else if (task == "reverse") { t = a[k]; for (i = k - 1; i >= 1; i--) t = t " " a[i] }
	else { # sort: insertion sort of the digits
		for (i = 2; i <= k; i++) { tmp = a[i]; for (j = i - 1; j >= 1 && a[j] > tmp; j--) a[j + 1] = a[j]; a[j + 1] = tmp }
		t = a[1]; for (i = 2; i <= k; i++) t = t " " a[i]
	}
	print src "\t" t > (out "/" task "-" part_name ".tsv")
}
function sequence(    len, s, i) {
	len = min + int(rand() * (max - min + 1))
	s = int(rand() * 10); for (i = 2; i <= len; i++) s = s " " int(rand() * 10)
	return s
}
BEGIN {
	srand(seed)
	# held-out sets first, so that training can avoid their sequences
	for (part = 1; part <= 2; part++) {
		split_name = part == 1 ? "valid" : "test"
		for (c = 0; c < 500; ) {
			s = sequence()
			if (s in held) continue
			held[s] = 1; c++
			emit("copy", split_name, s); emit("reverse", split_name, s); emit("sort", split_name, s)
		}
	}
	for (c = 0; c < n; ) {
		s = sequence()
		if (s in held) continue
		c++
		emit("copy", "train", s); emit("reverse", "train", s); emit("sort", "train", s)
	}
}'
