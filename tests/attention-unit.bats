#!/usr/bin/env bats
# lib/attention's fast paths against a plain double-precision reference (tests/unit/attention_test.c).
load helpers

@test "attention lib: blocked, tiled and plain paths equal softmax(q k^T / sqrt(d)) v on every tail of the blocks" {
	run "$PF_UNIT/attention_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 12 ]
}
