#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# lib/rnn's properties (tests/unit/rnn_test.c): directions, the decoder's loop against its step, over-time weights.
load helpers

@test "rnn lib: backward = forward over reversed input, decoder loop = its steps, weights sum to 1" {
	run "$PF_UNIT/rnn_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 35 ]
}
