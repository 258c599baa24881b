#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# lib/linalg's fast kernels against their plain references (tests/unit/linalg_test.c).
load helpers

@test "linalg: linear and matmul equal their plain references on every remainder of the blocking, softmax_rows its definition" {
	run "$PF_UNIT/linalg_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 13 ]
}
