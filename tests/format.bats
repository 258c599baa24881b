#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The tensor stream (docs/format.md): the three forms, labels, and the errors a reader gives.
load helpers

NPY="$GOLDEN/npy"

labelled() {
	printf '#tensor 2 3\n#name q\n#rows the cat\n#cols a b\\x20c \\xe4\\xb8\\xad\n1 2 3\n4 5.5 -6\n'
}

@test "format: text -> binary -> text is exact on random tensors of 1 to 4 dimensions" {
	for shape in 7 3x5 2x3x4 2x2x3x3; do
		tensor rand --shape "$shape" --seed 7 > "$BATS_TEST_TMPDIR/a.txt"
		tensor -b "$BATS_TEST_TMPDIR/a.txt" | tensor > "$BATS_TEST_TMPDIR/b.txt"
		cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
	done
}

@test "format: text -> .npy -> text is exact on random tensors of 1 to 4 dimensions" {
	for shape in 7 3x5 2x3x4 2x2x3x3; do
		tensor rand --shape "$shape" --seed 8 > "$BATS_TEST_TMPDIR/a.txt"
		tensor --npy "$BATS_TEST_TMPDIR/a.txt" | tensor > "$BATS_TEST_TMPDIR/b.txt"
		cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
	done
}

@test "format: binary keeps every bit (text of the binary equals the original digits)" {
	tensor rand --shape 50x50 --seed 3 -b > "$BATS_TEST_TMPDIR/a.bin"
	tensor --npy "$BATS_TEST_TMPDIR/a.bin" | tensor -b | cmp - "$BATS_TEST_TMPDIR/a.bin"
}

@test "format: name and labels survive text, binary and .npy" {
	labelled > "$BATS_TEST_TMPDIR/l.txt"
	tensor "$BATS_TEST_TMPDIR/l.txt" > "$BATS_TEST_TMPDIR/ref.txt"
	tensor -b "$BATS_TEST_TMPDIR/l.txt" | tensor --npy | tensor -b | tensor > "$BATS_TEST_TMPDIR/out.txt"
	cmp "$BATS_TEST_TMPDIR/ref.txt" "$BATS_TEST_TMPDIR/out.txt"
	grep -qx '#name q' "$BATS_TEST_TMPDIR/out.txt"
	grep -qx '#rows the cat' "$BATS_TEST_TMPDIR/out.txt"
}

@test "format: a space inside a label is written as \\x20" {
	run sh -c "$(declare -f labelled); labelled | tensor"
	[ "$status" -eq 0 ]
	[[ "$output" == *'#cols a b\x20c '* ]]
}

@test "format: UTF-8 labels and names are written as they are" {
	printf '#tensor 1 3\n#name Übersetzung\n#cols mèo ngồi 中\n1 2 3\n' > "$BATS_TEST_TMPDIR/u.txt"
	run tensor "$BATS_TEST_TMPDIR/u.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'#name Übersetzung\n#cols mèo ngồi 中\n'* ]]
}

@test "format: an old stream's \\xHH escapes of UTF-8 read back as the characters" {
	run sh -c "$(declare -f labelled); labelled | tensor"
	[ "$status" -eq 0 ]
	[[ "$output" == *'#cols a b\x20c 中'* ]]
}

@test "format: the backslash, control bytes, C1 controls and invalid UTF-8 stay escaped" {
	# \x5c backslash, \x01 control, \x7f DEL, \xc2\x85 (U+0085, C1), \xff and a lone \xe4 (not UTF-8)
	printf '#tensor 1 6\n#cols a\\x5cb \\x01 \\x7f \\xc2\\x85 \\xff \\xe4x\n1 2 3 4 5 6\n' > "$BATS_TEST_TMPDIR/e.txt"
	run tensor "$BATS_TEST_TMPDIR/e.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *'#cols a\x5cb \x01 \x7f \xc2\x85 \xff \xe4x'* ]]
}

@test "format: the .npy label comment keeps UTF-8 labels as ASCII escapes" {
	printf '#tensor 1 2\n#cols mèo a\n1 2\n' | tensor --npy > "$BATS_TEST_TMPDIR/u.npy"
	head -c 200 "$BATS_TEST_TMPDIR/u.npy" | grep -aq 'cols=m\\xc3\\xa8o,a'
	tensor "$BATS_TEST_TMPDIR/u.npy" | grep -qx '#cols mèo a'
}

