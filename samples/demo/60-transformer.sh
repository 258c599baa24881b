# SPDX-License-Identifier: MIT
# The whole Transformer: the pipeline by hand (embed | posenc | encode, then decode), and translation
# with the toy English-to-French model that tests/golden/make_transformer.py trains in torch.
set -eu
M=tests/golden/transformer

# 1. By hand, with random weights: the encoder's memory, then the decoder teacher-forced on a target
echo "the cat sat on the mat" | embed --dim 16 | posenc |
	encode --layers 2 --heads 2 --attn out/encoder-attn.txt > out/memory.txt
echo "<s> le chat" | embed --dim 16 --seed 2 | posenc |
	decode --layers 2 --heads 2 --memory out/memory.txt --attn out/decoder-cross.txt > out/decoded.txt
tensor info out/memory.txt out/decoded.txt

# 2. The same pipeline with the trained model's weights gives torch's encoder output
echo "the big cat sat on the mat" |
	embed --vocab $M/src_vocab.txt --eos --scale --dim 16 --weights $M/src_embed.npz | posenc |
	encode --layers 2 --heads 2 --ff 32 --final-norm --prefix encoder. --weights $M/model.npz > out/model-memory.txt
tensor diff --atol 1e-4 out/model-memory.txt $M/model_memory.txt

# 3. Translation: greedy, then beam search, with the alignment of the first sentence
printf 'the big cat sat on the mat\na dog ran under the small sofa\n' > out/english.txt
decode --generate --weights $M/model.npz out/english.txt
decode --generate --weights $M/model.npz --beam 4 --length-penalty 0.6 \
	--attn out/alignment.txt --scores out/scores.txt out/english.txt
tensor --digits 2 out/alignment.txt
heatmap -o out/alignment-%d.png < out/alignment.txt
echo "alignment pictures (one per sentence): out/alignment-*.png"
