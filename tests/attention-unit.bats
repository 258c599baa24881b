#!/usr/bin/env bats
# lib/attention's three paths (fused attention_forward, plain, tiled) against eq. 1 in double precision
# (tests/unit/attention_test.c).
load helpers

@test "attention lib: fused, plain and tiled attention equal softmax(q k^T scale, masked) v on every mask and remainder" {
	run "$PF_UNIT/attention_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 33 ]
}
