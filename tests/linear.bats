#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# linear: y = x W^T + b against torch.nn.Linear (tests/golden/make_stages.py).
load helpers

S="$GOLDEN/stages"

@test "linear: --help prints the synopsis of the man page" {
	run linear --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: linear [--out M] [--no-bias] [--vocab FILE]"* ]]
}

@test "linear: equals torch.nn.Linear" {
	linear --weights "$S/linear.npz" "$S/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$S/linear.txt"
}

@test "linear: applies to the last axis of a 3-D tensor, as torch" {
	linear --weights "$S/linear.npz" "$S/x3.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$S/linear-3d.txt"
}

@test "linear: --no-bias equals nn.Linear(bias=False)" {
	linear --no-bias --weights "$S/linear-nobias.npz" "$S/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$S/linear-nobias.txt"
}

@test "linear: the row labels are kept" {
	run linear --out 2 "$S/x.txt"
	[ "${lines[1]}" = "#rows the cat sat on mat" ]
}

@test "linear: --prefix reads one layer of a larger archive and ignores the rest" {
	d=$BATS_TEST_TMPDIR
	tensor get "$S/linear.npz" weight >"$d/w.txt"
	tensor get "$S/linear.npz" bias >"$d/b.txt"
	tensor pack "$d/model.npz" generator.weight="$d/w.txt" generator.bias="$d/b.txt" other.weight="$d/b.txt"
	linear --weights "$d/model.npz" --prefix generator. "$S/x.txt" >"$d/y.txt"
	assert_close "$d/y.txt" "$S/linear.txt"
}

@test "linear: --out that contradicts the archive is an error naming the parameter" {
	run linear --out 4 --weights "$S/linear.npz" "$S/x.txt"
	assert_fails 1 "linear: .*linear.npz: --out 4, but weight is 6x8 \(6 on axis 0\)"
}

@test "linear: without --weights, --out is required" {
	run linear "$S/x.txt"
	assert_fails 2 "linear: --out M is required"
}

@test "linear: --seed draws the same parameters again, and --save-weights keeps them" {
	d=$BATS_TEST_TMPDIR
	linear --out 3 --seed 7 --save-weights "$d/p.npz" "$S/x.txt" >"$d/a.txt"
	linear --weights "$d/p.npz" "$S/x.txt" >"$d/b.txt"
	linear --out 3 --seed 8 "$S/x.txt" >"$d/c.txt"
	cmp "$d/a.txt" "$d/b.txt"
	! cmp -s "$d/a.txt" "$d/c.txt"
}

@test "linear: --vocab labels the output columns" {
	printf 'a\nb\nc\nd\ne\nf\n' >"$BATS_TEST_TMPDIR/v.txt"
	run linear --weights "$S/linear.npz" --vocab "$BATS_TEST_TMPDIR/v.txt" "$S/x.txt"
	[ "${lines[2]}" = "#cols a b c d e f" ]
}

@test "linear: a --vocab of the wrong size is an error" {
	printf 'a\nb\n' >"$BATS_TEST_TMPDIR/v.txt"
	run linear --weights "$S/linear.npz" --vocab "$BATS_TEST_TMPDIR/v.txt" "$S/x.txt"
	assert_fails 1 "v.txt: 2 tokens for 6 output columns"
}

@test "linear: a tensor of another width than the first is an error" {
	(cat "$S/x.txt"; printf '#tensor 3\n1 2 3\n') >"$BATS_TEST_TMPDIR/in.txt"
	run linear --weights "$S/linear.npz" "$BATS_TEST_TMPDIR/in.txt"
	assert_fails 1 "tensor #1 is 3 wide, expected 8"
}

@test "linear: --explain writes out y[0] of the first row, equal to the output" {
	linear --weights "$S/linear.npz" --explain=1 "$S/x.txt" 2>"$BATS_TEST_TMPDIR/e.txt" >"$BATS_TEST_TMPDIR/y.txt"
	y0=$(tensor --digits 6 "$BATS_TEST_TMPDIR/y.txt" | sed -n 3p | awk '{ print $1 }')
	grep -q "y\[0\] = .* = $y0\$" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "row 0 of 5, 'the'" "$BATS_TEST_TMPDIR/e.txt"
	! grep -q "row 1 of 5" "$BATS_TEST_TMPDIR/e.txt"
}

@test "linear: 0 input features give the bias, finite (torch's init bound is 0 then)" {
	printf '#tensor 2 0\n' >"$BATS_TEST_TMPDIR/z.txt"
	run linear --out 3 "$BATS_TEST_TMPDIR/z.txt"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "#tensor 2 3" ]
}
