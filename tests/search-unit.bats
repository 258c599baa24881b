#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# lib/search's length penalty against its definition at points worked out by hand (tests/unit/search_test.c).
load helpers

@test "search lib: length_penalty(L, alpha) = ((5 + L) / 6)^alpha" {
	run "$PF_UNIT/search_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 9 ]
}
