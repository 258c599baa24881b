#!/bin/sh
# SPDX-License-Identifier: MIT
# The pictures of docs/heatmap.md and docs/stages.md, made again from nothing: `make && sh samples/make-docs-images.sh`.
# (A script rather than a `make docs` target, so that the Makefile stays as it is.)
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
out=docs/images
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# 1. The sinusoidal positional encoding (section 3.5): posenc when built, else the same formula in awk.
if command -v posenc > /dev/null; then
	posenc --only --len 50 --dim 64 > "$tmp/pe.txt"
else
	awk 'BEGIN {
		T = 50; E = 64; print "#tensor", T, E
		printf "#rows"; for (t = 0; t < T; t++) printf " %d", t; print ""
		printf "#cols"; for (i = 0; i < E / 2; i++) printf " sin%d cos%d", i, i; print ""
		for (t = 0; t < T; t++) {
			for (i = 0; i < E / 2; i++) { a = t / 10000 ^ (2 * i / E); printf " %.7f %.7f", sin(a), cos(a) }
			print ""
		}
	}' > "$tmp/pe.txt"
fi
heatmap --cell 8 --title "positional encoding, 50 x 64" -o "$out/heatmap-posenc.png" "$tmp/pe.txt"

# 2. One head's weights for one sentence, values written in the cells (the commands of docs/heatmap.md).
words="the cat sat on the mat"
echo "$words" | embed --dim 8 --seed 7 | attend --attn "$tmp/head.txt" > /dev/null
heatmap --cell 36 --annotate --title "one head" -o "$out/heatmap-head.png" "$tmp/head.txt"

# 2b. Causal self-attention of the same sentence, the blocked cells hatched (docs/heatmap.md, "Masked cells").
echo "$words" | embed --dim 8 --seed 7 | attend --causal --attn "$tmp/causal.txt" > /dev/null
heatmap --causal --cell 36 --title "causal self-attention" -o "$out/heatmap-causal.png" "$tmp/causal.txt"

# 3. Four heads of the same sentence: a 4 x 6 x 6 tensor gives a grid of panels.
echo "$words" | embed --dim 16 --seed 8 | mha --heads 4 --attn "$tmp/heads.txt" > /dev/null
heatmap --cell 20 --title "four heads" -o "$out/heatmap-heads.png" "$tmp/heads.txt"

# 4. A corner of a long sequence: the self-attention of 512 random vectors, cropped.
tensor rand --shape 512x64 --seed 9 | attend --attn "$tmp/big.txt" > /dev/null
heatmap --cmap magma --rows :48 --cols :48 --cell 8 --title "512 x 512 cut to --rows :48 --cols :48" \
	-o "$out/heatmap-crop.png" "$tmp/big.txt"

# 5. docs/stages.md: intermediates of the Transformer run stage by stage, with the toy model of
# samples/models/en-fr.npz (tests/golden/make_transformer.py): one encoder layer's self-attention, and the generator's next-token
# distribution at every position of a teacher-forced translation, flattened by a temperature of 5.
M=samples/models/en-fr.npz
unzip -p $M src_vocab.npy | sed 1d > "$tmp/src_vocab.txt"
unzip -p $M tgt_vocab.npy | sed 1d > "$tmp/tgt_vocab.txt"
echo "the big cat sat on the mat" |
	embed --vocab "$tmp/src_vocab.txt" --eos --scale --dim 16 --weights $M --prefix src_embed. |
	posenc > "$tmp/x.txt"
mha --heads 2 --weights $M --prefix encoder.layers.0.self_attn. --attn "$tmp/attn.txt" "$tmp/x.txt" > /dev/null
heatmap --title "encoder layer 0: mha --attn" -o "$out/stages-attn.png" "$tmp/attn.txt"
encode --layers 2 --heads 2 --ff 32 --final-norm --weights $M --prefix encoder. "$tmp/x.txt" > "$tmp/memory.txt"
echo "<s> le grand chat est assis sur le tapis" |
	embed --vocab "$tmp/tgt_vocab.txt" --scale --dim 16 --weights $M --prefix tgt_embed. | posenc |
	decode --layers 2 --heads 2 --ff 32 --final-norm --weights $M --prefix decoder. --memory "$tmp/memory.txt" |
	linear --weights $M --prefix generator. --vocab "$tmp/tgt_vocab.txt" |
	tensor softmax --temperature 5 > "$tmp/next.txt"
