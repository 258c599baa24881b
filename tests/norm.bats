#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# norm: LayerNorm against torch.nn.LayerNorm, RMSNorm against its formula in torch (tests/golden/make_stages.py).
load helpers

S="$GOLDEN/stages"

@test "norm: --help prints the synopsis of the man page" {
	run norm --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: norm [--rms | --annotated] [--eps X]"* ]]
}

@test "norm: equals torch.nn.LayerNorm with its weight and bias" {
	norm --weights "$S/norm.npz" "$S/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$S/norm.txt"
}

@test "norm: --eps goes inside the square root as torch's eps" {
	norm --eps 0.1 --weights "$S/norm.npz" "$S/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$S/norm-eps.txt"
}

@test "norm: --rms equals RMSNorm written out in torch" {
	norm --rms --weights "$S/rms.npz" "$S/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$S/rms.txt"
}

@test "norm: --rms has no bias: an archive with one is an error" {
	run norm --rms --weights "$S/norm.npz" "$S/x.txt"
	assert_fails 1 "unused parameter bias"
}

@test "norm: a new norm (weight 1, bias 0) gives rows of mean 0 and variance 1" {
	norm "$S/x.txt" | tensor cat --digits 9 | awk '!/^#/ {
		s = 0; q = 0; for (i = 1; i <= NF; i++) s += $i; m = s / NF
		for (i = 1; i <= NF; i++) q += ($i - m) ^ 2
		if (m > 1e-6 || m < -1e-6 || q / NF < 0.9999 || q / NF > 1.00001) bad = 1 }
		END { exit bad }'
}

@test "norm: --prefix reads norm1 of a whole encoder layer archive" {
	d=$BATS_TEST_TMPDIR
	tensor get "$S/layer-post.npz" layers.0.norm1.weight >"$d/w.txt"
	tensor get "$S/layer-post.npz" layers.0.norm1.bias >"$d/b.txt"
	tensor pack "$d/alone.npz" weight="$d/w.txt" bias="$d/b.txt"
	norm --weights "$S/layer-post.npz" --prefix layers.0.norm1. "$S/x.txt" >"$d/a.txt"
	norm --weights "$d/alone.npz" "$S/x.txt" >"$d/b.txt"
	cmp "$d/a.txt" "$d/b.txt"
	norm --weights "$S/layer-post.npz" --prefix layers.0.norm2. "$S/x.txt" >"$d/c.txt"
	! cmp -s "$d/a.txt" "$d/c.txt"
}

@test "norm: the labels are kept" {
	run norm "$S/x.txt"
	[ "${lines[1]}" = "#rows the cat sat on mat" ]
}

@test "norm: --explain shows the first row's mean and variance" {
	norm --explain=1 "$S/x.txt" 2>"$BATS_TEST_TMPDIR/e.txt" >/dev/null
	got=$(sed -n 's/.*mean = \([^,]*\), var = \([^,]*\),.*/\1 \2/p' "$BATS_TEST_TMPDIR/e.txt")
	[ -n "$got" ]
	sed -n 3p "$S/x.txt" | awk -v got="$got" '{ s = 0; for (i = 1; i <= NF; i++) s += $i; m = s / NF
		for (i = 1; i <= NF; i++) q += ($i - m) ^ 2; split(got, g, " ")
		d1 = g[1] - m; d2 = g[2] - q / NF; exit !(d1 < 1e-5 && d1 > -1e-5 && d2 < 1e-5 && d2 > -1e-5) }'
	grep -q "normalised" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "gamma" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "beta" "$BATS_TEST_TMPDIR/e.txt"
}

@test "norm: a bad --eps is a usage error" {
	run norm --eps -1 "$S/x.txt"
	assert_fails 2 "norm: --eps: -1 is out of range"
}

@test "norm: a sequence of 0 positions passes through; rows of 0 features are an error" {
	printf 'a b\n\nc\n' | embed --dim 4 | norm >"$BATS_TEST_TMPDIR/y.txt"
	run tensor info "$BATS_TEST_TMPDIR/y.txt"
	[[ "$output" == *"#1: 0x4"* ]]
	printf '#tensor 2 0\n' >"$BATS_TEST_TMPDIR/z.txt"
	run norm "$BATS_TEST_TMPDIR/z.txt"
	assert_fails 1 "rows of 0 features cannot be normalised"
}
