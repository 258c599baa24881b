# heatmap: pictures of what the earlier steps wrote into out/, and of a signed table.
set -eu
# Attention weights (attend's, any --attn file) and positional-encoding tables, when earlier steps
# made them (step 40 draws mha's heads itself): one image per file, or one per tensor of a stream.
for f in out/*.attn.txt out/attend-weights.txt out/posenc-table*.txt; do
	[ -e "$f" ] || continue
	n=$(tensor info "$f" | grep -c ' #[0-9]*: ')
	if [ "$n" -gt 1 ]; then
		heatmap -o "${f%.txt}-%d.png" "$f"
	else
		heatmap -o "${f%.txt}.png" "$f"
	fi
	echo "$f: $n tensor(s) drawn"
done
# A table of signed values (the kind embed and posenc add up) gets the diverging map, 0 in the middle.
tensor rand --shape 32x16 --seed 1 > out/signed-table.txt
heatmap --title "32 x 16 signed values" -o out/signed-table.png out/signed-table.txt
# Four heads of 6 x 6 random values, as a grid of panels.
tensor rand --shape 4x6x6 --seed 2 --dist uniform > out/four-heads.txt
heatmap --cell 16 -o out/four-heads.png out/four-heads.txt
# A look in the terminal, without an image viewer.
heatmap --ansi --rows :6 out/signed-table.txt
ls out/*.png