heatmap --title "next token: tensor softmax --temperature 5" -o "$out/stages-next-token.png" "$tmp/next.txt"

# 6. Chinese tokens (a CJK font found by fontconfig draws them), as PNG and as SVG.
echo "我 爱 自然 语言 处理" | embed --dim 8 --seed 1 | attend --attn "$tmp/zh.txt" > /dev/null
heatmap --cell 40 --annotate --title "Aufmerksamkeit für Übersetzung" -o "$out/heatmap-zh.png" "$tmp/zh.txt"
heatmap --cell 40 --annotate --title "Aufmerksamkeit für Übersetzung" -o "$out/heatmap-zh.svg" "$tmp/zh.txt"

# 7. The interactive page of a translation's cross-attention (the toy model samples/models/en-fr.npz), and a
# screenshot of its head view, hovering "chat", when chromium is installed.
echo "the big cat sat on the mat" > "$tmp/en.txt"
decode --generate --weights $M --attn "$tmp/align.txt" "$tmp/en.txt" > /dev/null
heatmap --title "cross-attention" --html "$out/heatmap-align.html" "$tmp/align.txt"
heatmap --title "cross-attention" -o "$out/heatmap-align.png" "$tmp/align.txt"
heatmap --title "cross-attention" -o "$out/heatmap-align.svg" "$tmp/align.txt"
if command -v chromium > /dev/null; then
	sed 's|^start();$|start(); document.querySelectorAll(".tok.q")[2].dispatchEvent(new MouseEvent("mouseenter"));|' \
		"$out/heatmap-align.html" > "$tmp/hover.html"
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$tmp/profile" --window-size=760,260 \
		--screenshot="$out/heatmap-align-html.png" "file://$tmp/hover.html" 2> /dev/null
fi

# 8. Attention beyond sentences (docs/graph.md, docs/audio.md): the samples' own pictures, made in a copy.
cp -r samples "$tmp/samples"
(cd "$tmp" && sh samples/graph-attention.sh > /dev/null)
cp "$tmp/out/graph-attention.png" "$out/graph-attention.png"
(cd "$tmp" && sh samples/audio-attention.sh > /dev/null)
cp "$tmp/out/audio-attention.png" "$out/audio-attention.png"

ls -l "$out"

# 8. docs/vision.md: the sample picture four times larger (a weight-free overlay: --alpha 0), and the class
# token's attention over it, head by head, with the random weights of the page's commands.
embed --image samples/shapes.png --patch 8 --cls --dim 16 --seed 1 | posenc --learned --max-len 37 --seed 2 |
	mha --heads 4 --seed 3 --attn "$tmp/vit.txt" > /dev/null
heatmap --overlay samples/shapes.png --head 0 --alpha 0 --scale 4 -o "$out/vision-shapes.png" "$tmp/vit.txt"
heatmap --overlay samples/shapes.png --query cls --scale 4 -o "$out/vision-cls.png" "$tmp/vit.txt"
# and the class token of the classifier trained on the page (train --images), over a test picture
python3 samples/shapes.py --set "$tmp/train" --count 600 --size 32 --seed 1
python3 samples/shapes.py --set "$tmp/test" --count 60 --size 32 --seed 2
train --images "$tmp/train/labels.txt" --patch 8 --dim 32 --heads 4 --epochs 40 --batch-sentences 20 --lr 3e-3 \
	--log-every 1000 -o "$tmp/vit.npz" 2> /dev/null
embed --image "$tmp/test/002.png" --weights "$tmp/vit.npz" --prefix patch_embed. |
	posenc --learned --max-len 17 --weights "$tmp/vit.npz" --prefix pos_embed. |
	mha --heads 4 --weights "$tmp/vit.npz" --prefix attn. --attn "$tmp/trained.txt" > /dev/null
heatmap --overlay "$tmp/test/002.png" --query cls --scale 6 -o "$out/vision-trained.png" "$tmp/trained.txt"
