#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# decode: the Transformer decoder against torch.nn.TransformerDecoder, and generation against a greedy
# loop written in torch over the same weights (tests/golden/make_transformer.py).
load helpers

G="$GOLDEN/transformer"
DEC="--layers 2 --heads 2 --ff 16"

@test "decode: post-norm relu equals torch with the causal mask" {
	decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" "$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_post_relu.txt" 1e-4
}

@test "decode: post-norm gelu with the final norm equals torch" {
	decode $DEC --activation gelu --final-norm --weights "$G/dec_post_gelu.npz" --memory "$G/dec_mem.txt" \
		"$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_post_gelu.txt" 1e-4
}

@test "decode: pre-norm relu with the final norm equals torch" {
	decode $DEC --norm-first --final-norm --weights "$G/dec_pre_relu.npz" --memory "$G/dec_mem.txt" \
		"$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_pre_relu.txt" 1e-4
}

@test "decode: pre-norm gelu equals torch" {
	decode $DEC --norm-first --activation gelu --weights "$G/dec_pre_gelu.npz" --memory "$G/dec_mem.txt" \
		"$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_pre_gelu.txt" 1e-4
}

@test "decode: <pad> labels of target and memory mask those keys, as torch's key padding masks" {
	for c in "post_relu" "post_gelu --activation gelu --final-norm" "pre_relu --norm-first --final-norm" \
		"pre_gelu --norm-first --activation gelu"; do
		set -- $c
		name=$1
		shift
		decode $DEC "$@" --weights "$G/dec_$name.npz" --memory "$G/dec_mem_pad.txt" "$G/dec_y_pad.txt" \
			> "$BATS_TEST_TMPDIR/y.txt"
		assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_${name}_pad.txt" 1e-4
	done
}

@test "decode: --no-pad-mask attends to <pad> positions too" {
	decode $DEC --no-pad-mask --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem_pad.txt" "$G/dec_y_pad.txt" \
		> "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_post_relu.txt" 1e-4
}

@test "decode: --attn writes the N x H x T x S cross-attention equal to torch's, labelled" {
	decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem_pad.txt" --attn "$BATS_TEST_TMPDIR/a.txt" \
		"$G/dec_y.txt" > /dev/null
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$G/dec_post_relu_mem_pad_cross.txt" 1e-5
	run tensor info "$BATS_TEST_TMPDIR/a.txt"
	[[ "$output" == *"2x2x4x5"* ]]
	[[ "$output" == *"rows: <s> le chat dort"* ]]
	[[ "$output" == *"cols: the cat sat <pad> <pad>"* ]]
}

@test "decode: --self-attn is causal: no weight on later positions" {
	decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" --self-attn "$BATS_TEST_TMPDIR/s.txt" \
		--digits 3 "$G/dec_y.txt" > /dev/null
	# row 0 of layer 0, head 0 attends to <s> only
	run sh -c "grep -v '^#' '$BATS_TEST_TMPDIR/s.txt' | head -2 | awk '{\$1 = \$1; print}'"
	[ "${lines[0]}" = "1 0 0 0" ]
	[[ "${lines[1]}" == *" 0 0" ]]
}

@test "decode: one memory tensor serves every target tensor" {
	cat "$G/dec_y.txt" "$G/dec_y.txt" | decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" \
		> "$BATS_TEST_TMPDIR/y.txt"
	cat "$G/dec_post_relu.txt" "$G/dec_post_relu.txt" > "$BATS_TEST_TMPDIR/want.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$BATS_TEST_TMPDIR/want.txt" 1e-4
}

@test "decode: fewer memory tensors than targets (but more than one) is an error" {
	cat "$G/dec_mem.txt" "$G/dec_mem.txt" > "$BATS_TEST_TMPDIR/m.txt"
	cat "$G/dec_y.txt" "$G/dec_y.txt" "$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	run decode $DEC --weights "$G/dec_post_relu.npz" --memory "$BATS_TEST_TMPDIR/m.txt" "$BATS_TEST_TMPDIR/y.txt"
	assert_fails 1 "holds 2 tensors, the input more"
}

