#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# embed --image: a PNG as a sequence of patch embeddings (the Vision Transformer's nn.Conv2d(C, E, P, stride=P)).
# The pictures, weights and outputs come from tests/golden/make_vision.py (torch 1.13).
load helpers

setup() {
	TMP="$BATS_TEST_TMPDIR"
	V="$GOLDEN/vision"
}

@test "embed --image: RGB, 8 bits, equals torch's Conv2d patch embedding" {
	embed --image "$V/rgb8.png" --weights "$V/rgb8.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/rgb8.txt"
}

@test "embed --image: --cls puts the class token first, labelled cls, as torch.cat" {
	embed --image "$V/rgb8.png" --cls --weights "$V/rgb8-cls.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/rgb8-cls.txt"
	grep -q '^#rows cls p0_0 p0_1 p0_2 p1_0 p1_1 p1_2$' "$TMP/out.txt"
}

@test "embed --image: weights holding cls_token bring the class token without --cls" {
	embed --image "$V/rgb8.png" --weights "$V/rgb8-cls.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/rgb8-cls.txt"
}

@test "embed --image: gray, 16 bits, scaled by 65535" {
	embed --image "$V/gray16.png" --weights "$V/gray16.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/gray16.txt"
}

@test "embed --image: gray and alpha are two channels" {
	embed --image "$V/graya8.png" --weights "$V/graya8.npz" --cls > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/graya8.txt"
}

@test "embed --image: RGBA, 16 bits, four channels" {
	embed --image "$V/rgba16.png" --weights "$V/rgba16.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/rgba16.txt"
}

@test "embed --image: a palette picture reads as the RGB of its entries" {
	embed --image "$V/palette.png" --weights "$V/palette.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/palette.txt"
}

@test "embed --image: 4-bit gray reads as 8 bits (v * 17 / 255)" {
	embed --image "$V/gray4.png" --weights "$V/gray4.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/gray4.txt"
}

@test "embed --image: --mean and --std normalise each channel first (torchvision's Normalize)" {
	embed --image "$V/rgb8.png" --weights "$V/rgb8-norm.npz" --mean 0.5,0.4,0.3 --std 0.2,0.25,0.3 > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/rgb8-norm.txt"
}

@test "embed --image: one --mean and --std value serves every channel" {
	embed --image "$V/rgb8.png" --weights "$V/rgb8.npz" --mean 0.5 --std 0.5 > "$TMP/one.txt"
	embed --image "$V/rgb8.png" --weights "$V/rgb8.npz" --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 > "$TMP/three.txt"
	cmp "$TMP/one.txt" "$TMP/three.txt"
	! cmp -s "$TMP/one.txt" "$V/rgb8.txt"
}

@test "embed --image: patches in row-major order, labelled p<row>_<column>" {
	# patch (i, j) of order.png is filled with 10 (3 i + j) + 5; the weights take each patch's mean
	run embed --image "$V/order.png" --weights "$V/order.npz"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "#rows p0_0 p0_1 p0_2 p1_0 p1_1 p1_2" ]
	for n in 0 1 2 3 4 5; do
		awk -v got="${lines[$((n + 2))]}" -v n=$n 'BEGIN { want = (10 * n + 5) / 255; d = got - want; exit !(d < 1e-6 && d > -1e-6) }'
	done
}

@test "embed --image: --crop drops the right and bottom pixels that fill no patch" {
	embed --image "$V/odd.png" --weights "$V/odd-crop.npz" --crop > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/odd-crop.txt"
}

@test "embed --image: sides that are not multiples of the patch are an error without --crop" {
	run embed --image "$V/odd.png" --patch 4
	assert_fails 1 "embed: .*odd.png: 10 x 7 pixels do not cut into 4 x 4 patches \(2 columns and 3 rows left over; --crop drops them\)"
	[ -z "$(embed --image "$V/odd.png" --patch 4 2>/dev/null)" ]
}

@test "embed --image: a picture smaller than one patch is an error, even with --crop" {
	run embed --image "$V/rgba16.png" --patch 5 --crop
	assert_fails 1 "rgba16.png: 4 x 4 pixels is smaller than one patch of 5 x 5"
}

@test "embed --image: a truncated PNG is an error that says so" {
	run embed --image "$V/truncated.png" --patch 4
	assert_fails 1 "embed: .*truncated.png: truncated PNG: the file ends before the image does"
}

@test "embed --image: a file that is not a PNG is an error" {
	run embed --image "$V/not-a-png.png" --patch 4
	assert_fails 1 "not-a-png.png: not a PNG file \(it does not start with the PNG signature\)"
}

