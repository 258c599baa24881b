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

# ---- shapes from the weights: what the archive says needs no option ----

@test "parity: embed --weights takes d_model from the table (nn.Embedding(12, 10): no --dim)" {
	echo "a c h" | embed --vocab "$P/vocab12.txt" --weights "$P/embed-12x10.npz" > "$T/out.txt"
	assert_close "$T/out.txt" "$P/embed-12x10-a-c-h.txt" 0
}

@test "parity: embed --dim that disagrees with --weights stays an error, naming both" {
	run embed --vocab "$P/vocab12.txt" --weights "$P/embed-12x10.npz" --dim 16 <<< "a"
	assert_fails 1 "embed: .*embed-12x10.npz: --dim 16, but weight is 12x10 \(10 on axis 1\)"
}

@test "parity: posenc --learned --weights takes max_len from the table (no --max-len)" {
	printf '#tensor 3 4\n0 0 0 0\n0 0 0 0\n0 0 0 0\n' | posenc --learned --weights "$P/posenc-learned-20x4.npz" > "$T/out.txt"
	assert_close "$T/out.txt" "$P/posenc-learned-20x4-first3.txt" 0
	run posenc --learned --max-len 512 --weights "$P/posenc-learned-20x4.npz" "$T/out.txt"
	assert_fails 1 "posenc: .*: --max-len 512, but weight is 20x4 \(20 on axis 0\)"
}

@test "parity: mha --weights takes kdim and vdim from k_proj_weight and v_proj_weight (no --kdim, --vdim)" {
	mha --heads 2 --keys "$GOLDEN/mha-kvdim-k.txt" --values "$GOLDEN/mha-kvdim-v.txt" \
		--weights "$GOLDEN/mha-kvdim.npz" "$GOLDEN/mha-kvdim-q.txt" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/mha-kvdim-out.txt"
	run mha --heads 2 --keys "$GOLDEN/mha-kvdim-k.txt" --values "$GOLDEN/mha-kvdim-v.txt" --kdim 4 \
		--weights "$GOLDEN/mha-kvdim.npz" "$GOLDEN/mha-kvdim-q.txt"
	assert_fails 1 "mha: .*mha-kvdim.npz: --kdim 4, but k_proj_weight is 6x5 \(5 on axis 1\)"
}

@test "parity: mha --weights of nn.MultiheadAttention(bias=False) needs no --no-bias" {
	mha --heads 2 --weights "$GOLDEN/mha-nobias.npz" "$GOLDEN/mha-nobias-q.txt" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/mha-nobias-out.txt"
}

@test "parity: mha queries narrower than the weights' d_model: an error naming both" {
	run mha --heads 2 --weights "$GOLDEN/mha-kvdim.npz" "$GOLDEN/mha-kvdim-k.txt"
	assert_fails 1 "mha: .*: d_model \(the queries' width\) 5, but out_proj.weight is 6x6"
}

@test "parity: encode --weights takes the layers, d_ff and the final norm from the archive" {
	G="$GOLDEN/transformer"
	encode --heads 2 --weights "$G/enc_post_relu.npz" "$G/enc_x.txt" > "$T/y.txt"
	assert_close "$T/y.txt" "$G/enc_post_relu.txt"
	encode --heads 2 --norm-first --weights "$G/enc_pre_relu.npz" "$G/enc_x.txt" > "$T/y.txt"
	assert_close "$T/y.txt" "$G/enc_pre_relu.txt"
}

@test "parity: encode --ff that disagrees with --weights, or an input of another width, is an error" {
	G="$GOLDEN/transformer"
	run encode --heads 2 --ff 32 --weights "$G/enc_post_relu.npz" "$G/enc_x.txt"
	assert_fails 1 "encode: .*: --ff 32, but layers.0.linear1.weight is 16x8 \(16 on axis 0\)"
	run encode --heads 2 --prefix encoder. --weights "$G/model.npz" "$G/enc_x.txt"
	assert_fails 1 "encode: .*: d_model \(the input's width\) 8, but encoder.layers.0.linear1.weight is 32x16"
}

