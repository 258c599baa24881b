/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for option parsing: the input, split at NUL and newline bytes, is a command line
 * for the option handlers every program shares (lib/opts: output forms, parameters, masks, sides, the
 * Transformer's and the RNN's options) and the number parsers. Any command line must be taken or
 * refused with a usage error (exit 2), never crash. --help and --version leave through exit(0).
 */
#include <getopt.h>
#include <stdio.h>

#include "config.h"
#include "harness.h"
#include "mask.h"
#include "opts.h"
#include "sides.h"
#include "transformer.h"

#define MAX_ARGS 64

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS, PARAM_LONG_OPTIONS, MASK_LONG_OPTIONS, SIDE_LONG_OPTIONS, TRANSFORMER_LONG_OPTIONS,
	RNN_ENCODE_LONG_OPTIONS, RNN_DECODE_LONG_OPTIONS, { NULL, 0, NULL, 0 },
};

/* the arguments stay in one static buffer: a pointer kept past an input still points at bytes */
static char args[4096 + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2] = { "fuzz" };
	int argc = 1, c;
	CommonOptions common;
	MaskSource masks;
	Sides sides;
	TransformerConfig cfg;
	RnnEncodeOptions enc = { 0 };
	RnnDecodeOptions dec = { 0 };
	ModelConfig settings = { 0 };
	bool failed;

	if (size > sizeof(args) - 1)
		return 0;
	memcpy(args, data, size);
	args[size] = '\0';
	for (char *p = args; p < args + size && argc <= MAX_ARGS;) {
		size_t n = strcspn(p, "\n");
		p[n] = '\0';
		argv[argc++] = p;
		p += n + 1;
	}
	argv[argc] = NULL;
	if (stdout != NULL && freopen("/dev/null", "w", stdout) == NULL)
		return 0;
	fuzz_begin();
	failed = setjmp(fuzz_on_error) != 0;
	if (!failed) {
		common_init(&common);
		mask_init(&masks);
		sides_init(&sides);
		transformer_defaults(&cfg);
		optind = 0; /* glibc: start over */
		opterr = 0;
		while ((c = getopt_long(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
			if (common_option(&common, c, optarg, "usage: fuzz\n") || mask_option(&masks, c, optarg) ||
			    side_option(&sides, c, optarg) || transformer_option(&cfg, &settings, c, optarg) ||
			    rnn_encode_option(&enc, c, optarg) || rnn_decode_option(&dec, &settings, c, optarg))
				continue;
		}
		/* the operands through the number parsers, chosen by their first byte */
		for (int i = optind; i < argc; i++) {
			size_t shape[TENSOR_MAX_DIMS];
			switch ((unsigned char)argv[i][0] % 4) {
			case 0:
				parse_shape(argv[i], "--shape", shape);
				break;
			case 1:
				parse_long(argv[i], "--count", -5, 1000000);
				break;
			case 2:
				parse_double(argv[i], "--eps", 0, 1e300);
				break;
			default:
				parse_seed(argv[i], "--seed");
			}
		}
	}
	config_free(&settings);
	fuzz_end(failed);
	return 0;
}
