#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# encode / decode --arch rnn|gru|lstm: the recurrent encoder and the attention decoder against torch 1.13
# (tests/golden/make_rnn.py), and the behaviours a class relies on.
load helpers

R="$GOLDEN/rnn"

setup() {
	TMP="$BATS_TEST_TMPDIR"
}

# encode_case ARCH LAYERS BIDIR: our output and --last equal torch's for the weights torch drew
encode_case() {
	local tag="$1-l$2${3:+-bi}" opt=""
	[ -n "$3" ] && opt=--bidirectional
	encode --arch "$1" --hidden 3 --layers "$2" $opt --weights "$R/$tag.npz" "$R/x.txt" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$R/$tag.out.txt"
	encode --arch "$1" --hidden 3 --layers "$2" $opt --last --weights "$R/$tag.npz" "$R/x.txt" > "$TMP/last.txt"
	assert_close "$TMP/last.txt" "$R/$tag.last.txt"
}

@test "encode --arch rnn|gru|lstm: RNN (tanh) equals torch.nn.RNN, 1 and 2 layers, one and two directions" {
	encode_case rnn 1 ""
	encode_case rnn 2 ""
	encode_case rnn 1 bi
	encode_case rnn 2 bi
}

@test "encode --arch rnn|gru|lstm: GRU equals torch.nn.GRU, 1 and 2 layers, one and two directions" {
	encode_case gru 1 ""
	encode_case gru 2 ""
	encode_case gru 1 bi
	encode_case gru 2 bi
}

@test "encode --arch rnn|gru|lstm: LSTM equals torch.nn.LSTM, 1 and 2 layers, one and two directions" {
	encode_case lstm 1 ""
	encode_case lstm 2 ""
	encode_case lstm 1 bi
	encode_case lstm 2 bi
}

@test "encode --arch rnn|gru|lstm: rows keep the input's labels and the output is T x D*H" {
	run encode --arch gru --hidden 3 --bidirectional --seed 4 "$R/x.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#tensor 5 6"* ]]
	[[ "$output" == *"#rows the cat sat on mats"* ]]
}

@test "encode --arch rnn|gru|lstm: --last equals the last row of the full output (forward direction)" {
	encode --arch lstm --hidden 4 --layers 2 --seed 9 "$R/x.txt" |
		awk '!/^#/ { last = $0 } END { print "#tensor 1 4"; print last }' > "$TMP/row.txt"
	encode --arch lstm --hidden 4 --layers 2 --seed 9 --last "$R/x.txt" > "$TMP/last.txt"
	assert_close "$TMP/row.txt" "$TMP/last.txt" 0
}

@test "encode --arch rnn|gru|lstm: --hidden defaults to the input width" {
	run encode --arch rnn "$R/x.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#tensor 5 4"* ]]
}

@test "encode --arch rnn|gru|lstm: --seed draws every parameter from U(-1/sqrt(H), 1/sqrt(H)), and --save-weights reloads" {
	encode --arch gru --hidden 4 --seed 3 --save-weights "$TMP/w.npz" "$R/x.txt" > "$TMP/a.txt"
	encode --arch gru --hidden 4 --weights "$TMP/w.npz" "$R/x.txt" > "$TMP/b.txt"
	assert_close "$TMP/a.txt" "$TMP/b.txt" 0
	# H = 4: every entry of the 48 + 48 + 12 + 12 lies in [-0.5, 0.5], and they spread over most of it
	for name in weight_ih_l0 weight_hh_l0 bias_ih_l0 bias_hh_l0; do
		unzip -p "$TMP/w.npz" "$name.npy" | tensor info > "$TMP/info"
		awk '/min/ { if ($2 < -0.5 || $4 > 0.5 || $4 - $2 < 0.5) { print; exit 1 } }' "$TMP/info"
	done
}

@test "encode --arch rnn|gru|lstm: different seeds give different states" {
	encode --arch gru --seed 1 "$R/x.txt" > "$TMP/a.txt"
	encode --arch gru --seed 2 "$R/x.txt" > "$TMP/b.txt"
	run tensor diff "$TMP/a.txt" "$TMP/b.txt"
	[ "$status" -eq 1 ]
}

