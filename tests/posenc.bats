#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# posenc: the positional encoding added to every tensor.
load helpers

setup() {
	TMP="$BATS_TEST_TMPDIR"
}

# zeros T E: a T x E matrix of zeros
zeros() {
	for ((t = 0; t < $1; t++)); do
		printf '0%.0s ' $(seq "$2")
		echo
	done
}

@test "posenc: --only equals the formula in float64 rounded to float (interleaved)" {
	posenc --only --len 12 --dim 8 > "$TMP/pe.txt"
	assert_close "$TMP/pe.txt" "$GOLDEN/posenc-interleaved-12x8.txt" 0
}

@test "posenc: --layout concat puts all sines, then all cosines" {
	posenc --only --len 12 --dim 8 --layout concat > "$TMP/pe.txt"
	assert_close "$TMP/pe.txt" "$GOLDEN/posenc-concat-12x8.txt" 0
}

@test "posenc: --offset and --base change the positions and the wavelengths" {
	posenc --only --len 4 --dim 6 --offset 5 --base 100 > "$TMP/pe.txt"
	assert_close "$TMP/pe.txt" "$GOLDEN/posenc-offset5-base100-4x6.txt" 0
}

@test "posenc: --layout t2t equals Tensor2Tensor's get_timing_signal_1d (frequencies 1/10000^(i/(d/2-1)))" {
	posenc --only --len 12 --dim 8 --layout t2t > "$TMP/pe.txt"
	assert_close "$TMP/pe.txt" "$GOLDEN/posenc-t2t-12x8.txt" 0
}

@test "posenc: --layout t2t, row 1 of --len 3 --dim 4 is T2T's 0.84147 0.0001 0.5403 1" {
	posenc --only --len 3 --dim 4 --layout t2t > "$TMP/pe.txt"
	assert_close "$TMP/pe.txt" "$GOLDEN/posenc-t2t-3x4.txt" 0
	run posenc --only --len 3 --dim 4 --layout concat
	[ "$status" -eq 0 ]
	[[ "${lines[4]}" != *" 0.0001 "* ]] # concat keeps the paper's frequencies: not T2T's
}

@test "posenc: --layout t2t with --min-timescale, --max-timescale, --offset and an odd width (zero column)" {
	posenc --only --len 5 --dim 7 --layout t2t --min-timescale 2 --max-timescale 500 --offset 3 > "$TMP/pe.txt"
	assert_close "$TMP/pe.txt" "$GOLDEN/posenc-t2t-odd-5x7-min2-max500-start3.txt" 0
	run posenc --only --len 1 --dim 5 --layout t2t
	[ "${lines[2]}" = "#cols sin0 sin1 cos0 cos1 pad" ]
}

@test "posenc: --layout t2t adds the same table to a stream" {
	zeros 12 8 | posenc --layout t2t > "$TMP/pe.txt"
	assert_close "$TMP/pe.txt" "$GOLDEN/posenc-t2t-12x8.txt" 0
}

@test "posenc: timescales without --layout t2t, and --base or --explain with it, are usage errors" {
	run posenc --only --len 2 --dim 4 --max-timescale 100
	assert_fails 2 "go with --layout t2t"
	run posenc --only --len 2 --dim 4 --layout t2t --base 100
	assert_fails 2 "not --base"
	run posenc --only --len 2 --dim 4 --layout t2t --explain
	assert_fails 2 "no --explain"
	run posenc --only --len 2 --dim 4 --layout t2t --min-timescale 0
	assert_fails 2 "min-timescale"
}

@test "posenc: --only labels rows with positions and columns sin/cos in the layout's order" {
	run posenc --only --len 2 --dim 4 --offset 3
	[ "${lines[1]}" = "#rows 3 4" ]
	[ "${lines[2]}" = "#cols sin0 cos0 sin1 cos1" ]
	run posenc --only --len 2 --dim 4 --layout concat
	[ "${lines[2]}" = "#cols sin0 sin1 cos0 cos1" ]
}

@test "posenc: a tensor of zeros comes out as the table itself" {
	zeros 12 8 | posenc > "$TMP/pe.txt"
	assert_close "$TMP/pe.txt" "$GOLDEN/posenc-interleaved-12x8.txt" 0
}

@test "posenc: --offset N gives the rows from position N of a longer table" {
	{ echo "#tensor 3 6"; posenc --only --len 10 --dim 6 | tail -n 3; } > "$TMP/long.txt"
	zeros 3 6 | posenc --offset 7 > "$TMP/offset.txt"
	assert_close "$TMP/long.txt" "$TMP/offset.txt" 0
}

