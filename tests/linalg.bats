#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# lib/linalg's fast kernels against their plain references (tests/unit/linalg_test.c).
load helpers

@test "linalg: linear and matmul equal their plain references on every remainder of the blocking, softmax_rows its definition" {
	run "$PF_UNIT/linalg_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 15 ]
}

@test "linalg: the products split over threads give the same results for 1 and 3 threads (equal differences from the references)" {
	PIPEFORMER_THREADS=1 "$PF_UNIT/linalg_test" > "$BATS_TEST_TMPDIR/one.txt"
	PIPEFORMER_THREADS=3 "$PF_UNIT/linalg_test" > "$BATS_TEST_TMPDIR/three.txt"
	diff "$BATS_TEST_TMPDIR/one.txt" "$BATS_TEST_TMPDIR/three.txt"
}