@test "embed --image: a damaged PNG (corrupt pixel data) is an error naming libpng's complaint" {
	cp "$V/rgb8.png" "$TMP/bad.png"
	printf 'XX' | dd of="$TMP/bad.png" bs=1 seek=50 conv=notrunc 2>/dev/null   # two bytes of the IDAT data
	run embed --image "$TMP/bad.png" --patch 4
	assert_fails 1 "bad.png: damaged PNG: "
}

@test "embed --image: a missing file is an error naming it" {
	run embed --image "$TMP/nothing.png" --patch 4
	assert_fails 1 "nothing.png: No such file or directory"
}

@test "embed --image: - reads the picture from stdin" {
	embed --image - --weights "$V/rgb8.npz" < "$V/rgb8.png" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$V/rgb8.txt"
}

@test "embed --image: several --image give one tensor each" {
	embed --image "$V/rgb8.png" --image "$V/rgb8.png" --weights "$V/rgb8.npz" > "$TMP/out.txt"
	[ "$(grep -c '^#tensor 6 6$' "$TMP/out.txt")" -eq 2 ]
}

@test "embed --image: pictures of different channel counts in one run are an error" {
	run embed --image "$V/rgb8.png" --image "$V/gray4.png" --patch 2
	assert_fails 1 "gray4.png: 1 channels, the first picture has 3"
}

@test "embed --image: --seed gives Conv2d's init: weight and bias within 1/sqrt(C P P), cls_token zeros" {
	embed --image "$V/rgb8.png" --patch 4 --dim 8 --cls --seed 3 --save-weights "$TMP/w.npz" > /dev/null
	tensor get "$TMP/w.npz" proj.weight > "$TMP/weight.txt"
	tensor get "$TMP/w.npz" proj.bias > "$TMP/bias.txt"
	tensor get "$TMP/w.npz" cls_token > "$TMP/cls.txt"
	grep -q '^#tensor 8 3 4 4$' "$TMP/weight.txt"
	grep -q '^#tensor 8$' "$TMP/bias.txt"
	grep -q '^#tensor 1 1 8$' "$TMP/cls.txt"
	# bound 1/sqrt(48) = 0.1443: every value inside, the largest near it
	awk '!/^#/ { for (i = 1; i <= NF; i++) { a = $i < 0 ? -$i : $i; if (a > m) m = a } }
	     END { exit !(m <= 0.14434 && m > 0.12) }' "$TMP/weight.txt"
	awk '!/^#/ { for (i = 1; i <= NF; i++) if ($i > 0.14434 || $i < -0.14434) exit 1 }' "$TMP/bias.txt"
	awk '!/^#/ { for (i = 1; i <= NF; i++) if ($i != 0) exit 1 }' "$TMP/cls.txt"
}

@test "embed --image: --save-weights then --weights gives the same numbers, and the shapes come from them" {
	embed --image "$V/rgb8.png" --patch 4 --dim 5 --seed 7 --save-weights "$TMP/w.npz" > "$TMP/a.txt"
	embed --image "$V/rgb8.png" --weights "$TMP/w.npz" > "$TMP/b.txt"
	cmp "$TMP/a.txt" "$TMP/b.txt"
	embed --image "$V/rgb8.png" --patch 4 --dim 5 --seed 8 > "$TMP/c.txt"
	! cmp -s "$TMP/a.txt" "$TMP/c.txt"
}

@test "embed --image: weights for another number of channels are an error naming both" {
	run embed --image "$V/gray4.png" --weights "$V/rgb8.npz"
	assert_fails 1 "rgb8.npz: proj.weight takes pictures of 3 channels, .*gray4.png has 1"
}

@test "embed --image: --patch other than the weights' is an error about proj.weight's shape" {
	run embed --image "$V/rgb8.png" --patch 2 --weights "$V/rgb8.npz"
	assert_fails 1 "parameter proj.weight has shape 6x3x4x4, expected 6x3x2x2"
}

@test "embed --image: no --patch and no weights to take it from is a usage error" {
	run embed --image "$V/rgb8.png"
	assert_fails 2 "--image needs --patch P"
}

@test "embed --image: text options do not go with --image" {
	run embed --image "$V/rgb8.png" --patch 4 --vocab "$GOLDEN/embed-vocab.txt"
	assert_fails 2 "--image reads pictures: no text FILEs or text options"
	run embed --patch 4 <<< "the cat"
	assert_fails 2 "--patch, --crop, --cls, --mean and --std go with --image"
}

@test "embed --image: --mean with a count that is neither one nor the channels is an error" {
	run embed --image "$V/rgb8.png" --patch 4 --mean 0.5,0.5
	assert_fails 1 "rgb8.png: 3 channels, but --mean or --std gives 2 values"
	run embed --image "$V/rgb8.png" --patch 4 --std 0
	assert_fails 2 "--std: 0 is out of range"
}