@test "encode --arch rnn|gru|lstm: --over-time equals the seeds' LSTM + softmax-over-time model" {
	encode --arch lstm --hidden 3 --over-time --attn "$TMP/a.txt" --weights "$R/lstm-over-time.npz" \
		"$R/x.txt" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$R/lstm-over-time.out.txt"
	assert_close "$TMP/a.txt" "$R/lstm-over-time.attn.txt"
}

@test "encode --arch rnn|gru|lstm: --over-time weights sum to 1 over time for every feature" {
	encode --arch lstm --hidden 3 --over-time --attn "$TMP/a.txt" --seed 5 "$R/x.txt" > /dev/null
	run awk '!/^#/ { for (i = 1; i <= NF; i++) s[i] += $i; n = NF }
		END { for (i = 1; i <= n; i++) if (s[i] < 0.99999 || s[i] > 1.00001) { print "column " i ": " s[i]; exit 1 } }' \
		"$TMP/a.txt"
	[ "$status" -eq 0 ]
}

@test "encode --arch rnn|gru|lstm: --over-time rejects a sequence of another length" {
	{ cat "$R/x.txt"; head -n 5 "$R/x.txt" | sed 's/^#tensor 5 4/#tensor 3 4/; s/^#rows.*/#rows a b c/'; } > "$TMP/two.txt"
	run encode --arch lstm --over-time --seed 1 "$TMP/two.txt"
	assert_fails 1 "encode: .*two.txt: tensor #1 has 3 positions; --over-time was built for 5"
}

@test "encode --arch rnn|gru|lstm: --over-time needs one unidirectional LSTM layer" {
	run encode --arch gru --over-time "$R/x.txt"
	assert_fails 2 "encode: --over-time goes with one unidirectional LSTM layer"
}

@test "encode --arch rnn|gru|lstm: --attn without --over-time is a usage error" {
	run encode --arch gru --attn "$TMP/a.txt" "$R/x.txt"
	assert_fails 2 "encode: --attn: the recurrent encoder writes attention weights only with --over-time"
}

@test "encode --arch rnn|gru|lstm: a second sequence of another width is an error" {
	{ cat "$R/x.txt"; printf '#tensor 1 2\n1 2\n'; } > "$TMP/two.txt"
	run encode --arch gru --seed 1 "$TMP/two.txt"
	assert_fails 1 "encode: .*two.txt: tensor #1 has 2 features, the first had 4"
}

@test "encode --arch rnn|gru|lstm: weights of the wrong shape are refused by name" {
	run encode --arch gru --hidden 4 --weights "$R/gru-l1.npz" "$R/x.txt"
	[ "$status" -ne 0 ]
	[[ "$output" == *"weight_hh_l0"* ]]
}

@test "encode --arch rnn|gru|lstm: a 3-D tensor is not a sequence" {
	printf '#tensor 2 2 2\n1 2\n3 4\n5 6\n7 8\n' > "$TMP/cube.txt"
	run encode --arch gru "$TMP/cube.txt"
	assert_fails 1 "encode: .*cube.txt: tensor #0: expected a matrix \\(positions x features\\), got 2x2x2"
}

# decode_case ARCH SCORE [zeros]: outputs and alignment equal the reference loop with torch's cells
decode_case() {
	local tag="dec-$1-$2${3:+-zeros}" init=last
	[ -n "$3" ] && init=zeros
	decode --arch "$1" --score "$2" --init "$init" --attn-hidden 5 --memory "$R/memory.txt" \
		--attn "$TMP/a.txt" --weights "$R/$tag.npz" "$R/y.txt" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$R/$tag.out.txt"
	assert_close "$TMP/a.txt" "$R/$tag.attn.txt"
}

@test "decode --arch rnn|gru|lstm: additive (Bahdanau) attention equals a loop with torch's RNNCell / GRUCell / LSTMCell" {
	decode_case rnn additive
	decode_case gru additive
	decode_case lstm additive
}

@test "decode --arch rnn|gru|lstm: general and dot (Luong) scores equal the reference loop" {
	for a in rnn gru lstm; do
		decode_case "$a" general
		decode_case "$a" dot
	done
}