@test "decode: more memory tensors than targets is an error" {
	cat "$G/dec_mem.txt" "$G/dec_mem.txt" > "$BATS_TEST_TMPDIR/m.txt"
	run decode $DEC --weights "$G/dec_post_relu.npz" --memory "$BATS_TEST_TMPDIR/m.txt" "$G/dec_y.txt"
	assert_fails 1 "m.txt: holds more tensors than the input \(1\)"
}

@test "decode: --prefix reads the decoder inside a whole-model archive" {
	tensor rand --shape 3x16 --seed 4 > "$BATS_TEST_TMPDIR/y.txt"
	tensor rand --shape 5x16 --seed 5 > "$BATS_TEST_TMPDIR/m.txt"
	run decode --layers 2 --heads 2 --ff 32 --final-norm --prefix decoder. --weights "$G/model.npz" \
		--memory "$BATS_TEST_TMPDIR/m.txt" "$BATS_TEST_TMPDIR/y.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "#tensor 3 16" ]]
}

@test "decode: memory of another width than d_model is an error" {
	tensor rand --shape 5x6 > "$BATS_TEST_TMPDIR/m.txt"
	run decode $DEC --weights "$G/dec_post_relu.npz" --memory "$BATS_TEST_TMPDIR/m.txt" "$G/dec_y.txt"
	assert_fails 1 "memory is 5x6, expected S x 8"
}

@test "decode: a missing layer weight is an error naming it" {
	run decode $DEC --weights "$G/enc_post_relu.npz" --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 1 "missing parameter layers.0.multihead_attn.in_proj_weight"
}

@test "decode: --layers larger than the archive holds is an error" {
	run decode --layers 3 --heads 2 --ff 16 --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 1 "missing parameter layers.2.self_attn.in_proj_weight"
}

@test "decode: teacher-forced mode needs --memory" {
	run decode $DEC "$G/dec_y.txt"
	assert_fails 2 "--memory FILE is required"
}

@test "decode: bad option values are usage errors" {
	run decode --heads 0 --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 2 "--heads: 0 is out of range"
	run decode --arch cnn --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 2 "--arch: 'cnn' is not an architecture"
}

@test "decode: --help prints the usage on stdout" {
	run decode --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: decode"* ]]
}

# ---- generation ----

@test "decode --generate: greedy tokens equal a greedy loop in torch over the same weights" {
	decode --generate --weights "$G/model.npz" "$G/model_src.txt" > "$BATS_TEST_TMPDIR/out.txt"
	diff "$BATS_TEST_TMPDIR/out.txt" "$G/model_greedy.txt"
}

@test "decode --generate: --beam 1 equals greedy" {
	decode --generate --beam 1 --weights "$G/model.npz" "$G/model_src.txt" > "$BATS_TEST_TMPDIR/out.txt"
	diff "$BATS_TEST_TMPDIR/out.txt" "$G/model_greedy.txt"
	decode --generate --beam 1 --max-len 8 --weights "$G/model_random.npz" "$G/model_src.txt" > "$BATS_TEST_TMPDIR/r.txt"
	diff "$BATS_TEST_TMPDIR/r.txt" "$G/model_random_beam1_lp0.txt"
}

@test "decode --generate: beam search equals a reference beam search over the same weights" {
	decode --generate --beam 3 --max-len 8 --weights "$G/model_random.npz" "$G/model_src.txt" > "$BATS_TEST_TMPDIR/a.txt"
	diff "$BATS_TEST_TMPDIR/a.txt" "$G/model_random_beam3_lp0.txt"
	decode --generate --beam 3 --length-penalty 1 --max-len 8 --weights "$G/model_random.npz" "$G/model_src.txt" \
		> "$BATS_TEST_TMPDIR/b.txt"
	diff "$BATS_TEST_TMPDIR/b.txt" "$G/model_random_beam3_lp1.txt"
	# and it finds something else than greedy on this untrained model
	! diff -q "$BATS_TEST_TMPDIR/a.txt" "$G/model_random_beam1_lp0.txt"
}

