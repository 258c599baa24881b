# SPDX-License-Identifier: MIT
# The whole Transformer: the pipeline by hand (embed | posenc | encode, then decode), and translation
# with the toy English-to-French model samples/models/en-fr.npz (tests/golden/make_transformer.py trains it
# in torch); its source vocabulary is the text of the archive's src_vocab entry.
set -eu
M=samples/models/en-fr.npz
unzip -p $M src_vocab.npy | sed 1d > out/src_vocab.txt

# 1. By hand, with random weights: the encoder's memory, then the decoder teacher-forced on a target
echo "the cat sat on the mat" | embed --dim 16 | posenc |
	encode --layers 2 --heads 2 --attn out/encoder-attn.txt > out/memory.txt
echo "<s> le chat" | embed --dim 16 --seed 2 | posenc |
	decode --layers 2 --heads 2 --memory out/memory.txt --attn out/decoder-cross.txt > out/decoded.txt
tensor info out/memory.txt out/decoded.txt

# 2. The same pipeline with the trained model's weights: the memory decode --generate computes inside
#    (tests/pipelines.bats checks it against torch's encoder output)
echo "the big cat sat on the mat" |
	embed --vocab out/src_vocab.txt --eos --scale --dim 16 --weights $M --prefix src_embed. | posenc |
	encode --layers 2 --heads 2 --ff 32 --final-norm --prefix encoder. --weights $M > out/model-memory.txt
tensor info out/model-memory.txt

# 3. Translation: greedy, then beam search, with the alignment of the first sentence
printf 'the big cat sat on the mat\na dog ran under the small sofa\n' > out/english.txt
decode --generate --weights $M out/english.txt
decode --generate --weights $M --beam 4 --length-penalty 0.6 \
	--attn out/alignment.txt --scores out/scores.txt out/english.txt
tensor --digits 2 out/alignment.txt
heatmap -o out/alignment-%d.png < out/alignment.txt
echo "alignment pictures (one per sentence): out/alignment-*.png"
