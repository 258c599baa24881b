#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# train --images: the tiny Vision Transformer classifier of docs/vision.md (lib/vit). The pictures, the
# parameters and PyTorch's gradients and Adam step come from tests/golden/make_vit.py (torch 1.13).
load helpers

setup() {
	T="$BATS_TEST_TMPDIR"
	V="$GOLDEN/vit"
	NAMES="patch_embed.proj.weight patch_embed.proj.bias patch_embed.cls_token pos_embed.weight attn.in_proj_weight
	       attn.in_proj_bias attn.out_proj.weight attn.out_proj.bias head.weight head.bias"
}

# one step on the four golden pictures from the golden parameters, as make_vit.py takes it
one_step() {
	train --images "$V/list.txt" --patch 4 --dim 8 --heads 2 --init "$V/init.npz" --steps 1 --batch-sentences 4 \
		--no-shuffle --lr 0.01 --save-grads "$T/grads.npz" -o "$T/model.npz" 2> "$T/err.txt"
}

@test "train --images: every gradient equals PyTorch's autograd" {
	one_step
	for n in $NAMES; do
		tensor get "$T/grads.npz" "$n" > "$T/ours.txt"
		tensor get "$V/grads.npz" "$n" > "$T/torch.txt"
		assert_close "$T/ours.txt" "$T/torch.txt" || { echo "gradient of $n differs" >&2; return 1; }
	done
}

@test "train --images: the loss it prints is PyTorch's cross entropy of the batch" {
	one_step
	grep -q "^epoch 1: loss $(awk '{ printf "%.4f", $1 }' "$V/loss.txt"), " "$T/err.txt"
}

@test "train --images: one Adam step gives torch.optim.Adam's parameters" {
	one_step
	for n in $NAMES; do
		tensor get "$T/model.npz" "$n" > "$T/ours.txt"
		tensor get "$V/step1.npz" "$n" > "$T/torch.txt"
		if [ "$n" = attn.in_proj_bias ]; then
			# the key bias adds the same to every score of a query, which softmax ignores: its gradient is
			# 0 up to rounding, and Adam turns rounding of either sign into a step of +-lr. Its query and
			# value parts must agree.
			tensor slice --cols 0:8,16:24 "$T/ours.txt" > "$T/o.txt"
			tensor slice --cols 0:8,16:24 "$T/torch.txt" > "$T/t.txt"
			assert_close "$T/o.txt" "$T/t.txt"
			continue
		fi
		assert_close "$T/ours.txt" "$T/torch.txt" || { echo "$n differs after the step" >&2; return 1; }
	done
}

@test "train --images: the loss falls and the training pictures end up classified right" {
	train --images "$V/list.txt" --patch 4 --dim 8 --heads 2 --epochs 40 --batch-sentences 2 --lr 0.01 \
		-o "$T/model.npz" 2> "$T/err.txt"
	first=$(sed -n 's/^epoch 1: loss \([0-9.]*\),.*/\1/p' "$T/err.txt")
	last=$(sed -n 's/^epoch 40: loss \([0-9.]*\),.*/\1/p' "$T/err.txt")
	awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a / 4) }'
	grep -q "^epoch 40: loss [0-9.]*, 4 of 4 pictures right while training" "$T/err.txt"
}

@test "train --images: the model runs as a pipeline of the stages: embed | posenc | mha | add | linear" {
	train --images "$V/list.txt" --patch 4 --dim 8 --heads 2 --epochs 40 --batch-sentences 2 --lr 0.01 \
		-o "$T/m.npz" 2> /dev/null
	M="$T/m.npz"
	unzip -p "$M" classes.npy | sed 1d > "$T/classes.txt"
	[ "$(cat "$T/classes.txt")" = "$(printf 'circle\nsquare\ntriangle')" ]
	while read -r file class; do
		embed --image "$V/$file" --weights "$M" --prefix patch_embed. |
			posenc --learned --max-len 10 --weights "$M" --prefix pos_embed. > "$T/h.txt"
		mha --heads 2 --weights "$M" --prefix attn. "$T/h.txt" | tensor add - "$T/h.txt" | tensor slice --rows 0 |
			linear --weights "$M" --prefix head. --vocab "$T/classes.txt" | tensor argmax > "$T/got.txt"
		[ "$(cat "$T/got.txt")" = "$class" ] || { echo "$file: $(cat "$T/got.txt"), not $class" >&2; return 1; }
	done < "$V/list.txt"
}

@test "train --images: --valid-images reports the loss and accuracy of other pictures" {
	train --images "$V/list.txt" --valid-images "$V/list.txt" --patch 4 --dim 8 --heads 2 --epochs 2 \
		-o "$T/m.npz" 2> "$T/err.txt"
	grep -q "^epoch 2: loss [0-9.]*, [0-9] of 4 pictures right while training; valid: loss [0-9.]*, [0-9] of 4 right$" "$T/err.txt"
}

@test "train --images: a line without a class is an error naming the line" {
	cp "$V/list.txt" "$T/list.txt"
	cp "$V"/*.png "$T/"
	printf '1.png\n' >> "$T/list.txt"
	run train --images "$T/list.txt" --patch 4 -o "$T/m.npz"
	assert_fails 1 "train: .*list.txt: line 5: expected FILE CLASS"
}

@test "train --images: pictures of another size are an error naming the picture" {
	cp "$V"/*.png "$T/"
	cp "$GOLDEN/vision/rgb8.png" "$T/other.png"
	{ cat "$V/list.txt"; echo "other.png square"; } > "$T/list.txt"
	run train --images "$T/list.txt" --patch 4 -o "$T/m.npz"
	assert_fails 1 "other.png: 12 x 8 pixels of 3 channels, the first picture has 12 x 12 of 3: one model takes one size"
}

@test "train --images: a validation class the training pictures do not have is an error" {
	cp "$V"/*.png "$T/"
	echo "0.png star" > "$T/valid.txt"
	run train --images "$V/list.txt" --valid-images "$T/valid.txt" --patch 4 -o "$T/m.npz"
	assert_fails 1 "valid.txt: line 1: class star is not one of the training pictures'"
}

@test "train --images: one class only is an error" {
	cp "$V"/*.png "$T/"
	printf '0.png circle\n1.png circle\n' > "$T/list.txt"
	run train --images "$T/list.txt" --patch 4 -o "$T/m.npz"
	assert_fails 1 "every picture is of class circle: a classifier needs two classes at least"
}

@test "train --images: needs --patch and -o, and takes no text options" {
	run train --images "$V/list.txt" -o "$T/m.npz"
	assert_fails 2 "the picture classifier needs --images LIST, --patch P and -o MODEL.npz"
	run train --images "$V/list.txt" --patch 4 --pairs x.tsv -o "$T/m.npz"
	assert_fails 2 "--images trains the picture classifier: no text data"
	run train --images "$V/list.txt" --patch 4 --layers 2 -o "$T/m.npz"
	assert_fails 2 "--layers does not go with --images"
}

@test "train --images: a patch that does not divide the pictures is an error" {
	run train --images "$V/list.txt" --patch 5 -o "$T/m.npz"
	assert_fails 1 "0.png: 12 x 12 pixels do not cut into 5 x 5 patches"
}