@test "decode --generate: a length penalty that changes the beam's choice changes it as the reference does" {
	decode --generate --beam 3 --length-penalty 2 --max-len 8 --weights "$G/model_random.npz" "$G/model_src.txt" \
		> "$BATS_TEST_TMPDIR/out.txt"
	diff "$BATS_TEST_TMPDIR/out.txt" "$G/model_random_beam3_lp2.txt"
	# the golden is worth something only if the penalty changed the ranking
	run cmp -s "$G/model_random_beam3_lp2.txt" "$G/model_random_beam3_lp0.txt"
	[ "$status" -eq 1 ]
}

@test "decode --generate: equal log-probabilities go to the lower token id, and to the hypothesis that finished first" {
	# model_tie.npz: "grand" is an exact copy of "petit" (embedding, generator row and bias)
	for k in 1 3; do
		decode --generate --beam $k --max-len 8 --weights "$G/model_tie.npz" "$G/model_src.txt" > "$BATS_TEST_TMPDIR/out.txt"
		diff "$BATS_TEST_TMPDIR/out.txt" "$G/model_tie_beam$k.txt"
		grep -q grand "$BATS_TEST_TMPDIR/out.txt"
		[ "$(grep -c petit "$BATS_TEST_TMPDIR/out.txt")" -eq 0 ]
	done
}

@test "decode --generate: the KV cache gives the same tokens and scores as recomputing the prefix" {
	for b in 1 3; do
		decode --generate --beam $b --max-len 8 --weights "$G/model_random.npz" --scores "$BATS_TEST_TMPDIR/s1.txt" \
			"$G/model_src.txt" > "$BATS_TEST_TMPDIR/a.txt"
		decode --generate --beam $b --max-len 8 --no-cache --weights "$G/model_random.npz" \
			--scores "$BATS_TEST_TMPDIR/s2.txt" "$G/model_src.txt" > "$BATS_TEST_TMPDIR/b.txt"
		diff "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
		assert_close "$BATS_TEST_TMPDIR/s1.txt" "$BATS_TEST_TMPDIR/s2.txt" 0
	done
}

@test "decode --generate: --scores are torch's log-probabilities of each step, labelled" {
	head -1 "$G/model_src.txt" | decode --generate --weights "$G/model.npz" --scores "$BATS_TEST_TMPDIR/s.txt" > /dev/null
	assert_close "$BATS_TEST_TMPDIR/s.txt" "$G/model_scores.txt" 1e-4
	run tensor info "$BATS_TEST_TMPDIR/s.txt"
	[[ "$output" == *"rows: le grand chat est assis sur le tapis </s>"* ]]
}

@test "decode --generate: --attn writes output x source cross-attention, rows summing to 1" {
	head -1 "$G/model_src.txt" | decode --generate --weights "$G/model.npz" --attn "$BATS_TEST_TMPDIR/a.txt" > /dev/null
	run tensor info "$BATS_TEST_TMPDIR/a.txt"
	[[ "$output" == *"9x8"* ]]
	[[ "$output" == *"rows: le grand chat est assis sur le tapis </s>"* ]]
	[[ "$output" == *"cols: the big cat sat on the mat </s>"* ]]
	run awk '!/^#/ && NF { s = 0; for (i = 1; i <= NF; i++) s += $i; if (s < 0.9999 || s > 1.0001) bad++ } END { print bad + 0 }' \
		"$BATS_TEST_TMPDIR/a.txt"
	[ "$output" = "0" ]
}

