#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# train: the whole Transformer's training step against PyTorch (tests/golden/make_train.py), and learning.
load helpers

T="$GOLDEN/train"

# train_golden NAME SMOOTHING STEPS: train from NAME_init.npz on the three pairs of batch.tsv, dropout 0
train_golden() {
	train --init "$T/$1_init.npz" --pairs "$T/batch.tsv" --steps "$3" --batch-sentences 3 --no-shuffle \
		--dropout 0 --label-smoothing "$2" --schedule constant --lr 1e-3 --adam-eps 1e-6 \
		--save-grads "$BATS_TEST_TMPDIR/grads.npz" --log "$BATS_TEST_TMPDIR/log.tsv" --log-every 1 \
		-o "$BATS_TEST_TMPDIR/model.npz" 2>/dev/null
}

# the parameters of our archive in the order of the golden one (ours also holds config and vocabularies)
params_of() {
	tensor get -b "$1" $(tensor get "$2" | sed -n 's/^#name //p')
}

# losses_close NAME STEPS: the log's losses of STEPS steps and torch's, each within 1e-5 relative
losses_close() {
	[ "$(tail -n +2 "$BATS_TEST_TMPDIR/log.tsv" | wc -l)" -eq "$2" ]
	paste <(tail -n +2 "$BATS_TEST_TMPDIR/log.tsv" | cut -f2) <(head -n "$2" "$T/$1_loss.txt") |
		awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-5 * $2) { print "loss " $1 " torch " $2; bad = 1 } }
		     END { exit bad }'
}

