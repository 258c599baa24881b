#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# lib/attention against eq. 1 in plain double precision: the fused, plain and tiled paths with masks,
# blocked rows and overflowing scores (tests/unit/attention_test.c), and the blocked, tiled and plain paths
# on every tail of their blocks (tests/unit/attention_fast_test.c).
load helpers

@test "attention lib: fused, plain and tiled attention equal softmax(q k^T scale + bias, masked) v on every mask and remainder" {
	run "$PF_UNIT/attention_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 42 ]
}

@test "attention lib: blocked, tiled and plain paths equal softmax(q k^T / sqrt(d)) v on every tail of the blocks" {
	run "$PF_UNIT/attention_fast_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 12 ]
}