@test "posenc: adds the table to the input and keeps rows, labels and name" {
	printf '#tensor 2 2\n#name x\n#rows the cat\n1 2\n3 4\n' > "$TMP/x.txt"
	run posenc "$TMP/x.txt"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "#name x" ]
	[ "${lines[2]}" = "#rows the cat" ]
	printf '#tensor 2 2\n1 3\n3.841471 4.5403023\n' > "$TMP/want.txt"
	echo "$output" > "$TMP/got.txt"
	assert_close "$TMP/got.txt" "$TMP/want.txt" 1e-6
}

@test "posenc: every tensor of a stream starts again at position 0" {
	{ zeros 2 4; echo; zeros 3 4; } | posenc > "$TMP/two.txt"
	posenc --only --len 2 --dim 4 > "$TMP/want.txt"
	posenc --only --len 3 --dim 4 >> "$TMP/want.txt"
	assert_close "$TMP/two.txt" "$TMP/want.txt" 0
}

@test "posenc: each T x E slice of a 3-D tensor gets the table" {
	{ echo "#tensor 2 3 2"; zeros 6 2; } | posenc > "$TMP/out.txt"
	posenc --only --len 3 --dim 2 > "$TMP/pe.txt"
	{ echo "#tensor 2 3 2"; tail -n 3 "$TMP/pe.txt"; tail -n 3 "$TMP/pe.txt"; } > "$TMP/want.txt"
	assert_close "$TMP/out.txt" "$TMP/want.txt" 0
}

@test "posenc: an empty 0 x d_model tensor passes through" {
	run posenc <<< "#tensor 0 4"
	[ "$status" -eq 0 ]
	[ "$output" = "#tensor 0 4" ]
}

@test "posenc: --learned with --weights adds the table's rows from --offset" {
	embed --vocab "$GOLDEN/embed-vocab.txt" --dim 4 --weights "$GOLDEN/embed-weight.npz" <<< "the cat sat on the mat" |
		posenc --learned --max-len 8 --offset 2 --weights "$GOLDEN/posenc-learned.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$GOLDEN/posenc-learned-the-cat-offset2.txt" 0
}

@test "posenc: --learned --save-weights then --weights gives identical output" {
	zeros 3 5 | posenc --learned --max-len 4 --seed 3 --save-weights "$TMP/w.npz" > "$TMP/a.txt"
	zeros 3 5 | posenc --learned --max-len 4 --weights "$TMP/w.npz" > "$TMP/b.txt"
	cmp "$TMP/a.txt" "$TMP/b.txt"
}

@test "posenc: --learned --only writes the first rows of the learned table" {
	posenc --learned --only --len 8 --dim 4 --max-len 8 --weights "$GOLDEN/posenc-learned.npz" > "$TMP/a.txt"
	zeros 8 4 | posenc --learned --max-len 8 --weights "$GOLDEN/posenc-learned.npz" > "$TMP/b.txt"
	assert_close "$TMP/a.txt" "$TMP/b.txt" 0
}

@test "posenc: --learned accepts an odd d_model" {
	run posenc --learned --only --len 2 --dim 3
	[ "$status" -eq 0 ]
}

@test "posenc: a sequence longer than the learned table is an error that says both lengths" {
	run posenc --learned --max-len 4 < <(zeros 5 2)
	assert_fails 1 "^posenc: stdin: tensor #0: 5 positions from 0 do not fit the learned table of 4 positions \(--max-len\)"
}

@test "posenc: a learned table of another d_model is an error" {
	run posenc --learned --max-len 8 --weights "$GOLDEN/posenc-learned.npz" < <(zeros 2 6)
	assert_fails 1 "parameter weight has shape 8x4, expected 8x6"
}

@test "posenc: a second tensor of another d_model is an error with --learned" {
	run posenc --learned < <(zeros 2 4; echo; zeros 2 6)
	assert_fails 1 "posenc: stdin: tensor #1: d_model 6, but the learned table has 4"
}

@test "posenc: an odd d_model is an error for the sinusoidal table" {
	run posenc < <(zeros 2 5)
	assert_fails 1 "^posenc: stdin: tensor #0: d_model 5 is odd"
	run posenc --only --len 2 --dim 5
	assert_fails 2 "^posenc: --dim 5 is odd"
}

@test "posenc: a tensor of 0 columns is an error" {
	run posenc <<< "#tensor 2 0"
	assert_fails 1 "^posenc: stdin: tensor #0: d_model is 0"
}