@test "parity: decode --weights takes the layers and d_ff from the archive" {
	G="$GOLDEN/transformer"
	decode --heads 2 --memory "$G/dec_mem.txt" --weights "$G/dec_post_relu.npz" "$G/dec_y.txt" > "$T/y.txt"
	assert_close "$T/y.txt" "$G/dec_post_relu.txt"
}

@test "parity: encode --arch lstm --weights takes --hidden, --layers and --bidirectional from the archive" {
	R="$GOLDEN/rnn"
	encode --arch lstm --weights "$R/lstm-l2-bi.npz" "$R/x.txt" > "$T/out.txt"
	assert_close "$T/out.txt" "$R/lstm-l2-bi.out.txt"
	run encode --arch lstm --hidden 4 --weights "$R/lstm-l2-bi.npz" "$R/x.txt"
	assert_fails 1 "encode: .*: --hidden 4, but weight_hh_l0 is 12x3 \(3 on axis 1\)"
}

@test "parity: linear takes the output width and the bias from --weights; an --out that disagrees is an error" {
	linear --weights "$GOLDEN/attend_project.npz" --prefix v_proj. "$GOLDEN/attend_x.txt" > "$T/a.txt"
	linear --out 3 --weights "$GOLDEN/attend_project.npz" --prefix v_proj. "$GOLDEN/attend_x.txt" > "$T/b.txt"
	assert_close "$T/a.txt" "$T/b.txt" 0
	run linear --out 4 --weights "$GOLDEN/attend_project.npz" --prefix v_proj. "$GOLDEN/attend_x.txt"
	assert_fails 1 "linear: .*: --out 4, but v_proj.weight is 3x8 \(3 on axis 0\)"
}

@test "parity: attend --project takes --dk, --dv and --bias from --weights, --score additive its --hidden" {
	attend --project --weights "$GOLDEN/attend_project.npz" --memory "$GOLDEN/attend_memory.txt" \
		"$GOLDEN/attend_x.txt" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_project.txt"
	attend --score additive --weights "$GOLDEN/attend_additive.npz" --memory "$GOLDEN/attend_memory.txt" \
		"$GOLDEN/attend_xq6.txt" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_additive.txt"
	run attend --score additive --hidden 4 --weights "$GOLDEN/attend_additive.npz" \
		--memory "$GOLDEN/attend_memory.txt" "$GOLDEN/attend_xq6.txt"
	assert_fails 1 "attend: .*: --hidden 4, but W1 is 5x6 \(5 on axis 0\)"
}

# ---- the Annotated Transformer's checkpoints (tests/golden/make_annotated.py) ----

# annotated_model: the checkpoint converted into $T/model.npz
annotated_model() {
	tensor annotated "$GOLDEN/annotated/model.npz" "$T/model.npz"
}

@test "parity: tensor annotated + encode --norm annotated gives the Annotated Transformer's encoder output" {
	A="$GOLDEN/annotated"
	annotated_model
	echo "a b c d" | embed --vocab "$A/vocab.txt" --prefix src_embed. --weights "$T/model.npz" --scale | posenc |
		encode --norm annotated --norm-first --eps 1e-6 --heads 2 --prefix encoder. --weights "$T/model.npz" > "$T/mem.txt"
	assert_close "$T/mem.txt" "$A/memory.txt"
}

@test "parity: decode --norm annotated, teacher-forced, gives its model.decode" {
	A="$GOLDEN/annotated"
	annotated_model
	echo "<s> e f" | embed --vocab "$A/vocab.txt" --prefix tgt_embed. --weights "$T/model.npz" --scale | posenc |
		decode --memory "$A/memory.txt" --norm annotated --norm-first --eps 1e-6 --heads 2 --prefix decoder. \
			--weights "$T/model.npz" > "$T/y.txt"
	assert_close "$T/y.txt" "$A/decoder.txt"
}