@test "decode --generate: --attn-head picks one head, whose mean over heads is the default" {
	head -1 "$G/model_src.txt" > "$BATS_TEST_TMPDIR/src.txt"
	decode --generate --weights "$G/model.npz" --attn "$BATS_TEST_TMPDIR/m.txt" "$BATS_TEST_TMPDIR/src.txt" > /dev/null
	decode --generate --weights "$G/model.npz" --attn "$BATS_TEST_TMPDIR/h0.txt" --attn-head 0 "$BATS_TEST_TMPDIR/src.txt" > /dev/null
	decode --generate --weights "$G/model.npz" --attn "$BATS_TEST_TMPDIR/h1.txt" --attn-head 1 --attn-layer 1 \
		"$BATS_TEST_TMPDIR/src.txt" > /dev/null
	run tensor diff --atol 1e-3 "$BATS_TEST_TMPDIR/h0.txt" "$BATS_TEST_TMPDIR/m.txt"
	[ "$status" -eq 1 ]
	paste -d ' ' <(grep -v '^#' "$BATS_TEST_TMPDIR/h0.txt") <(grep -v '^#' "$BATS_TEST_TMPDIR/h1.txt") |
		awk '{ n = NF / 2; for (i = 1; i <= n; i++) printf "%s%.9g", (i > 1 ? " " : ""), ($i + $(i + n)) / 2; print "" }' \
		> "$BATS_TEST_TMPDIR/mean.txt"
	grep -v '^#' "$BATS_TEST_TMPDIR/m.txt" > "$BATS_TEST_TMPDIR/m-bare.txt"
	assert_close "$BATS_TEST_TMPDIR/mean.txt" "$BATS_TEST_TMPDIR/m-bare.txt" 1e-6
}

@test "decode --generate: settings and vocabularies may come from options and files instead of the archive" {
	decode --generate --weights "$G/model_bare.npz" --src-vocab "$G/src_vocab.txt" --tgt-vocab "$G/tgt_vocab.txt" \
		--layers 2 --heads 2 --ff 32 --eos --scale "$G/model_src.txt" > "$BATS_TEST_TMPDIR/out.txt"
	diff "$BATS_TEST_TMPDIR/out.txt" "$G/model_greedy.txt"
}

@test "decode --generate: an option that agrees with the archive is accepted" {
	decode --generate --weights "$G/model.npz" --heads 2 --layers 2 --eps 1e-5 --eos "$G/model_src.txt" > "$BATS_TEST_TMPDIR/out.txt"
	diff "$BATS_TEST_TMPDIR/out.txt" "$G/model_greedy.txt"
}

@test "decode --generate: an option that contradicts the archive is an error" {
	run decode --generate --weights "$G/model.npz" --heads 4 "$G/model_src.txt"
	assert_fails 1 "model.npz: config line [0-9]+: heads 2 contradicts --heads, which says 4"
	run decode --generate --weights "$G/model.npz" --norm-first "$G/model_src.txt"
	assert_fails 1 "norm_first 0 contradicts --norm-first, which says 1"
}

@test "decode --generate: --layers larger than the archive holds is an error" {
	run decode --generate --weights "$G/model_bare.npz" --src-vocab "$G/src_vocab.txt" --tgt-vocab "$G/tgt_vocab.txt" \
		--layers 3 --heads 2 --ff 32 "$G/model_src.txt"
	assert_fails 1 "missing parameter encoder.layers.2.self_attn.in_proj_weight"
}

@test "decode --generate: --tie with a generator.weight in the archive is an error" {
	run decode --generate --weights "$G/model_bare.npz" --src-vocab "$G/src_vocab.txt" --tgt-vocab "$G/tgt_vocab.txt" \
		--layers 2 --heads 2 --ff 32 --tie "$G/model_src.txt"
	assert_fails 1 "unused parameter generator.weight.*--tie"
}