@test "decode --arch rnn|gru|lstm: --init zeros starts from s_0 = 0" {
	decode_case rnn additive zeros
	decode_case gru additive zeros
	decode_case lstm additive zeros
}

@test "decode --arch rnn|gru|lstm: every alignment row sums to 1, rows = outputs, columns = input tokens" {
	decode --arch gru --seed 2 --memory "$R/memory.txt" --attn "$TMP/a.txt" "$R/y.txt" > /dev/null
	grep -q '^#tensor 4 5$' "$TMP/a.txt"
	grep -q '^#rows <s> le chat assis$' "$TMP/a.txt"
	grep -q '^#cols the cat sat on mats$' "$TMP/a.txt"
	run awk '!/^#/ { s = 0; for (i = 1; i <= NF; i++) s += $i; if (s < 0.99999 || s > 1.00001) { print NR ": " s; exit 1 } }' \
		"$TMP/a.txt"
	[ "$status" -eq 0 ]
}

@test "decode --arch rnn|gru|lstm: outputs are T x H with the target's row labels" {
	run decode --arch gru --seed 2 --memory "$R/memory.txt" "$R/y.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#tensor 4 6"* ]]
	[[ "$output" == *"#rows <s> le chat assis"* ]]
}

@test "decode --arch rnn|gru|lstm: --explain prints s_{t-1}, scores, weights and context of the first steps on stderr" {
	decode --arch gru --seed 2 --explain=1 --memory "$R/memory.txt" "$R/y.txt" 2> "$TMP/err" > "$TMP/out"
	grep -q '^== 2. step 1: reads y_0 = <s>$' "$TMP/err"
	grep -q '^   s_0, the state before the step (1 x 6):$' "$TMP/err"
	grep -q '^   scores e_1, one per encoder state h_j (1 x 5):$' "$TMP/err"
	grep -q '^   query a_1:$' "$TMP/err"
	grep -q '^   out\[c_1\] = .* v\[the\] + .* v\[mats\]$' "$TMP/err"
	! grep -q 'step 2' "$TMP/err"
	grep -q '^#tensor 4 6' "$TMP/out"
}

@test "decode --arch rnn|gru|lstm: --explain's weights are the --attn row, and sum to 1" {
	decode --arch gru --seed 2 --explain --memory "$R/memory.txt" --attn "$TMP/a.txt" "$R/y.txt" 2> "$TMP/err" > /dev/null
	grep -A 3 '^   query a_2:$' "$TMP/err" | grep '^ *weight' | awk '{ $1 = ""; print }' > "$TMP/explained"
	grep -v '^#' "$TMP/a.txt" | sed -n 2p | awk '{ for (i = 1; i <= NF; i++) printf " %.4g", $i; print "" }' > "$TMP/row"
	diff -w "$TMP/explained" "$TMP/row"
	grep -q 'sum of weights 1$' "$TMP/err"
}

@test "decode --arch rnn|gru|lstm: --memory is required" {
	run decode --arch gru "$R/y.txt"
	assert_fails 2 "decode: --memory FILE is required"
}

@test "decode --arch rnn|gru|lstm: one memory serves every input; two memories for three inputs is an error" {
	cat "$R/y.txt" "$R/y.txt" > "$TMP/two.txt"
	decode --arch gru --seed 1 --memory "$R/memory.txt" "$TMP/two.txt" > "$TMP/out.txt"
	[ "$(grep -c '^#tensor 4 6' "$TMP/out.txt")" -eq 2 ]
	cat "$R/memory.txt" "$R/memory.txt" > "$TMP/mem2.txt"
	cat "$R/y.txt" "$R/y.txt" "$R/y.txt" > "$TMP/three.txt"
	run decode --arch gru --seed 1 --memory "$TMP/mem2.txt" "$TMP/three.txt"
	assert_fails 1 "decode: .*mem2.txt: holds 2 tensors, the input more"
}

@test "decode --arch rnn|gru|lstm: --init last needs --hidden equal to the memory width" {
	run decode --arch gru --hidden 3 --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 1 "decode: .*memory.txt: --init last starts from the last encoder state, 6 wide, but --hidden is 3"
}

