# SPDX-License-Identifier: MIT
# Pictures in any language: Chinese, French and Vietnamese sentences (DejaVu Sans draws the Latin letters
# and their accents, a CJK font found by fontconfig the Chinese characters), and a 64-token sentence at
# --font-size 14, each as PNG, SVG and HTML.
set -eu
# sentence NAME TITLE WORDS...: self-attention weights of the words, drawn three ways
sentence() {
	name=$1 title=$2
	shift 2
	echo "$*" | embed --dim 16 --seed 1 | posenc | attend --attn "out/lang-$name.txt" > /dev/null
	heatmap --annotate --cell 44 --title "$title" -o "out/lang-$name.png" "out/lang-$name.txt"
	heatmap --annotate --cell 44 --title "$title" -o "out/lang-$name.svg" "out/lang-$name.txt"
	heatmap --title "$title" --html "out/lang-$name.html" "out/lang-$name.txt"
	echo "out/lang-$name.png, .svg, .html: $*"
}
sentence zh "自注意力 (self-attention)" 我 爱 自然 语言 处理
sentence fr "Attention en français" le chat s\'est assis sur le tapis très confortablement
sentence vi "Chú ý trong tiếng Việt" Tôi yêu xử lý ngôn ngữ tự nhiên
# 64 tokens: every label is written (cells of 32 pixels hold a line of 14-pixel text).
words="la traduction automatique neuronale apprend à aligner chaque mot de la phrase source avec les mots
de la phrase cible ; le mécanisme d'attention calcule pour chaque position une distribution de poids sur
toutes les positions de l'entrée , et le modèle Transformer n'utilise que ce mécanisme , sans récurrence ni
convolution , ce qui permet d'entraîner des modèles très grands en parallèle sur de longues séquences"
echo $words | cut -d" " -f 1-64 | embed --dim 32 --seed 3 | posenc | attend --attn out/lang-long.txt > /dev/null
tensor info out/lang-long.txt | grep ' #0'
heatmap --font-size 14 --title "64 tokens at --font-size 14" -o out/lang-long.png out/lang-long.txt
heatmap --font-size 14 --title "64 tokens at --font-size 14" -o out/lang-long.svg out/lang-long.txt
heatmap --title "64 tokens" --html out/lang-long.html out/lang-long.txt