@test "format: numbers are the shortest decimal that reads back to the same float32" {
	tensor "$NPY/f4.npy" | tail -n +2 | tr -s ' ' | sed 's/^ //' > "$BATS_TEST_TMPDIR/ours.txt"
	tail -n +2 "$NPY/f4.txt" | diff - "$BATS_TEST_TMPDIR/ours.txt"
}

@test "format: --digits rounds for display" {
	run tensor --digits 3 "$NPY/f4.npy"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^\ *1\.45\ +-1\.44\ +-0\.0175\ +-0\.869$ ]]
}

@test "format: a bare block of numbers is one 2-D tensor with the shape of its rows" {
	run sh -c 'printf "1 2 3\n4 5 6\n" | tensor'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "#tensor 2 3" ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "format: comments and blank lines are ignored" {
	run sh -c 'printf "# a comment\n\n#tensor 2 2\n# another\n1 2\n\n3 4\n" | tensor'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "#tensor 2 2" ]
	[ "${lines[2]}" = "3 4" ]
}

@test "format: unknown #word directives are ignored" {
	run sh -c 'printf "#tensor 1 2\n#units meters\n1 2\n" | tensor'
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "1 2" ]
}

@test "format: a stream of several tensors gives as many outputs, in every form" {
	tensor rand --shape 2x3 --count 4 > "$BATS_TEST_TMPDIR/s.txt"
	[ "$(tensor "$BATS_TEST_TMPDIR/s.txt" | grep -c '^#tensor')" -eq 4 ]
	[ "$(tensor -b "$BATS_TEST_TMPDIR/s.txt" | tensor | grep -c '^#tensor')" -eq 4 ]
	[ "$(tensor --npy "$BATS_TEST_TMPDIR/s.txt" | tensor | grep -c '^#tensor')" -eq 4 ]
}

@test "format: a stream may mix the three forms" {
	{ tensor rand --shape 2x2 --seed 1; tensor rand --shape 2x2 --seed 2 -b; tensor rand --shape 3 --npy; } > "$BATS_TEST_TMPDIR/mix"
	[ "$(tensor "$BATS_TEST_TMPDIR/mix" | grep -c '^#tensor')" -eq 3 ]
}

@test "format: .npy files written by NumPy are read (v1.0 f4, f8, v2.0, v3.0)" {
	for f in f4 f8 v2 v3; do
		assert_close "$NPY/$f.npy" "$NPY/$f.txt" 0
	done
}

@test "format: .npy written by us is read by shape and values (1-D keeps its shape)" {
	run sh -c 'printf "#tensor 3\n1 2 3\n" | tensor --npy | tensor'
	[ "${lines[0]}" = "#tensor 3" ]
}

@test "format: a zero-sized tensor is a valid tensor" {
	run sh -c 'printf "#tensor 0 4\n#tensor 1 1\n7\n" | tensor -b | tensor'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "#tensor 0 4" ]
	[ "${lines[1]}" = "#tensor 1 1" ]
}

@test "format error: unknown .npy dtype" {
	run tensor "$NPY/int32.npy"
	assert_fails 1 "int32.npy: .npy dtype '<i4' is not supported"
}

@test "format error: big-endian .npy" {
	run tensor "$NPY/bigendian.npy"
	assert_fails 1 "dtype '>f4' is not supported"
}

@test "format error: Fortran order .npy" {
	run tensor "$NPY/fortran.npy"
	assert_fails 1 "fortran.npy: .npy array is in Fortran order"
}

@test "format error: a 0-d .npy" {
	run tensor "$NPY/scalar.npy"
	assert_fails 1 "scalar.npy: .npy array is a scalar"
}

@test "format error: truncated binary" {
	tensor rand --shape 4x4 -b | head -c 70 > "$BATS_TEST_TMPDIR/t.bin"
	run tensor "$BATS_TEST_TMPDIR/t.bin"
	assert_fails 1 "t.bin: truncated"
}

@test "format error: truncated binary through a pipe" {
	run sh -c 'tensor rand --shape 4x4 -b | head -c 70 | tensor'
	assert_fails 1 "^tensor: -: truncated tensor: the header promises 64 bytes of data, only 46 follow$"
}

@test "format error: bad magic" {
	printf '\211PFX\001\002\000\000' > "$BATS_TEST_TMPDIR/bad.bin"
	run tensor "$BATS_TEST_TMPDIR/bad.bin"
	assert_fails 1 "bad.bin: bad magic"
}

@test "format error: unsupported binary version" {
	tensor rand --shape 2 -b > "$BATS_TEST_TMPDIR/v.bin"
	printf '\011' | dd of="$BATS_TEST_TMPDIR/v.bin" bs=1 seek=4 conv=notrunc 2>/dev/null
	run tensor "$BATS_TEST_TMPDIR/v.bin"
	assert_fails 1 "binary tensor version 9"
}