@test "decode --generate: a vocabulary neither in the archive nor given is an error" {
	run decode --generate --weights "$G/model_bare.npz" --layers 2 --heads 2 --ff 32 "$G/model_src.txt"
	assert_fails 1 "no src_vocab entry: give --src-vocab FILE"
	run decode --generate --weights "$G/model.npz" --src-vocab "$G/src_vocab.txt" "$G/model_src.txt"
	assert_fails 1 "holds src_vocab: --src-vocab .* would contradict it"
}

@test "decode --generate: --max-len cuts the output" {
	run decode --generate --weights "$G/model.npz" --max-len 3 "$G/model_src.txt"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "le grand chat" ]
}

@test "decode --generate: an empty line gives an empty line" {
	printf 'the cat sat on the mat\n\nthe dog ran\n' > "$BATS_TEST_TMPDIR/src.txt"
	run decode --generate --weights "$G/model_bare.npz" --src-vocab "$G/src_vocab.txt" --tgt-vocab "$G/tgt_vocab.txt" \
		--layers 2 --heads 2 --ff 32 "$G/model_src.txt" "$BATS_TEST_TMPDIR/src.txt"
	assert_fails 2 "one input file at most"
	run decode --generate --weights "$G/model_bare.npz" --src-vocab "$G/src_vocab.txt" --tgt-vocab "$G/tgt_vocab.txt" \
		--layers 2 --heads 2 --ff 32 "$BATS_TEST_TMPDIR/src.txt"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ] # bats drops empty lines from $lines: two translations
	[ "$(wc -l < <(decode --generate --weights "$G/model.npz" "$BATS_TEST_TMPDIR/src.txt"))" -eq 3 ]
}

@test "decode --generate: generation options need --generate, and --generate needs a model" {
	run decode --beam 2 --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 2 "--beam needs --generate"
	run decode --generate "$G/model_src.txt"
	assert_fails 2 "--generate needs --weights MODEL.npz"
	run decode --generate --memory "$G/dec_mem.txt" --weights "$G/model.npz" "$G/model_src.txt"
	assert_fails 2 "no --memory"
	run decode --generate --weights "$G/model.npz" --attn-head 5 --attn "$BATS_TEST_TMPDIR/a.txt" "$G/model_src.txt"
	assert_fails 2 "--attn-head 5: the model has heads 0 to 1"
	run decode --generate --weights "$G/model.npz" --beam 0 "$G/model_src.txt"
	assert_fails 2 "--beam: 0 is out of range"
	run decode --generate --weights "$G/model.npz" "$BATS_TEST_TMPDIR/no-such-file.txt"
	assert_fails 1 "no-such-file.txt: No such file or directory"
}

@test "decode --generate: an unknown setting in the archive's config is an error naming its line" {
	run decode --generate --weights "$G/model_bad_key.npz" "$G/model_src.txt"
	assert_fails 1 "model_bad_key.npz: config line 2: unknown setting 'colour'"
}

@test "decode --generate: a config d_model that disagrees with the embeddings is an error" {
	run decode --generate --weights "$G/model_bad_d_model.npz" "$G/model_src.txt"
	assert_fails 1 "src_embed.weight: d_model 16 contradicts .*config line 2, which says 8"
}

@test "decode --generate: tie 1 projects with the target embedding, as torch does with the same weights" {
	decode --generate --weights "$G/model_tied.npz" --max-len 8 "$G/model_src.txt" > "$BATS_TEST_TMPDIR/out.txt"
	diff "$BATS_TEST_TMPDIR/out.txt" "$G/model_tied_greedy.txt"
	head -1 "$G/model_src.txt" |
		decode --generate --weights "$G/model_tied.npz" --max-len 8 --scores "$BATS_TEST_TMPDIR/s.txt" > /dev/null
	assert_close "$BATS_TEST_TMPDIR/s.txt" "$G/model_tied_scores.txt" 1e-4
}