@test "parity: decode --generate on the converted checkpoint gives its greedy_decode" {
	A="$GOLDEN/annotated"
	annotated_model
	echo "a b c d" | decode --generate --heads 2 --max-len 7 --weights "$T/model.npz" --src-vocab "$A/vocab.txt" \
		--tgt-vocab "$A/vocab.txt" > "$T/out.txt"
	diff "$T/out.txt" "$A/greedy.txt"
}

@test "parity: with torch's LayerNorm the converted checkpoint gives other numbers (the norm matters)" {
	A="$GOLDEN/annotated"
	annotated_model
	echo "a b c d" | embed --vocab "$A/vocab.txt" --prefix src_embed. --weights "$T/model.npz" --scale | posenc |
		encode --norm torch --norm-first --eps 1e-6 --heads 2 --prefix encoder. --weights "$T/model.npz" > "$T/mem.txt"
	run tensor diff "$T/mem.txt" "$A/memory.txt"
	[ "$status" -eq 1 ]
}

@test "parity: norm --annotated is its LayerNorm alone (unbiased std, eps outside the square root)" {
	A="$GOLDEN/annotated"
	annotated_model
	norm --annotated --eps 1e-6 --prefix encoder.norm. --weights "$T/model.npz" "$A/norm-x.txt" > "$T/y.txt"
	assert_close "$T/y.txt" "$A/norm-y.txt"
	run norm --annotated --rms "$A/norm-x.txt"
	assert_fails 2 "norm: --annotated is one LayerNorm: not with --rms"
}

@test "parity: tensor annotated refuses an entry it does not know, and writes nothing" {
	tensor rand --shape 2x2 > "$T/r.txt"
	tensor pack "$T/other.npz" x="$T/r.txt"
	run tensor annotated "$T/other.npz" "$T/out.npz"
	assert_fails 1 "tensor: .*other.npz: no encoder.layers.0 or decoder.layers.0"
	[ ! -e "$T/out.npz" ]
	run tensor annotated "$GOLDEN/annotated/model.npz"
	assert_fails 2 "annotated takes two archives"
}

@test "parity: encode --norm with another name is a usage error" {
	run encode --norm rms --heads 2 "$GOLDEN/transformer/enc_x.txt"
	assert_fails 2 "encode: --norm: 'rms' is not torch or annotated"
}

# ---- smaller ones ----

@test "parity: encode --final-eps gives the final LayerNorm its own epsilon (torchmultimodal: 1e-12 / 1e-5)" {
	encode --heads 2 --eps 0.1 --final-eps 0.5 --weights "$P/final-eps.npz" "$P/final-eps-x.txt" > "$T/y.txt"
	assert_close "$T/y.txt" "$P/final-eps-y.txt"
	encode --heads 2 --eps 0.1 --weights "$P/final-eps.npz" "$P/final-eps-x.txt" > "$T/same.txt"
	run tensor diff "$T/same.txt" "$P/final-eps-y.txt"
	[ "$status" -eq 1 ]
}

@test "parity: encode --arch lstm --last --cell-state writes torch's c_n[-D:] beside h_n[-D:]" {
	R="$GOLDEN/rnn"
	encode --arch lstm --last --cell-state "$T/c.txt" --weights "$R/lstm-l2-bi.npz" "$R/x.txt" > "$T/h.txt"
	assert_close "$T/c.txt" "$P/lstm-l2-bi-c_n.txt"
	assert_close "$T/h.txt" "$P/lstm-l2-bi-h_n.txt"
}

@test "parity: --cell-state without --arch lstm --last is a usage error" {
	run encode --arch gru --last --cell-state "$T/c.txt" --seed 1 "$GOLDEN/rnn/x.txt"
	assert_fails 2 "encode: --cell-state is the LSTM's final cell c_n: it goes with --arch lstm --last"
	run encode --arch lstm --cell-state "$T/c.txt" --seed 1 "$GOLDEN/rnn/x.txt"
	assert_fails 2 "it goes with --arch lstm --last"
	run encode --cell-state "$T/c.txt" --heads 2 "$GOLDEN/transformer/enc_x.txt"
	assert_fails 2 "encode: --cell-state is an option of --arch rnn, gru or lstm"
}
