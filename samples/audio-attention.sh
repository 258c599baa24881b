#!/bin/sh
# SPDX-License-Identifier: MIT
# Attention over sound (docs/audio.md): a short sound made here, cut into frames of 25 ms, one vector per
# frame (its log-mel spectrum), and self-attention over the frames. The sound is a tone A (440 Hz),
# silence, a tone B (1000 Hz), silence, and A again: the frames of the second A attend to those of the
# first, half a second earlier, because they sound alike.
#
#   usage: sh samples/audio-attention.sh     (from the source folder or a copy of samples/; writes out/audio-*)
#
# out/audio-tones.wav     the sound: 8000 samples per second, 16-bit, mono, 0.52 s
# out/audio-frames.txt    embed --audio: 25 log-mel energies per frame of 25 ms, every 20 ms
# out/audio-weights.txt   the attention weights, frames x frames
# out/audio-out.txt       each frame's new vector
# out/audio-attention.png the weights as a heatmap
set -eu
mkdir -p out

# The WAV file, byte by byte: a 44-byte header (RIFF, "fmt " and "data" chunks, little-endian), then the
# samples as 16-bit integers. awk computes them and writes every byte as an octal escape for printf.
printf "$(awk -v rate=8000 'BEGIN {
	split("0.12 440 0.08 0 0.12 1000 0.08 0 0.12 440", part, " ")    # seconds, Hz (0: silence)
	for (p = 1; p < 10; p += 2)
		for (i = 0; i < int(part[p] * rate + 0.5); i++)
			sample[n++] = part[p + 1] ? int(9830 * sin(2 * 3.14159265358979 * part[p + 1] * i / rate)) : 0
	size = 2 * n
	ascii("82 73 70 70"); le(36 + size, 4); ascii("87 65 86 69")                # "RIFF" size "WAVE"
	ascii("102 109 116 32"); le(16, 4); le(1, 2); le(1, 2)                     # "fmt ": PCM, mono
	le(rate, 4); le(2 * rate, 4); le(2, 2); le(16, 2)                         # rate, bytes/s, 16 bits
	ascii("100 97 116 97"); le(size, 4)                                        # "data" size
	for (i = 0; i < n; i++)
		le(sample[i] < 0 ? sample[i] + 65536 : sample[i], 2)
}
function le(v, width,   k) { for (k = 0; k < width; k++) { printf "\\%03o", v % 256; v = int(v / 256) } }
function ascii(codes,   c, k, m) { m = split(codes, c, " "); for (k = 1; k <= m; k++) le(c[k], 1) }')" \
	> out/audio-tones.wav

# frames -> vectors: 25 ms windows every 20 ms, 25 mel filters (0 to 4000 Hz)
embed --audio out/audio-tones.wav --hop-ms 20 --mels 25 > out/audio-frames.txt
# d_model 32 (a random linear layer), LayerNorm, then self-attention by cosine similarity, sharpened
linear --out 32 --seed 1 out/audio-frames.txt | norm |
	attend --score cosine --temperature 0.1 --attn out/audio-weights.txt > out/audio-out.txt
heatmap --title "self-attention over 25 ms frames: A, silence, B, silence, A" -o out/audio-attention.png \
	out/audio-weights.txt
tensor info out/audio-frames.txt | head -2