@test "decode: --dump writes each step of the teacher-forced decoder, the cross-attention labelled by the memory" {
	d=$BATS_TEST_TMPDIR
	decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" --attn "$d/attn.txt" --dump "$d/dump" \
		"$G/dec_y.txt" >"$d/y.txt"
	for step in self_attn.weights multihead_attn.q multihead_attn.k multihead_attn.weights add3 norm3; do
		[ -s "$d/dump/layers.1.$step.txt" ]
	done
	tensor pick --layers 0 "$d/attn.txt" >"$d/a0.txt"
	assert_close "$d/dump/layers.0.multihead_attn.weights.txt" "$d/a0.txt" 0
	assert_close "$d/dump/layers.1.norm3.txt" "$d/y.txt" 0
	run tensor info "$d/dump/layers.0.multihead_attn.k.txt"
	[ "${lines[1]}" = "$(tensor info "$G/dec_mem.txt" | sed -n 2p)" ]
	run tensor info "$d/dump/layers.0.self_attn.weights.txt"
	[ "${lines[2]}" = "$(tensor info "$G/dec_y.txt" | sed -n 2p | sed 's/rows/cols/')" ]
}

@test "decode: --explain shows the decoder's layers, self- and cross-attention" {
	decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" --explain=1 "$G/dec_y.txt" \
		2>"$BATS_TEST_TMPDIR/e.txt" >/dev/null
	grep -q "== 1. decoder layer 0 of 2" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "multihead_attn.weights  2 x " "$BATS_TEST_TMPDIR/e.txt"
	grep -q "norm3  " "$BATS_TEST_TMPDIR/e.txt"
}

@test "decode: --explain and --dump are for the teacher-forced Transformer, not --generate" {
	run decode --generate --weights "$G/model.npz" --explain "$G/model_src.txt"
	assert_fails 2 "--explain and --dump show the teacher-forced decoder: not with --generate"
	run decode --generate --weights "$G/model.npz" --dump "$BATS_TEST_TMPDIR/d" "$G/model_src.txt"
	assert_fails 2 "not with --generate"
}

# ---- masks (tests/golden/make_decoder_masks.py) ----

@test "decode: --no-causal equals torch's decoder called without tgt_mask" {
	decode $DEC --no-causal --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" --no-pad-mask \
		"$G/decmask_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/decmask_nocausal.txt" 1e-4
}

@test "decode: float --tgt-additive-mask and --memory-additive-mask are added as torch's tgt_mask and memory_mask" {
	decode $DEC --no-causal --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" --no-pad-mask \
		--tgt-additive-mask "$G/decmask_tgt_add.txt" --memory-additive-mask "$G/decmask_mem_add.txt" \
		"$G/decmask_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/decmask_additive.txt" 1e-4
}

@test "decode: a per-head --tgt-mask with the causal mask, a --memory-mask and <pad> equal torch's bool masks" {
	decode $DEC --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" --tgt-mask "$G/decmask_tgt_mask.txt" \
		--memory-mask "$G/decmask_mem_mask.txt" "$G/decmask_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/decmask_bool.txt" 1e-4
}

@test "decode: the causal mask still applies with a --tgt-mask (the mask adds to it)" {
	decode $DEC --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" --tgt-mask "$G/decmask_tgt_mask.txt" \
		--self-attn "$BATS_TEST_TMPDIR/w.txt" "$G/decmask_y.txt" > /dev/null
	# the upper triangle of every layer's and head's weights is 0
	grep -v '^#' "$BATS_TEST_TMPDIR/w.txt" | awk 'NF == 4 { n++; for (i = r + 2; i <= 4; i++) if ($i != 0) bad = 1; r = (r + 1) % 4 }
		END { exit bad + (n != 16) }'
}

