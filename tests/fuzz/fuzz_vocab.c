/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for vocabularies and tokenising: the input's first line picks the options
 * (--chars, --ids, --bos, --eos, --pad-to), the next lines up to an empty one are a vocabulary file,
 * the rest are text to tokenise with it (and to build a vocabulary from, as embed does). Any bytes
 * must give sequences or one clean error, never a crash.
 */
#include <stdio.h>

#include "harness.h"
#include "vocab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[65536 + 1];
	char *vocab_text, *lines, *line, *save = NULL;
	TokenizeOptions o = { 0 };
	Vocab *v, *counted, *built;
	bool failed;

	if (size < 1 || size > sizeof(text) - 1 || memchr(data, '\0', size))
		return 0; /* files with NUL bytes are refused before they reach these functions */
	memcpy(text, data, size);
	text[size] = '\0';
	o.chars = text[0] & 1;
	o.ids = text[0] & 2;
	o.bos = text[0] & 4;
	o.eos = text[0] & 8;
	o.pad_to = (text[0] & 16) ? (size_t)(text[0] >> 5) : 0;
	vocab_text = text + 1;
	lines = strstr(vocab_text, "\n\n");
	if (lines == NULL)
		return 0;
	*lines = '\0';
	lines += 2;
	fuzz_begin();
	failed = setjmp(fuzz_on_error) != 0;
	if (!failed) {
		v = vocab_parse(vocab_text, "fuzz vocabulary");
		counted = vocab_new();
		for (line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			Sequence s;
			char **tokens;
			size_t n = tokenize(&tokens, line, o.chars);
			labels_free(tokens, n);
			vocab_count_line(counted, line, o.chars);
			sequence_encode(&s, v, line, &o, "fuzz: line");
			for (size_t i = 0; i < s.len; i++)
				if (s.ids[i] >= v->count || strcmp(s.tokens[i], vocab_token(v, s.ids[i])) != 0)
					abort(); /* an id outside the vocabulary, or a label that is not its token */
			sequence_free(&s);
		}
		built = vocab_by_frequency(counted);
		vocab_free(built);
		vocab_free(counted);
		vocab_free(v);
	}
	fuzz_end(failed);
	return 0;
}
