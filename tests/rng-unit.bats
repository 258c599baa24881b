#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# lib/rng's jump ahead (tests/unit/rng_test.c): rng_jump(n) lands where n steps do, and params_init,
# whose threads each jump to their part of the random stream, draws the numbers one thread draws in order.
load helpers

@test "rng lib: rng_jump(n) equals n steps, and far jumps add up" {
	run "$PF_UNIT/rng_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 15 ]
}

@test "rng lib: params_init's threads draw the numbers of one stream in order, on 1 and on 3 threads" {
	PIPEFORMER_THREADS=1 run "$PF_UNIT/rng_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"params_init on 1 threads: "*" yes"* ]]
	PIPEFORMER_THREADS=3 run "$PF_UNIT/rng_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"params_init on 3 threads: "*" yes"* ]]
}