@test "format error: a ragged text row names its line" {
	run sh -c 'printf "1 2 3\n4 5\n" | tensor'
	assert_fails 1 "^tensor: -: line 2: ragged row: 2 numbers where line 1 has 3$"
}

@test "format error: a row of the wrong width after #tensor" {
	run sh -c 'printf "#tensor 2 3\n1 2 3\n4 5 6 7\n" | tensor'
	assert_fails 1 "line 3: 4 numbers in a row of 3"
}

@test "format error: a non-number" {
	run sh -c 'printf "1 2\n3 x4\n" | tensor'
	assert_fails 1 "line 2: not a number: 'x4'"
}

@test "format error: dimensions whose product overflows (text)" {
	run sh -c 'printf "#tensor 4294967296 4294967296 16\n" | tensor'
	assert_fails 1 "line 1: #tensor: dimensions overflow"
}

@test "format error: dimensions whose product overflows (binary)" {
	printf '\211PFT\001\002\000\000\377\377\377\377\377\377\377\000\377\377\377\377\377\377\377\000' > "$BATS_TEST_TMPDIR/o.bin"
	run tensor "$BATS_TEST_TMPDIR/o.bin"
	assert_fails 1 "binary tensor: dimensions overflow"
}

@test "format error: a text header that claims more data than follows" {
	run sh -c 'printf "#tensor 3 2\n1 2\n3 4\n" | tensor'
	assert_fails 1 "truncated tensor: 4 of 6 numbers"
}

@test "format error: a binary header that claims more data than the file holds" {
	tensor rand --shape 2x2 -b > "$BATS_TEST_TMPDIR/c.bin"
	printf '\377' | dd of="$BATS_TEST_TMPDIR/c.bin" bs=1 seek=8 conv=notrunc 2>/dev/null
	run tensor "$BATS_TEST_TMPDIR/c.bin"
	assert_fails 1 "c.bin: truncated tensor: the header promises 2040 bytes of data, only 16 follow"
}

@test "format error: NaN in the data names its position" {
	run sh -c 'printf "1 2\n3 nan\n" | tensor'
	assert_fails 1 "line 2: NaN in the data \(column 2\)"
}

@test "format error: Inf in binary data names its index" {
	printf '#tensor 2 2\n1 2\n3 4\n' | tensor -b > "$BATS_TEST_TMPDIR/i.bin"
	size=$(wc -c < "$BATS_TEST_TMPDIR/i.bin")
	printf '\000\000\200\177' | dd of="$BATS_TEST_TMPDIR/i.bin" bs=1 seek=$((size - 8)) conv=notrunc 2>/dev/null
	run tensor "$BATS_TEST_TMPDIR/i.bin"
	assert_fails 1 "i.bin: Inf at \[1,0\]"
}

@test "format error: an empty stream" {
	run sh -c ': | tensor'
	assert_fails 1 "^tensor: -: empty stream: no tensor$"
}

@test "format error: a missing file" {
	run tensor "$BATS_TEST_TMPDIR/nope.txt"
	assert_fails 1 "nope.txt: No such file or directory"
}

@test "format error: wrong number of labels" {
	run sh -c 'printf "#tensor 2 2\n#rows a b c\n1 2\n3 4\n" | tensor'
	assert_fails 1 "line 2: #rows: 3 labels for 2 positions"
}

@test "format: .npz archives load by name, stored and compressed" {
	for z in stored compressed; do
		printf '' > "$BATS_TEST_TMPDIR/none"
		run tensor get "$NPY/$z.npz" weight
		[ "$status" -eq 0 ]
		echo "$output" > "$BATS_TEST_TMPDIR/w.txt"
		assert_close "$BATS_TEST_TMPDIR/w.txt" "$NPY/weight.txt" 0
		tensor get "$NPY/$z.npz" bias > "$BATS_TEST_TMPDIR/b.txt"
		assert_close "$BATS_TEST_TMPDIR/b.txt" "$NPY/bias.txt" 0
	done
}

@test "format error: a missing .npz entry" {
	run tensor get "$NPY/stored.npz" nope
	assert_fails 1 "stored.npz: no entry 'nope' \(entries: "
}

@test "format: fast float printing and parsing equal the snprintf + strtof loop on edge and random values" {
	run "$PF_UNIT/floatfmt_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"equal the snprintf + strtof reference"* ]]
}
