#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# lib/vecmath: the vectorised exp against exp(), and the vector loops (the clone this CPU runs) bit for bit
# against plain loops on every tail (tests/unit/vecmath_test.c).
load helpers

@test "vecmath: exp_approx is within 2 ulp of exp and exact at the edges; the vector loops equal plain loops on every tail" {
	run "$PF_UNIT/vecmath_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 14 ]
}
