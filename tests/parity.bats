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

# embed_ids ARGS...: embed the ids 0..8 of the golden vocabulary, one sequence
embed_all_ids() {
	echo "0 1 2 3 4 5 6 7 8" | embed --vocab "$GOLDEN/embed-vocab.txt" --ids "$@"
}

@test "parity: embed --max-norm 1 renormalises the rows as nn.Embedding(max_norm=1) (norm_type 2, eps 1e-7)" {
	echo "the cat sat on the mat" |
		embed --vocab "$GOLDEN/embed-vocab.txt" --weights "$GOLDEN/embed-weight.npz" --dim 4 --max-norm 1 > "$T/out.txt"
	assert_close "$T/out.txt" "$P/embed-max-norm-1.txt" 1e-6
}

@test "parity: embed --max-norm 1.5 --norm-type 1 uses the 1-norm as norm_type=1" {
	echo "the cat sat on the mat" | embed --vocab "$GOLDEN/embed-vocab.txt" --weights "$GOLDEN/embed-weight.npz" \
		--dim 4 --max-norm 1.5 --norm-type 1 > "$T/out.txt"
	assert_close "$T/out.txt" "$P/embed-max-norm-15-p1.txt" 1e-6
}

@test "parity: embed --max-norm with --scale renormalises first, then multiplies by sqrt(d_model)" {
	echo "the cat sat on the mat" | embed --vocab "$GOLDEN/embed-vocab.txt" --weights "$GOLDEN/embed-weight.npz" \
		--dim 4 --max-norm 1 --scale > "$T/out.txt"
	assert_close "$T/out.txt" "$P/embed-max-norm-1-scaled.txt" 1e-6
}

@test "parity: embed --padding-idx keeps loaded weights as they are (it changes only the draw)" {
	echo "the <pad> cat" | embed --vocab "$GOLDEN/embed-vocab.txt" --weights "$GOLDEN/embed-weight.npz" \
		--dim 4 --padding-idx 0 > "$T/out.txt"
	assert_close "$T/out.txt" "$P/embed-padding-loaded.txt" 0
}

@test "parity: embed --padding-idx -2 --seed draws that row as zeros, every other row as without it" {
	embed_all_ids --dim 4 --seed 5 | grep -v '^#' > "$T/plain.txt"
	embed_all_ids --dim 4 --seed 5 --padding-idx -2 --save-weights "$T/w.npz" | grep -v '^#' > "$T/pad.txt"
	# which entries are non-zero: the pattern nn.Embedding(9, 4, padding_idx=-2) gives
	awk '{ for (i = 1; i <= NF; i++) printf "%s%s", ($i != 0), (i < NF ? " " : "\n") }' "$T/pad.txt" > "$T/nz.txt"
	diff "$T/nz.txt" <(grep -v '^#' "$P/embed-padding-rows.txt" | sed 's/1\.0/1/g; s/0\.0/0/g')
	diff <(sed 8d "$T/plain.txt") <(sed 8d "$T/pad.txt")
	# the saved table has the zero row too
	embed_all_ids --weights "$T/w.npz" --dim 4 | grep -v '^#' | diff - "$T/pad.txt"
}

@test "parity: embed --padding-idx outside the vocabulary, or with --one-hot or --image, is an error" {
	run embed_all_ids --dim 4 --padding-idx 9
	assert_fails 1 "embed: --padding-idx 9: the vocabulary has 9 tokens \(ids 0 to 8, or -9 to -1\)"
	run embed_all_ids --dim 4 --padding-idx -10
	assert_fails 1 "the vocabulary has 9 tokens"
	run embed_all_ids --one-hot --padding-idx 0
	assert_fails 2 "embed: --one-hot has no parameters"
	run embed --image "$GOLDEN/vision/rgb8.png" --patch 4 --max-norm 1
	assert_fails 2 "embed: --padding-idx and --max-norm are nn.Embedding's: not with --image"
}

@test "parity: embed --norm-type without --max-norm, or --max-norm 0, is a usage error" {
	run embed_all_ids --dim 4 --norm-type 1
	assert_fails 2 "embed: --norm-type is the norm of --max-norm: give --max-norm too"
	run embed_all_ids --dim 4 --max-norm 0
	assert_fails 2 "embed: --max-norm: 0 is out of range"
}

@test "parity: embed --max-norm divides by the norm plus PyTorch's 1e-7: [2 0 0 0] becomes 0.99999994, not 1" {
	echo "the cat sat" | embed --vocab "$GOLDEN/embed-vocab.txt" --weights "$P/embed-exact.npz" --dim 4 \
		--max-norm 1 > "$T/out.txt"
	assert_close "$T/out.txt" "$P/embed-exact-max-norm-1.txt" 0
}