@test "train: post-norm, label smoothing 0.1, padded batch: the loss and every gradient equal PyTorch's" {
	train_golden post_relu 0.1 1
	losses_close post_relu 1
	run tensor diff --atol 1e-6 --rtol 1e-4 <(tensor get -b "$BATS_TEST_TMPDIR/grads.npz") <(tensor get -b "$T/post_relu_grads.npz")
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "train: pre-norm, gelu, tied generator, no smoothing: the loss and every gradient equal PyTorch's" {
	train_golden pre_gelu 0 1
	losses_close pre_gelu 1
	run tensor diff --atol 1e-6 --rtol 1e-4 <(tensor get -b "$BATS_TEST_TMPDIR/grads.npz") <(tensor get -b "$T/pre_gelu_grads.npz")
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "train: five Adam steps give torch.optim.Adam's losses and parameters (post-norm)" {
	train_golden post_relu 0.1 5
	losses_close post_relu 5
	run tensor diff --atol 1e-4 <(params_of "$BATS_TEST_TMPDIR/model.npz" "$T/post_relu_after5.npz") <(tensor get -b "$T/post_relu_after5.npz")
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "train: five Adam steps give torch.optim.Adam's losses and parameters (pre-norm, tied)" {
	train_golden pre_gelu 0 5
	losses_close pre_gelu 5
	run tensor diff --atol 1e-4 <(params_of "$BATS_TEST_TMPDIR/model.npz" "$T/pre_gelu_after5.npz") <(tensor get -b "$T/pre_gelu_after5.npz")
	echo "$output"
	[ "$status" -eq 0 ]
}

# rnn_golden NAME SMOOTHING STEPS: the recurrent seq2seq from rnn_NAME_init.npz, the course's Adam (eps 1e-9)
rnn_golden() {
	train --init "$T/rnn_$1_init.npz" --pairs "$T/batch.tsv" --steps "$3" --batch-sentences 3 --no-shuffle \
		--dropout 0 --label-smoothing "$2" --schedule constant --lr 1e-3 \
		--save-grads "$BATS_TEST_TMPDIR/grads.npz" --log "$BATS_TEST_TMPDIR/log.tsv" --log-every 1 \
		-o "$BATS_TEST_TMPDIR/model.npz" 2>/dev/null
}

@test "train: GRU, additive score, bidirectional, label smoothing 0.1, padded batch: the loss and every gradient equal PyTorch's" {
	rnn_golden gru_additive 0.1 1
	losses_close rnn_gru_additive 1
	run tensor diff --atol 1e-6 --rtol 1e-4 <(tensor get -b "$BATS_TEST_TMPDIR/grads.npz") <(tensor get -b "$T/rnn_gru_additive_grads.npz")
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "train: LSTM, general score, two layers, tied generator: the loss and every gradient equal PyTorch's" {
	rnn_golden lstm_general 0 1
	losses_close rnn_lstm_general 1
	run tensor diff --atol 1e-6 --rtol 1e-4 <(tensor get -b "$BATS_TEST_TMPDIR/grads.npz") <(tensor get -b "$T/rnn_lstm_general_grads.npz")
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "train: five Adam steps of the GRU seq2seq give torch.optim.Adam's losses and parameters" {
	rnn_golden gru_additive 0.1 5
	losses_close rnn_gru_additive 5
	run tensor diff --atol 1e-4 <(params_of "$BATS_TEST_TMPDIR/model.npz" "$T/rnn_gru_additive_after5.npz") <(tensor get -b "$T/rnn_gru_additive_after5.npz")
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "train: five Adam steps of the LSTM seq2seq give torch.optim.Adam's losses and parameters" {
	rnn_golden lstm_general 0 5
	losses_close rnn_lstm_general 5
	run tensor diff --atol 1e-4 <(params_of "$BATS_TEST_TMPDIR/model.npz" "$T/rnn_lstm_general_after5.npz") <(tensor get -b "$T/rnn_lstm_general_after5.npz")
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "train: --arch rnn --score dot writes the archive decode --generate reads, with its settings" {
	command -v unzip >/dev/null || skip "needs unzip to read the .npz"
	train --arch rnn --score dot --dim 8 --hidden 6 --layers 2 --pairs "$T/batch.tsv" --eos --steps 2 \
		-o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	unzip -p "$BATS_TEST_TMPDIR/m.npz" config.npy | grep -a -qx 'arch rnn'
	unzip -p "$BATS_TEST_TMPDIR/m.npz" config.npy | grep -a -qx 'score dot'
	unzip -p "$BATS_TEST_TMPDIR/m.npz" config.npy | grep -a -qx 'encoder_layers 2'
	tensor get "$BATS_TEST_TMPDIR/m.npz" encoder.weight_hh_l1 | grep -q '^#tensor 6 6'
	run decode --generate --weights "$BATS_TEST_TMPDIR/m.npz" --max-len 3 <<< "the cat"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "train: --bidirectional gives the encoder a reverse direction and the decoder states of 2 H" {
	train --arch gru --bidirectional --dim 8 --hidden 5 --pairs "$T/batch.tsv" --eos --steps 1 -o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	tensor get "$BATS_TEST_TMPDIR/m.npz" encoder.weight_hh_l0_reverse | grep -q '^#tensor 15 5$'
	tensor get "$BATS_TEST_TMPDIR/m.npz" decoder.cell.weight_hh | grep -q '^#tensor 30 10$'
}

@test "train: --attn-hidden sets the additive score's width" {
	train --arch lstm --dim 8 --hidden 6 --attn-hidden 3 --pairs "$T/batch.tsv" --eos --steps 1 -o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	tensor get "$BATS_TEST_TMPDIR/m.npz" decoder.attn.W1 | grep -q '^#tensor 3 6$'
	tensor get "$BATS_TEST_TMPDIR/m.npz" decoder.attn.v | grep -q '^#tensor 3$'
}

@test "train: the GRU seq2seq learns the toy translation and decode --generate translates held-out sentences" {
	train --arch gru --bidirectional --dim 32 --hidden 32 --pairs "$T/toy_train.tsv" --valid-pairs "$T/toy_test.tsv" \
		--eos --epochs 3 --batch-sentences 16 --schedule constant --lr 1e-2 --dropout 0 --label-smoothing 0 \
		-o "$BATS_TEST_TMPDIR/gru.npz" 2>/dev/null
	cut -f1 "$T/toy_test.tsv" > "$BATS_TEST_TMPDIR/src.txt"
	decode --generate --weights "$BATS_TEST_TMPDIR/gru.npz" "$BATS_TEST_TMPDIR/src.txt" > "$BATS_TEST_TMPDIR/out.txt"
	right=$(paste -d '|' "$BATS_TEST_TMPDIR/out.txt" <(cut -f2 "$T/toy_test.tsv") | awk -F'|' '$1 == $2' | wc -l)
	echo "exactly right: $right of 20"
	[ "$right" -ge 15 ]
}

@test "train: the gradients are the last step's and named as the parameters" {
	train_golden post_relu 0.1 1
	run tensor get "$BATS_TEST_TMPDIR/grads.npz" generator.bias
	[ "$status" -eq 0 ]
	[[ "$output" == *"#name generator.bias"* ]]
}

@test "train: the toy translation: the loss falls and decode --generate translates held-out sentences" {
	train --pairs "$T/toy_train.tsv" --valid-pairs "$T/toy_test.tsv" --dim 32 --heads 2 --layers 2 --ff 64 \
		--eos --scale --epochs 6 --batch-sentences 16 --schedule constant --lr 3e-3 --dropout 0 \
		--log "$BATS_TEST_TMPDIR/log.tsv" --log-every 5 -o "$BATS_TEST_TMPDIR/toy.npz" 2>/dev/null
	# the first logged loss is above 2, the last below 0.8 (label smoothing 0.1 keeps it above about 0.5)
	awk -F'\t' 'NR == 2 && $2 < 2 { exit 1 }' "$BATS_TEST_TMPDIR/log.tsv"
	awk -F'\t' '$2 != "" { last = $2 } END { exit !(last < 0.8) }' "$BATS_TEST_TMPDIR/log.tsv"
	cut -f1 "$T/toy_test.tsv" > "$BATS_TEST_TMPDIR/src.txt"
	decode --generate --weights "$BATS_TEST_TMPDIR/toy.npz" "$BATS_TEST_TMPDIR/src.txt" > "$BATS_TEST_TMPDIR/out.txt"
	right=$(paste -d '|' "$BATS_TEST_TMPDIR/out.txt" <(cut -f2 "$T/toy_test.tsv") | awk -F'|' '$1 == $2' | wc -l)
	echo "exactly right: $right of 20"
	[ "$right" -ge 15 ]
}

@test "train: without -o it is a usage error" {
	run train --pairs "$T/batch.tsv"
	assert_fails 2 "train: no -o MODEL.npz"
}

@test "train: without data it is a usage error" {
	run train -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 2 "train: no training data"
}

@test "train: a pair without a tab names its line" {
	printf 'the cat\tle chat\nthe dog le chien\n' > "$BATS_TEST_TMPDIR/bad.tsv"
	run train --pairs "$BATS_TEST_TMPDIR/bad.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 1 "bad.tsv: line 2: no tab between source and target"
	[ ! -e "$BATS_TEST_TMPDIR/m.npz" ]
}

@test "train: --src and --tgt of different lengths are an error" {
	printf 'a\nb\n' > "$BATS_TEST_TMPDIR/s.txt"
	printf 'a\n' > "$BATS_TEST_TMPDIR/t.txt"
	run train --src "$BATS_TEST_TMPDIR/s.txt" --tgt "$BATS_TEST_TMPDIR/t.txt" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 1 "s.txt: more lines than .*t.txt"
}

@test "train: an --arch that is not one is a usage error" {
	run train --arch gpt --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 2 "train: --arch: 'gpt' is not transformer, gru, lstm or rnn"
}

@test "train: a Transformer option with --arch gru is an error naming the option" {
	run train --arch gru --heads 2 --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 1 "train: --heads: heads is a setting of the Transformer, not of arch gru"
}

@test "train: a recurrent option with the Transformer is a usage error naming the option" {
	run train --hidden 8 --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 2 "train: --hidden: hidden is a setting of the recurrent seq2seq"
}

@test "train: --score that is not one is a usage error" {
	run train --arch gru --score cosine --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 2 "train: --score: 'cosine' is not additive, general or dot"
}

@test "train: --arch lstm --tie with a decoder wider than --dim is a usage error" {
	run train --arch lstm --dim 8 --hidden 3 --bidirectional --tie --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 2 "train: --tie projects with tgt_embed.weight: its width 8 .--dim. must be the decoder.s 6"
}

@test "train: --lr with --schedule noam is a usage error" {
	run train --schedule noam --lr 1e-3 --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 2 "train: --lr is the constant schedule's rate"
}

@test "train: an option that contradicts the --init archive is an error naming both" {
	run train --init "$T/post_relu_init.npz" --heads 4 --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 1 "post_relu_init.npz: config line 3: heads 2 contradicts --heads, which says 4"
}

@test "train: --heads that do not divide --dim is a usage error" {
	run train --dim 8 --heads 3 --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 2 "d_model 8 is not divisible by 3 heads"
}

@test "train: --help prints the usage on stdout and exits 0" {
	run train --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: train "* ]]
}

@test "train: --log writes TSV with a header, and the validation on the step after which it ran" {
	train --pairs "$T/toy_train.tsv" --valid-pairs "$T/toy_test.tsv" --dim 8 --heads 2 --layers 1 --ff 16 \
		--epochs 2 --batch-sentences 100 --log-every 4 --log "$BATS_TEST_TMPDIR/log.tsv" \
		-o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	run cat "$BATS_TEST_TMPDIR/log.tsv"
	echo "$output"
	[ "${lines[0]}" = "$(printf 'step\tloss\tlr\tvalid_loss\tvalid_acc\ttokens_per_s')" ]
	# 6 steps an epoch: steps 4, 6 (validated), 8, 12 (validated); one row each
	[ "$(cut -f1 "$BATS_TEST_TMPDIR/log.tsv" | tail -n +2 | tr '\n' ' ')" = "4 6 8 12 " ]
	[ "$(awk -F'\t' '$4 != "" && NR > 1' "$BATS_TEST_TMPDIR/log.tsv" | cut -f1 | tr '\n' ' ')" = "6 12 " ]
}

@test "train: the shipped reverse model (samples/train-reverse.sh) reverses sequences with decode --generate" {
	printf '3 1 4 1 5 9 2 6\n2 7 1 8 2 8\n9 9 0 1 2 3 4 5 6 7\n' > "$BATS_TEST_TMPDIR/seq.txt"
	awk '{ s = $NF; for (i = NF - 1; i >= 1; i--) s = s " " $i; print s }' "$BATS_TEST_TMPDIR/seq.txt" > "$BATS_TEST_TMPDIR/want.txt"
	decode --generate --weights "$SAMPLES/models/reverse-transformer.npz" "$BATS_TEST_TMPDIR/seq.txt" > "$BATS_TEST_TMPDIR/got.txt"
	diff "$BATS_TEST_TMPDIR/want.txt" "$BATS_TEST_TMPDIR/got.txt"
}

@test "train: the shipped GRU reverse model (samples/train-reverse.sh) reverses sequences with decode --generate" {
	printf '3 1 4 1 5 9 2 6\n2 7 1 8 2 8\n9 9 0 1 2 3 4 5 6 7\n' > "$BATS_TEST_TMPDIR/seq.txt"
	awk '{ s = $NF; for (i = NF - 1; i >= 1; i--) s = s " " $i; print s }' "$BATS_TEST_TMPDIR/seq.txt" > "$BATS_TEST_TMPDIR/want.txt"
	decode --generate --weights "$SAMPLES/models/reverse-gru.npz" "$BATS_TEST_TMPDIR/seq.txt" > "$BATS_TEST_TMPDIR/got.txt"
	diff "$BATS_TEST_TMPDIR/want.txt" "$BATS_TEST_TMPDIR/got.txt"
}

@test "train: --chars splits the source into characters (<sp> between words) and keeps the target in words" {
	command -v unzip >/dev/null || skip "needs unzip to read the .npz"
	train --pairs "$T/batch.tsv" --chars --dim 8 --heads 2 --layers 1 --ff 16 --steps 1 -o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	unzip -p "$BATS_TEST_TMPDIR/m.npz" src_vocab.npy | grep -a -qx '<sp>'
	unzip -p "$BATS_TEST_TMPDIR/m.npz" tgt_vocab.npy | grep -a -qx 'canapé'
	unzip -p "$BATS_TEST_TMPDIR/m.npz" config.npy | grep -a -qx 'chars 1'
	run decode --generate --weights "$BATS_TEST_TMPDIR/m.npz" --max-len 3 <<< "a cat"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "train: --src and --tgt give the same model as --pairs" {
	cut -f1 "$T/batch.tsv" > "$BATS_TEST_TMPDIR/src.txt"
	cut -f2 "$T/batch.tsv" > "$BATS_TEST_TMPDIR/tgt.txt"
	train --pairs "$T/batch.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --steps 3 -o "$BATS_TEST_TMPDIR/a.npz" 2>/dev/null
	train --src "$BATS_TEST_TMPDIR/src.txt" --tgt "$BATS_TEST_TMPDIR/tgt.txt" --dim 8 --heads 2 --layers 1 --ff 16 \
		--steps 3 -o "$BATS_TEST_TMPDIR/b.npz" 2>/dev/null
	assert_close <(tensor get "$BATS_TEST_TMPDIR/a.npz" generator.weight encoder.layers.0.linear1.weight) \
		<(tensor get "$BATS_TEST_TMPDIR/b.npz" generator.weight encoder.layers.0.linear1.weight) 0
}

@test "train: --clip scales the gradients to that global norm" {
	train --pairs "$T/batch.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --steps 1 --clip 0.01 \
		--save-grads "$BATS_TEST_TMPDIR/g.npz" -o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	tensor get "$BATS_TEST_TMPDIR/g.npz" |
		awk '!/^#/ { for (i = 1; i <= NF; i++) s += $i * $i } END { n = sqrt(s); print n; exit !(n > 0.0099 && n < 0.0101) }'
}

@test "train: --batch-tokens makes batches of at most that many tokens (one pair a step here)" {
	train --pairs "$T/batch.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --epochs 2 --batch-tokens 10 \
		--log "$BATS_TEST_TMPDIR/log.tsv" --log-every 1 -o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/log.tsv" | cut -f1)" = 6 ]
}

@test "train: Ctrl-C (SIGINT) stops after the current step and writes the model" {
	train --pairs "$T/toy_train.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --steps 1000000 --batch-sentences 1 \
		-o "$BATS_TEST_TMPDIR/m.npz" 2> "$BATS_TEST_TMPDIR/err.txt" &
	pid=$!
	for _ in $(seq 50); do grep -q "^step" "$BATS_TEST_TMPDIR/err.txt" && break; sleep 0.2; done
	kill -INT "$pid"
	wait "$pid"
	grep -q "(interrupted)" "$BATS_TEST_TMPDIR/err.txt"
	run decode --generate --weights "$BATS_TEST_TMPDIR/m.npz" --max-len 3 <<< "the cat"
	[ "$status" -eq 0 ]
}

@test "train: --normalize other than softmax is refused: no backward pass for it" {
	run train --pairs "$GOLDEN/train/toy_train.tsv" -o "$BATS_TEST_TMPDIR/m.npz" --normalize sparsemax
	assert_fails 2 "--normalize sparsemax: train has the backward pass of the softmax only; sparsemax attention runs forward in attend and mha, but cannot be trained"
	[ ! -e "$BATS_TEST_TMPDIR/m.npz" ]
	run train --pairs "$GOLDEN/train/toy_train.tsv" -o "$BATS_TEST_TMPDIR/m.npz" --normalize tanh
	assert_fails 2 "--normalize: 'tanh' is not one of softmax"
}

# resume_run ARGS...: the three pairs as one batch, dropout 0, constant lr: every step sees the same batch
resume_run() {
	train --pairs "$T/batch.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --batch-sentences 3 --no-shuffle \
		--dropout 0 --schedule constant --lr 1e-2 "$@" 2>/dev/null
}

@test "train: --resume continues a run: 2 steps, then 2 more, equal 4 steps at once (parameters and moments)" {
	resume_run --steps 4 -o "$BATS_TEST_TMPDIR/full.npz"
	resume_run --steps 2 -o "$BATS_TEST_TMPDIR/half.npz"
	resume_run --resume "$BATS_TEST_TMPDIR/half.npz" --steps 4 -o "$BATS_TEST_TMPDIR/resumed.npz"
	assert_close <(tensor get "$BATS_TEST_TMPDIR/full.npz") <(tensor get "$BATS_TEST_TMPDIR/resumed.npz") 0
}

@test "train: --resume continues the step count (the log's first step is the archive's next)" {
	resume_run --steps 2 -o "$BATS_TEST_TMPDIR/half.npz"
	resume_run --resume "$BATS_TEST_TMPDIR/half.npz" --steps 4 --log "$BATS_TEST_TMPDIR/log.tsv" --log-every 1 \
		-o "$BATS_TEST_TMPDIR/resumed.npz"
	[ "$(cut -f1 "$BATS_TEST_TMPDIR/log.tsv" | tail -n +2 | tr '\n' ' ')" = "3 4 " ]
}

@test "train: the archive keeps Adam's state as adam.m.<name>, adam.v.<name> and adam.step, and decode reads it" {
	command -v unzip >/dev/null || skip "needs unzip to read the .npz"
	resume_run --steps 2 -o "$BATS_TEST_TMPDIR/m.npz"
	[ "$(unzip -p "$BATS_TEST_TMPDIR/m.npz" adam.step.npy | tail -c 2 | head -c 1)" = 2 ]
	tensor get "$BATS_TEST_TMPDIR/m.npz" adam.m.generator.bias adam.v.encoder.layers.0.linear1.weight > /dev/null
	run decode --generate --weights "$BATS_TEST_TMPDIR/m.npz" --max-len 3 <<< "the cat"
	[ "$status" -eq 0 ]
}

@test "train: --weights-only leaves Adam's state out of the archive" {
	resume_run --steps 2 --weights-only -o "$BATS_TEST_TMPDIR/m.npz"
	run tensor get "$BATS_TEST_TMPDIR/m.npz" adam.m.generator.bias
	[ "$status" -ne 0 ]
	tensor get "$BATS_TEST_TMPDIR/m.npz" generator.bias > /dev/null
}

@test "train: --resume of an archive without Adam's state is an error that says so" {
	resume_run --steps 2 --weights-only -o "$BATS_TEST_TMPDIR/m.npz"
	run train --resume "$BATS_TEST_TMPDIR/m.npz" --pairs "$T/batch.tsv" --steps 4 -o "$BATS_TEST_TMPDIR/r.npz"
	assert_fails 1 "m.npz: no adam.m..*: the archive has no Adam state to resume"
	[ ! -e "$BATS_TEST_TMPDIR/r.npz" ]
}

@test "train: --resume and --init together are a usage error" {
	run train --resume "$T/post_relu_init.npz" --init "$T/post_relu_init.npz" --pairs "$T/batch.tsv" -o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 2 "train: --resume continues a run, --init starts one from given weights: not both"
}

@test "train: --resume past --steps is an error (steps count from the first run's start)" {
	resume_run --steps 3 -o "$BATS_TEST_TMPDIR/m.npz"
	run train --resume "$BATS_TEST_TMPDIR/m.npz" --pairs "$T/batch.tsv" --steps 2 -o "$BATS_TEST_TMPDIR/r.npz"
	assert_fails 1 "m.npz: its run has taken 3 steps already, --steps 2"
}

@test "train: --checkpoint-every N writes the model (with its step) every N steps while training" {
	command -v unzip >/dev/null || skip "needs unzip to read the .npz"
	# a run stopped by SIGKILL (no final write): what is there is a checkpoint, at a multiple of 3 steps
	train --pairs "$T/toy_train.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --steps 1000000 --batch-sentences 1 \
		--checkpoint-every 3 -o "$BATS_TEST_TMPDIR/k.npz" 2>/dev/null &
	pid=$!
	for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/k.npz" ] && break; sleep 0.1; done
	kill -KILL "$pid"
	wait "$pid" || true
	step=$(unzip -p "$BATS_TEST_TMPDIR/k.npz" adam.step.npy | tail -n 1 | tr -dc 0-9)
	echo "checkpoint at step $step"
	[ "$step" -gt 0 ]
	[ $((step % 3)) -eq 0 ]
}

# plot_run ARGS...: a few epochs of the toy translation with --plot
plot_run() {
	train --pairs "$T/toy_train.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --eos --epochs 3 --batch-sentences 32 \
		--schedule constant --lr 3e-3 --dropout 0 --plot "$BATS_TEST_TMPDIR/loss.png" \
		-o "$BATS_TEST_TMPDIR/m.npz" "$@" 2>/dev/null
}
png() {
	local py=python3
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3
	"$py" "$BATS_TEST_DIRNAME/pngread.py" "$@"
}

@test "train: --plot draws a sound 640 x 400 PNG" {
	plot_run
	[ "$(png "$BATS_TEST_TMPDIR/loss.png" check)" = "ok 640 400" ]
}

@test "train: --plot draws the training loss in blue, falling from left to right" {
	plot_run
	[ "$(png "$BATS_TEST_TMPDIR/loss.png" count 31 119 180)" -gt 300 ]
	# the highest blue pixel near the start is above the highest one near the end (PNG rows go down)
	read -r _ y_start <<< "$(png "$BATS_TEST_TMPDIR/loss.png" find 31 119 180 100 40 130 360)"
	read -r _ y_end <<< "$(png "$BATS_TEST_TMPDIR/loss.png" find 31 119 180 590 40 620 360)"
	echo "start $y_start end $y_end"
	[ "$y_start" -lt "$y_end" ]
}

@test "train: --plot draws the validation loss in orange only when there are validation pairs" {
	plot_run
	[ "$(png "$BATS_TEST_TMPDIR/loss.png" count 255 127 14)" -eq 0 ]
	plot_run --valid-pairs "$T/toy_test.tsv"
	[ "$(png "$BATS_TEST_TMPDIR/loss.png" count 255 127 14)" -gt 100 ]
}

@test "train: --plot into a folder that does not exist is an error naming the file" {
	run train --pairs "$T/batch.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --steps 1 --plot /nonexistent/loss.png \
		-o "$BATS_TEST_TMPDIR/m.npz"
	assert_fails 1 "/nonexistent/loss.png"
}

@test "train: <pad>'s embedding rows get no gradient (nn.Embedding's padding_idx: every pair runs unpadded)" {
	train --pairs "$T/batch.tsv" --dim 8 --heads 2 --layers 1 --ff 16 --steps 1 --save-grads "$BATS_TEST_TMPDIR/g.npz" \
		-o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	train --arch gru --pairs "$T/batch.tsv" --dim 8 --steps 1 --save-grads "$BATS_TEST_TMPDIR/r.npz" \
		-o "$BATS_TEST_TMPDIR/m.npz" 2>/dev/null
	for f in g r; do
		for table in src_embed.weight tgt_embed.weight; do
			# row 0 (<pad>) is all zeros; row 4 (a word) is not
			tensor get "$BATS_TEST_TMPDIR/$f.npz" "$table" | grep -v '^#' | sed -n 1p | awk '{ for (i = 1; i <= NF; i++) if ($i != 0) exit 1 }'
			tensor get "$BATS_TEST_TMPDIR/$f.npz" "$table" | grep -v '^#' | sed -n 5p | awk '{ for (i = 1; i <= NF; i++) if ($i != 0) exit 0; exit 1 }'
		done
	done
}
