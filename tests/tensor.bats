#!/usr/bin/env bats
# The tensor helper program: info, rand, diff, get, pack, and the conventions every program follows.
load helpers

@test "tensor: --help prints the usage on stdout and exits 0" {
	run tensor --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: tensor [cat]"* ]]
}

@test "tensor: --version names the program and the version" {
	run tensor --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^tensor\ \(pipeformer\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "tensor: an unknown option is a usage error (exit 2)" {
	run tensor --frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"Try 'tensor --help'"* ]]
}

@test "tensor: a bad number on the command line is a usage error naming the option" {
	run tensor rand --shape 2x2 --count -3
	assert_fails 2 "tensor: --count: -3 is out of range"
	run tensor rand --shape 2xq
	assert_fails 2 "tensor: --shape: '2xq' is not a shape"
}

@test "tensor info: shape, name, labels and statistics" {
	run tensor info "$SAMPLES/matrix.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"#0: 3x4 name example" ]]
	[[ "${lines[1]}" == "  rows: the cat sat" ]]
	[[ "$output" == *"min -2  max 3.5  mean 0.385416667"* ]]
}

@test "tensor info: counts NaN and Inf instead of rejecting them" {
	run sh -c 'printf "1 nan\ninf -inf\n" | tensor info'
	[ "$status" -eq 0 ]
	[[ "$output" == *"NaN 1  Inf 2"* ]]
	[[ "$output" == *"min 1  max 1"* ]]
}

@test "tensor rand: the same seed gives the same tensor, another seed another" {
	a=$(tensor rand --shape 3x3 --seed 5)
	b=$(tensor rand --shape 3x3 --seed 5)
	c=$(tensor rand --shape 3x3 --seed 6)
	[ "$a" = "$b" ]
	[ "$a" != "$c" ]
}

@test "tensor rand: normal draws have mean near 0 and variance near 1" {
	tensor rand --shape 200x200 --seed 9 -b > "$BATS_TEST_TMPDIR/r.bin"
	run tensor info "$BATS_TEST_TMPDIR/r.bin"
	mean=$(echo "$output" | sed -n 's/.*mean \([^ ]*\).*/\1/p')
	awk -v m="$mean" 'BEGIN { exit !(m > -0.02 && m < 0.02) }'
}

@test "tensor rand: uniform draws stay in [-1, 1)" {
	run sh -c 'tensor rand --shape 100x100 --dist uniform -b | tensor info'
	lo=$(echo "$output" | sed -n 's/.*min \([^ ]*\).*/\1/p')
	hi=$(echo "$output" | sed -n 's/.*max \([^ ]*\).*/\1/p')
	awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(lo >= -1 && hi < 1 && lo < -0.99 && hi > 0.99) }'
}

@test "tensor diff: equal streams exit 0" {
	run tensor diff "$SAMPLES/matrix.txt" "$SAMPLES/matrix.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"max abs diff 0"* ]]
}

@test "tensor diff: a difference beyond atol exits 1 and reports the largest" {
	printf '1 2\n3 4\n' > "$BATS_TEST_TMPDIR/a"
	printf '1 2.5\n3 4.001\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff --atol 0.01 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"max abs diff 0.5"* ]]
	[[ "$output" == *"1 of 4 values outside"* ]]
}

@test "tensor diff: rtol scales with the second stream" {
	printf '100\n' > "$BATS_TEST_TMPDIR/a"
	printf '101\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff --atol 0 --rtol 0.02 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	run tensor diff --atol 0 --rtol 0.005 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
}

@test "tensor diff: errors exit 2 (shape mismatch, count mismatch, missing file)" {
	printf '1 2\n' > "$BATS_TEST_TMPDIR/a"
	printf '1 2 3\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_fails 2 "tensor #0: shape 1x2 in .*, 1x3 in"
	tensor rand --shape 2 --count 2 > "$BATS_TEST_TMPDIR/c"
	tensor rand --shape 2 > "$BATS_TEST_TMPDIR/d"
	run tensor diff "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/d"
	assert_fails 2 "has more tensors than"
	run tensor diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/missing"
	assert_fails 2 "missing: No such file"
}

@test "tensor pack and get: an archive round trip keeps every value" {
	tensor rand --shape 4x3 --seed 2 > "$BATS_TEST_TMPDIR/w.txt"
	tensor rand --shape 4 --seed 3 > "$BATS_TEST_TMPDIR/b.txt"
	tensor pack "$BATS_TEST_TMPDIR/m.npz" weight="$BATS_TEST_TMPDIR/w.txt" bias="$BATS_TEST_TMPDIR/b.txt"
	tensor get "$BATS_TEST_TMPDIR/m.npz" weight > "$BATS_TEST_TMPDIR/w2.txt"
	assert_close "$BATS_TEST_TMPDIR/w.txt" "$BATS_TEST_TMPDIR/w2.txt" 0
	run tensor get "$BATS_TEST_TMPDIR/m.npz"
	[[ "${lines[1]}" == "#name weight" ]]
}

@test "tensor pack: a bad pair is a usage error" {
	run tensor pack "$BATS_TEST_TMPDIR/m.npz" weight
	assert_fails 2 "'weight' is not NAME=FILE"
	[ ! -e "$BATS_TEST_TMPDIR/m.npz" ]
}

@test "tensor get: not an archive" {
	run tensor get "$SAMPLES/matrix.txt" x
	assert_fails 1 "matrix.txt: not a .npz archive"
}

@test "tensor: a failed write is an error, not a silent success" {
	[ -w /dev/full ] || skip "no /dev/full"
	run sh -c 'tensor rand --shape 100x100 > /dev/full'
	assert_fails 1 "tensor: stdout: write error: No space left on device"
}

@test "tensor: a closed downstream pipe ends quietly" {
	run sh -c 'tensor rand --shape 1000x100 | head -n 1'
	[ "$output" = "#tensor 1000 100" ]
}