@test "decode --arch rnn|gru|lstm: --score dot needs --hidden equal to the memory width" {
	run decode --arch gru --score dot --init zeros --hidden 3 --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 1 "decode: .*memory.txt: --score dot compares s_\\{t-1\\} with h_j: the memory is 6 wide, --hidden is 3"
}

@test "rnn seq2seq: the Transformer's options are refused with a recurrent --arch, and the other way round" {
	run decode --arch gru --layers 2 --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --layers is an option of the Transformer, not of --arch gru"
	run decode --arch lstm --self-attn "$TMP/s.txt" --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --self-attn is an option of the Transformer, not of --arch lstm"
	run encode --arch rnn --heads 2 "$R/x.txt"
	assert_fails 2 "encode: --heads is an option of the Transformer, not of --arch rnn"
	run encode --arch gru --no-pad-mask "$R/x.txt"
	assert_fails 2 "encode: --no-pad-mask is an option of the Transformer, not of --arch gru"
	run encode --bidirectional "$R/x.txt"
	assert_fails 2 "encode: --bidirectional is an option of --arch rnn, gru or lstm"
	run decode --score dot --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --score is an option of --arch rnn, gru or lstm"
}

@test "rnn seq2seq: bad option values are usage errors" {
	run encode --arch cnn "$R/x.txt"
	assert_fails 2 "encode: --arch: 'cnn' is not an architecture \\(transformer, rnn, gru, lstm\\)"
	run decode --arch cnn --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --arch: 'cnn' is not an architecture \\(transformer, rnn, gru, lstm\\)"
	run encode --arch gru --hidden 0 "$R/x.txt"
	assert_fails 2 "encode: --hidden: 0 is out of range"
	run decode --arch gru --hidden 0 --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --hidden: 0 is out of range"
	run decode --arch gru --attn-hidden -1 --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --attn-hidden: -1 is out of range"
	run decode --arch gru --score cosine --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --score: 'cosine' is not additive, general or dot"
	run decode --arch gru --init random --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --init: 'random' is neither last nor zeros"
	run decode --arch gru --explain=0 --memory "$R/memory.txt" "$R/y.txt"
	assert_fails 2 "decode: --explain: 0 is out of range"
}

@test "rnn seq2seq: --help shows the recurrent usage lines" {
	run encode --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"encode --arch rnn|gru|lstm [--hidden H]"* ]]
	run decode --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"decode --arch rnn|gru|lstm --memory FILE"* ]]
}

@test "rnn seq2seq: a missing memory file names it" {
	run decode --arch gru --memory "$TMP/nope.txt" "$R/y.txt"
	assert_fails 1 "decode: .*nope.txt: No such file"
}

@test "rnn seq2seq: encode | decode is a seq2seq pipeline" {
	encode --arch gru --bidirectional --hidden 3 --seed 1 "$R/x.txt" > "$TMP/mem.txt"
	run decode --arch gru --seed 1 --memory "$TMP/mem.txt" --attn "$TMP/a.txt" "$R/y.txt"
	[ "$status" -eq 0 ]
	grep -q '^#tensor 4 5$' "$TMP/a.txt"
}

# ---- decode --generate with a recurrent model ----------------------------------------------------

@test "decode --generate: a trained GRU seq2seq translates as torch's greedy loop does" {
	decode --generate --weights "$R/model-gru.npz" "$R/model-src.txt" > "$TMP/out.txt"
	diff "$TMP/out.txt" "$R/model-gru-greedy.txt"
}

@test "decode --generate: the archive's arch selects the recurrent model; --arch gru agrees with it" {
	decode --arch gru --generate --weights "$R/model-gru.npz" "$R/model-src.txt" > "$TMP/out.txt"
	diff "$TMP/out.txt" "$R/model-gru-greedy.txt"
}

@test "decode --generate: an LSTM with the general score and s_0 = 0 equals torch's loop" {
	decode --generate --max-len 6 --weights "$R/model-lstm.npz" "$R/model-src.txt" > "$TMP/out.txt"
	diff "$TMP/out.txt" "$R/model-lstm-greedy.txt"
}