@test "posenc: a 1-D tensor is an error" {
	run posenc <<< "$(printf '#tensor 3\n1 2 3\n')"
	assert_fails 1 "^posenc: stdin: tensor #0: a 1-D tensor of 3; posenc needs rows"
}

@test "posenc: --explain checks PE(pos+k) = M_k PE(pos) on stderr and leaves stdout alone" {
	posenc --only --len 6 --dim 8 --explain > "$TMP/out.txt" 2> "$TMP/err.txt"
	posenc --only --len 6 --dim 8 > "$TMP/plain.txt"
	cmp "$TMP/out.txt" "$TMP/plain.txt"
	grep -q "^posenc: k=1: M_1 pair 0 = \[0.540302 0.841471; -0.841471 0.540302\]; max |M_1 PE(pos) - PE(pos+1)| = [0-9.e-]* (pos 0 to 4)" "$TMP/err.txt"
	# the check is numeric: every error it reports is at float rounding level
	awk -F'= ' '/max \|M_/ { split($3, a, " "); if (a[1] + 0 > 1e-6) exit 1 }' "$TMP/err.txt"
	grep -q "^     1    0       0,1            1     0.841471     0.540302" "$TMP/err.txt"
}

@test "posenc: --explain names the concat layout's columns" {
	posenc --only --len 2 --dim 8 --layout concat --explain 2> "$TMP/err.txt" > /dev/null
	grep -q "layout concat: pair i has its sin in column i, its cos in column E/2+i" "$TMP/err.txt"
	grep -q "^     1    1       1,5 " "$TMP/err.txt"
}

@test "posenc: --layout with another name is a usage error" {
	run posenc --layout rotary --only --len 2 --dim 2
	assert_fails 2 "^posenc: --layout: 'rotary' is not interleaved, concat or t2t"
}

@test "posenc: --learned with --base is a usage error" {
	run posenc --learned --base 100 --only --len 2 --dim 2
	assert_fails 2 "^posenc: --layout, --base and --explain are about the sinusoidal table"
}

@test "posenc: --weights without --learned is a usage error" {
	run posenc --weights x.npz --only --len 2 --dim 2
	assert_fails 2 "^posenc: the sinusoidal table has no parameters"
}

@test "posenc: --only needs --len and --dim" {
	run posenc --only --len 2
	assert_fails 2 "^posenc: --only needs --len T and --dim E"
}

@test "posenc: --len without --only is a usage error" {
	run posenc --len 2 < /dev/null
	assert_fails 2 "^posenc: --len and --dim go with --only"
}

@test "posenc: --only with an input file is a usage error" {
	run posenc --only --len 2 --dim 2 x.txt
	assert_fails 2 "^posenc: --only reads no input"
}

@test "posenc: --base below 1 is a usage error" {
	run posenc --base 0.5 --only --len 2 --dim 2
	assert_fails 2 "^posenc: --base: 0.5 is out of range"
}

@test "posenc: embed | posenc keeps the token labels" {
	run sh -c 'echo "the cat sat" | embed --dim 4 | posenc'
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows the cat sat"* ]]
}

@test "posenc: --help prints the usage and exits 0" {
	run posenc --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: posenc "* ]]
}

@test "posenc: --learned --prefix reads the table from a larger archive; without --learned it is a usage error" {
	tensor get "$GOLDEN/posenc-learned.npz" weight >"$TMP/w.txt"
	tensor pack "$TMP/model.npz" pos_embed.weight="$TMP/w.txt" src_embed.weight="$TMP/w.txt"
	embed --vocab "$GOLDEN/embed-vocab.txt" --dim 4 --weights "$GOLDEN/embed-weight.npz" <<< "the cat sat on the mat" |
		posenc --learned --max-len 8 --offset 2 --weights "$TMP/model.npz" --prefix pos_embed. > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$GOLDEN/posenc-learned-the-cat-offset2.txt" 0
	run posenc --prefix pos_embed. "$TMP/out.txt"
	assert_fails 2 "--prefix need --learned"
}

@test "posenc: --only with an odd --dim is a usage error (exit 2)" {
	run posenc --only --len 2 --dim 5
	assert_fails 2 "^posenc: --dim 5 is odd: the sinusoidal table pairs a sin with a cos"
}

@test "posenc: --only --learned beyond --max-len is a usage error (exit 2)" {
	run posenc --only --learned --len 4 --dim 2 --offset 8 --max-len 10
	assert_fails 2 "^posenc: --len 4 from --offset 8 does not fit the learned table of --max-len 10"
}
