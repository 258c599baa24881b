# SPDX-License-Identifier: MIT
# heatmap: pictures of what the earlier steps wrote into out/, and of a signed table, each as a PNG, an
# SVG (the same picture, its text selectable) and an interactive HTML page (head view and matrix view).
set -eu
# draw FILE [OPTION...]: out/NAME.png, .svg and .html for FILE out/NAME.txt, or NAME-0.png ... for a
# stream of several tensors (one sentence each)
draw() {
	f=$1
	shift
	n=$(tensor info "$f" | grep -c ' #[0-9]*: ')
	base=${f%.txt}
	[ "$n" -gt 1 ] && base=$base-%d
	heatmap "$@" -o "$base.png" "$f"
	heatmap "$@" -o "$base.svg" "$f"
	heatmap --html "$base.html" "$f"
	echo "$f: $n tensor(s) drawn as $base.png, .svg and .html"
}
# Attention weights (attend's, mha's heads, the encoder's layers x heads, the translation's alignment)
# and positional-encoding tables, when earlier steps made them.
for f in out/*.attn.txt out/attend-weights.txt out/mha-heads.txt out/encoder-attn.txt out/alignment.txt \
	out/posenc-table*.txt; do
	[ -e "$f" ] || continue
	draw "$f"
done
# A table of signed values (the kind embed and posenc add up) gets the diverging map, 0 in the middle.
tensor rand --shape 32x16 --seed 1 > out/signed-table.txt
draw out/signed-table.txt --title "32 x 16 signed values"
# Four heads of 6 x 6 random values, as a grid of panels.
tensor rand --shape 4x6x6 --seed 2 --dist uniform > out/four-heads.txt
draw out/four-heads.txt --cell 16
# A look in the terminal, without an image viewer.
heatmap --ansi --rows :6 out/signed-table.txt
ls out/*.png out/*.svg out/*.html