@test "decode --generate: --scores and --attn of a recurrent model equal torch's, rows sum to 1" {
	head -n 1 "$R/model-src.txt" | decode --generate --weights "$R/model-gru.npz" --attn "$TMP/a.txt" \
		--scores "$TMP/s.txt" > /dev/null
	assert_close "$TMP/a.txt" "$R/model-gru-align.txt"
	assert_close "$TMP/s.txt" "$R/model-gru-scores.txt"
	grep -q '^#cols the big cat sat on the mat </s>$' "$TMP/a.txt"
	run awk '!/^#/ { s = 0; for (i = 1; i <= NF; i++) s += $i; if (s < 0.99999 || s > 1.00001) { print NR ": " s; exit 1 } }' \
		"$TMP/a.txt"
	[ "$status" -eq 0 ]
	head -n 1 "$R/model-src.txt" | decode --generate --max-len 6 --weights "$R/model-lstm.npz" --attn "$TMP/a.txt" \
		--scores "$TMP/s.txt" > /dev/null
	assert_close "$TMP/a.txt" "$R/model-lstm-align.txt"
	assert_close "$TMP/s.txt" "$R/model-lstm-scores.txt"
}

@test "decode --generate: beam search over a recurrent model equals the reference search" {
	for kl in "1 0" "3 0" "3 1"; do
		set -- $kl
		decode --generate --beam "$1" --length-penalty "$2" --max-len 8 --weights "$R/model-rnn.npz" \
			"$R/model-src.txt" > "$TMP/out.txt"
		diff "$TMP/out.txt" "$R/model-rnn-beam$1-lp$2.txt"
	done
}

@test "decode --generate: beam search over an LSTM model moves each hypothesis' cell state with it" {
	for kl in "1 0" "3 0" "3 2"; do
		set -- $kl
		decode --generate --beam "$1" --length-penalty "$2" --max-len 8 --weights "$R/model-lstm-beam.npz" \
			"$R/model-src.txt" > "$TMP/out.txt"
		diff "$TMP/out.txt" "$R/model-lstm-beam$1-lp$2.txt"
	done
	# the beam finds something else than greedy, and the length penalty changes its choice
	run cmp -s "$R/model-lstm-beam3-lp0.txt" "$R/model-lstm-beam1-lp0.txt"
	[ "$status" -eq 1 ]
	run cmp -s "$R/model-lstm-beam3-lp2.txt" "$R/model-lstm-beam3-lp0.txt"
	[ "$status" -eq 1 ]
}

@test "decode --generate: an option that contradicts a recurrent archive is an error" {
	run decode --generate --score general --weights "$R/model-gru.npz" "$R/model-src.txt"
	assert_fails 1 "model-gru.npz: config line 6: score additive contradicts --score, which says general"
	run decode --generate --arch lstm --weights "$R/model-gru.npz" "$R/model-src.txt"
	assert_fails 1 "model-gru.npz: config line 1: arch gru contradicts --arch, which says lstm"
}

@test "decode --generate: the Transformer's settings and options are refused for a recurrent model" {
	run decode --generate --scale --weights "$R/model-gru.npz" "$R/model-src.txt"
	assert_fails 1 "--scale: scale is a setting of the Transformer, not of arch gru"
	run decode --generate --heads 2 --weights "$R/model-gru.npz" "$R/model-src.txt"
	assert_fails 2 "decode: --heads is an option of the Transformer, not of --arch gru"
	run decode --generate --no-cache --weights "$R/model-gru.npz" "$R/model-src.txt"
	assert_fails 2 "decode: --no-cache, --attn-layer, --attn-head and --explain are not for a recurrent model's --generate"
	run decode --arch gru --generate "$R/model-src.txt"
	assert_fails 2 "decode: --generate needs --weights MODEL.npz"
}

@test "decode --generate: a recurrent archive whose settings do not fit its parameters is an error" {
	run decode --generate --weights "$R/model-bad-shape.npz" "$R/model-src.txt"
	assert_fails 1 "model-bad-shape.npz: parameter decoder.attn.W1 has shape 16x32, expected 16x16"
	run decode --generate --weights "$R/model-bad-key.npz" "$R/model-src.txt"
	assert_fails 1 "model-bad-key.npz: config line 2: heads is a setting of the Transformer, not of arch lstm"
}