@test "decode: a mask stream pairs its i-th mask with the i-th target tensor" {
	cat "$G/decmask_y.txt" "$G/decmask_y.txt" > "$BATS_TEST_TMPDIR/y2.txt"
	printf '#tensor 4 5\n%s\n' "$(for i in 1 2 3 4; do echo 1 1 1 1 1; done)" > "$BATS_TEST_TMPDIR/open.txt"
	cat "$BATS_TEST_TMPDIR/open.txt" "$G/decmask_mem_mask.txt" > "$BATS_TEST_TMPDIR/m2.txt"
	decode $DEC --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" --no-pad-mask \
		--memory-mask "$BATS_TEST_TMPDIR/m2.txt" "$BATS_TEST_TMPDIR/y2.txt" > "$BATS_TEST_TMPDIR/both.txt"
	decode $DEC --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" --no-pad-mask \
		"$G/decmask_y.txt" > "$BATS_TEST_TMPDIR/first.txt"
	decode $DEC --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" --no-pad-mask \
		--memory-mask "$G/decmask_mem_mask.txt" "$G/decmask_y.txt" > "$BATS_TEST_TMPDIR/second.txt"
	cat "$BATS_TEST_TMPDIR/first.txt" "$BATS_TEST_TMPDIR/second.txt" > "$BATS_TEST_TMPDIR/expected.txt"
	assert_close "$BATS_TEST_TMPDIR/both.txt" "$BATS_TEST_TMPDIR/expected.txt" 0
	run cmp -s "$BATS_TEST_TMPDIR/first.txt" "$BATS_TEST_TMPDIR/second.txt"
	[ "$status" -ne 0 ]
}

@test "decode: a --tgt-mask of the wrong shape names both shapes" {
	run decode $DEC --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" \
		--tgt-mask "$G/decmask_mem_mask.txt" "$G/decmask_y.txt"
	assert_fails 1 "decmask_mem_mask.txt: mask is 4x5, the attention is 4x4 \(queries x keys\)"
}

@test "decode: a --memory-additive-mask with NaN is an error" {
	printf '#tensor 4 5\n0 0 0 0 0\n0 nan 0 0 0\n0 0 0 0 0\n0 0 0 0 0\n' > "$BATS_TEST_TMPDIR/m.txt"
	run decode $DEC --weights "$G/decmask.npz" --memory "$G/decmask_mem.txt" \
		--memory-additive-mask "$BATS_TEST_TMPDIR/m.txt" "$G/decmask_y.txt"
	assert_fails 1 "m.txt: additive mask value nan at \[1,1\]"
}

@test "decode: file masks and --no-causal are options of the Transformer decoder, not of --arch gru" {
	for opt in "--no-causal" "--tgt-mask $G/decmask_tgt_mask.txt" "--memory-mask $G/decmask_mem_mask.txt"; do
		run decode --arch gru $opt --memory "$G/decmask_mem.txt" "$G/decmask_y.txt"
		assert_fails 2 "is an option of the Transformer, not of --arch gru"
	done
}

@test "decode: --generate refuses --no-causal and file masks" {
	run decode --generate --weights "$G/model.npz" --no-causal < /dev/null
	assert_fails 2 "--generate predicts one token at a time"
}

@test "decode --generate: words the source vocabulary lacks are named in one warning per line" {
	printf 'The cat sat on the mat.\nthe cat sat\nthe Dog\n' > "$BATS_TEST_TMPDIR/in.txt"
	decode --generate --weights "$SAMPLES/models/en-fr.npz" "$BATS_TEST_TMPDIR/in.txt" \
		> "$BATS_TEST_TMPDIR/out.txt" 2> "$BATS_TEST_TMPDIR/err.txt"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/out.txt")" -eq 3 ]          # still one translation a line
	[ "$(wc -l < "$BATS_TEST_TMPDIR/err.txt")" -eq 2 ]          # line 2 has no unknown word
	grep -qx "decode: warning: .*in.txt: line 1: not in the source vocabulary, translated as <unk>: 'The', 'mat.'" "$BATS_TEST_TMPDIR/err.txt"
	grep -qx "decode: warning: .*in.txt: line 3: not in the source vocabulary, translated as <unk>: 'Dog'" "$BATS_TEST_TMPDIR/err.txt"
}
