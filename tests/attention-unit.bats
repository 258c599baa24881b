#!/usr/bin/env bats
# lib/attention's fused attention_forward against eq. 1 in plain double precision (tests/unit/attention_test.c).
load helpers

@test "attention lib: attention_forward equals softmax(q k^T scale, masked) v on every mask and remainder" {
	run "$PF_UNIT/attention_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 9 ]
}
