#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The backward passes of lib/ (tests/unit/grad_test.c): against finite differences, and against PyTorch's
# autograd on the inputs of tests/golden/make_train.py.
load helpers

@test "grad: every backward pass equals the finite-difference derivative of its forward pass" {
	run "$PF_UNIT/grad_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 19 ]
}

@test "grad: every backward pass, Adam and the noam schedule equal PyTorch's" {
	run "$PF_UNIT/grad_test" "$GOLDEN/train/kernels.npz"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 21 ]
}
