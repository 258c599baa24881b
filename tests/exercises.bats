#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The exercises of samples/exercises: each check accepts a right answer (computed here independently, with
# awk or the course's reasoning) and rejects a typical wrong one with a sentence that names the mistake.
load helpers
EX="$SAMPLES/exercises"

# check N ARGS...: run exercise N's check from the test's folder
check() {
	local ex=$1
	shift
	cd "$BATS_TEST_TMPDIR"
	run sh "$EX/$ex/check" "$@"
}

@test "exercises: 1 accepts softmax(q.k / sqrt 2) of key 2, and names a missing scale" {
	awk 'BEGIN { s = sqrt(2); printf "%.4f\n", exp(3 / s) / (exp(1 / s) + exp(2 / s) + exp(3 / s)) }' > "$BATS_TEST_TMPDIR/a"
	check 01-one-weight a
	[ "$status" -eq 0 ]
	[[ "$output" == "right: "* ]]
	awk 'BEGIN { printf "%.4f\n", exp(3) / (exp(1) + exp(2) + exp(3)) }' > "$BATS_TEST_TMPDIR/a"
	check 01-one-weight a
	[ "$status" -eq 1 ]
	[[ "$output" == *"without the scale: divide each score q.k by sqrt(d_k)"* ]]
}

@test "exercises: 1 without an answer file cannot run (exit 2)" {
	check 01-one-weight no-such-answer.txt
	[ "$status" -eq 2 ]
	[[ "$output" == *"no-such-answer.txt: no such file"* ]]
}

@test "exercises: 2 accepts the softmax row, and says when the weights do not sum to 1" {
	awk 'BEGIN { s = sqrt(2); z = exp(1 / s) + exp(2 / s) + exp(3 / s); printf "%.4f %.4f %.4f\n", exp(1 / s) / z, exp(2 / s) / z, exp(3 / s) / z }' > "$BATS_TEST_TMPDIR/a"
	check 02-weight-row a
	[ "$status" -eq 0 ]
	echo "0.3 0.3 0.6" > "$BATS_TEST_TMPDIR/a"
	check 02-weight-row a
	[ "$status" -eq 1 ]
	[[ "$output" == *"sum to 1.2, not 1"* ]]
}

@test "exercises: 3 accepts the weighted sum of the values, and names the plain average" {
	awk 'BEGIN { s = sqrt(2); z = exp(1 / s) + exp(2 / s) + exp(3 / s); a0 = exp(1 / s) / z; a1 = exp(2 / s) / z; a2 = exp(3 / s) / z
		printf "%.4f %.4f\n", 10 * a0 + 5 * a2, 10 * a1 + 5 * a2 }' > "$BATS_TEST_TMPDIR/a"
	check 03-context-vector a
	[ "$status" -eq 0 ]
	echo "5 5" > "$BATS_TEST_TMPDIR/a"
	check 03-context-vector a
	[ "$status" -eq 1 ]
	[[ "$output" == *"plain average"* ]]
}

@test "exercises: 4 accepts the lower triangle, and names the first wrong cell with its words" {
	printf '1 0 0 0 0\n1 1 0 0 0\n1 1 1 0 0\n1 1 1 1 0\n1 1 1 1 1\n' > "$BATS_TEST_TMPDIR/a"
	check 04-causal-mask a
	[ "$status" -eq 0 ]
	printf '1 0 0 0 0\n1 1 0 0 0\n1 1 1 1 0\n1 1 1 1 0\n1 1 1 1 1\n' > "$BATS_TEST_TMPDIR/a"
	check 04-causal-mask a
	[ "$status" -eq 1 ]
	[[ "$output" == *"row 2, column 3 is 1: the query 'sat' (position 2) must not read 'on'"* ]]
}

@test "exercises: 5 accepts the output rows moved with their labels, and names relabelled rows" {
	# equivariance is the point: the rows of attend(x) reordered, not attend of the reordered input
	attend "$EX/05-permutation/x.txt" | tensor permute --rows 3,0,2,1 > "$BATS_TEST_TMPDIR/a"
	check 05-permutation a
	[ "$status" -eq 0 ]
	attend "$EX/05-permutation/x.txt" | sed 's/^#rows a b c d$/#rows d a c b/' > "$BATS_TEST_TMPDIR/a"
	check 05-permutation a
	[ "$status" -eq 1 ]
	[[ "$output" == *"old order a b c d with new labels"* ]]
}

@test "exercises: 6 accepts the rotation by 3 omega_1, and names the transposed one" {
	awk 'BEGIN { printf "%.5f %.5f\n%.5f %.5f\n", cos(0.3), -sin(0.3), sin(0.3), cos(0.3) }' > "$BATS_TEST_TMPDIR/a"
	check 06-shift-matrix a
	[ "$status" -eq 0 ]
	awk 'BEGIN { printf "%.5f %.5f\n%.5f %.5f\n", cos(0.3), sin(0.3), -sin(0.3), cos(0.3) }' > "$BATS_TEST_TMPDIR/a"
	check 06-shift-matrix a
	[ "$status" -eq 1 ]
	[[ "$output" == *"moves the positions back by 3"* ]]
}

@test "exercises: 7 accepts the previous-token head, and says what the others do" {
	# the head whose argmax key is t - 1 for every query t >= 1
	for h in 0 1 2 3; do
		[ "$(tensor pick --heads $h "$EX/07-previous-token-head/heads.txt" | tensor argmax --ids)" = "0 0 1 2 3 4 5 6" ] && echo $h > "$BATS_TEST_TMPDIR/a"
	done
	check 07-previous-token-head a
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/a")" = 2 ]
	echo 3 > "$BATS_TEST_TMPDIR/a"
	check 07-previous-token-head a
	[ "$status" -eq 1 ]
	[[ "$output" == *"own token (the diagonal)"* ]]
}

@test "exercises: 8 accepts a reverse model read as the anti-diagonal, and names a misread row" {
	echo "4 3 2 1 0" > "$BATS_TEST_TMPDIR/a"
	check 08-train-reverse "$SAMPLES/models/reverse-transformer.npz" a
	[ "$status" -eq 0 ]
	echo "4 3 2 0 0" > "$BATS_TEST_TMPDIR/a"
	check 08-train-reverse "$SAMPLES/models/reverse-transformer.npz" a
	[ "$status" -eq 1 ]
	[[ "$output" == *"output digit 3 (the 1) reads input position 1"* ]]
}

@test "exercises: 8 says when the model does not reverse yet" {
	printf '3 1\t1 3\n' > "$BATS_TEST_TMPDIR/p.tsv"
	train --pairs "$BATS_TEST_TMPDIR/p.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --steps 1 -o "$BATS_TEST_TMPDIR/m.npz" 2> /dev/null
	echo "4 3 2 1 0" > "$BATS_TEST_TMPDIR/a"
	check 08-train-reverse m.npz a
	[ "$status" -eq 1 ]
	[[ "$output" == *"not '5 1 4 1 3': train it longer"* ]]
}
