#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Parity with PyTorch and the classic implementations (issue 15): the options a user coming from
# nn.Embedding, nn.LSTM, Keras's Attention or the Annotated Transformer reaches for, against golden
# numbers of tests/golden/make_parity.py (torch 1.13, or the peer's formula re-written there).
load helpers

setup() {
	P="$GOLDEN/parity"
	T="$BATS_TEST_TMPDIR"
}

@test "parity: attend --temperature -0.5 equals Keras's Attention with a learned scale of -2" {
	attend --score dot --temperature -0.5 --memory "$GOLDEN/attend_memory.txt" "$GOLDEN/attend_x.txt" > "$T/out.txt"
	assert_close "$T/out.txt" "$P/attend-dot-t-neg05.txt"
}

@test "parity: attend --temperature 0 (or a number that rounds to 0 in float) is a usage error" {
	run attend --temperature 0 "$GOLDEN/attend_x.txt"
	assert_fails 2 "attend: --temperature: 0: every score is divided by it"
	run attend --temperature 1e-45 "$GOLDEN/attend_x.txt"
	assert_fails 2 "attend: --temperature: 1e-45: every score is divided by it"
}
