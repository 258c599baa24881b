/* SPDX-License-Identifier: MIT */
/* opts: the command-line layer: option codes, long-option tables, usage text and option handlers of every program. */
#ifndef PF_OPTS_H
#define PF_OPTS_H

#include <getopt.h>
#include <stdint.h>

#include "config.h"
#include "mask.h"
#include "params.h"
#include "rnn.h"
#include "sides.h"
#include "stream.h"
#include "transformer.h"

#ifndef PIPEFORMER_VERSION
#define PIPEFORMER_VERSION "0.1.0"
#endif
/* The backends --version names; the Makefile reads them off the libraries the programs link. */
#ifndef PIPEFORMER_BLAS
#define PIPEFORMER_BLAS "none"
#endif
#ifndef PIPEFORMER_FONTS
#define PIPEFORMER_FONTS "none (the built-in bitmap font)"
#endif

/* Long-option codes above any character. Programs number their own from OPT_PROGRAM. */
enum {
	OPT_NPY = 1000,
	OPT_DIGITS,
	OPT_WEIGHTS,
	OPT_SEED,
	OPT_SAVE_WEIGHTS,
	OPT_VERSION,
	OPT_THREADS,
	OPT_PROGRAM = 1100,
};

/* For a program's struct option table: output forms, help, version, threads; and the parameter options. */
#define OUTPUT_LONG_OPTIONS                                                                  \
	{ "binary", no_argument, NULL, 'b' }, { "npy", no_argument, NULL, OPT_NPY },          \
		{ "digits", required_argument, NULL, OPT_DIGITS },                             \
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, OPT_VERSION },  \
		{ "threads", required_argument, NULL, OPT_THREADS }
#define PARAM_LONG_OPTIONS                                                                   \
	{ "weights", required_argument, NULL, OPT_WEIGHTS },                                  \
		{ "seed", required_argument, NULL, OPT_SEED },                                 \
		{ "save-weights", required_argument, NULL, OPT_SAVE_WEIGHTS }
/* Their short forms for getopt_long's optstring. */
#define OUTPUT_SHORT_OPTIONS "bh"

/*
 * The help text every program ends with, one text for all: the output forms and --help and --version
 * and --threads (COMMON_USAGE), or --help and --version alone (HELP_USAGE), their descriptions at the
 * program's column:
 * pad is the spaces added to the narrowest column (19), e.g. COMMON_USAGE("     ") for column 24.
 */
#define HELP_USAGE(pad)                                                                      \
	"  -h, --help       " pad "this help\n"                                                  \
	"      --version    " pad "the version\n"
#define COMMON_USAGE(pad)                                                                    \
	"  -b, --binary     " pad "write the binary form\n"                                      \
	"      --npy        " pad "write .npy arrays\n"                                          \
	"      --digits N   " pad "round text output to N significant digits\n"                  \
	"      --threads N  " pad "threads to use (default: $PIPEFORMER_THREADS, else every online core)\n" \
	HELP_USAGE(pad)

typedef struct {
	WriteOptions out;
	ParamSource params;
} CommonOptions;

/* Defaults: text output, shortest digits, seed DEFAULT_SEED; threads from $PIPEFORMER_THREADS (lib/threads). */
void common_init(CommonOptions *o);
/*
 * Handle a shared option; returns 0 when c is not one. --help prints usage_text on stdout and
 * exits 0; --version prints the version and exits 0; '?' (getopt's error) exits 2.
 */
int common_option(CommonOptions *o, int c, const char *arg, const char *usage_text);

/*
 * getopt_long, and after an unknown long option ("--casual") a line "prog: did you mean --causal?"
 * when one of longopts is an edit or two away. Every program's option loop calls it.
 */
int options_next(int argc, char **argv, const char *shortopts, const struct option *longopts, int *index);
/* The name in longopts closest to arg ("--casual" -> "causal"), or NULL when none is near. */
const char *option_suggestion(const char *arg, const struct option *longopts);
/* The word of the NULL-terminated list words an edit or two from word (not equal to it), or NULL. */
const char *word_suggestion(const char *word, const char *const *words);

/* Numbers from the command line, range-checked: a bad one is a usage error naming the option. */
long parse_long(const char *s, const char *option, long min, long max);
double parse_double(const char *s, const char *option, double min, double max);
/* "X,Y,Z": 1 to max numbers, each as parse_double, into out; returns how many. */
size_t parse_doubles(const char *s, const char *option, double min, double max, double *out, size_t max_count);
uint64_t parse_seed(const char *s, const char *option);
/* "3x4x5" into shape; returns ndim (1 to 4). */
int parse_shape(const char *s, const char *option, size_t *shape);

/* ---- the mask options of the attention programs (lib/mask) -------------------------------------- */

/*
 * The three mask options every attention program takes, for its struct option table:
 *   { ..., MASK_LONG_OPTIONS, ... }   and in the getopt loop:   if (mask_option(&masks, c, optarg)) continue;
 * Their codes lie between the shared ones of opts.h (from 1000) and OPT_PROGRAM (1100).
 */
enum { MASK_OPT_FILE = 1050, MASK_OPT_ADDITIVE, MASK_OPT_NO_PAD };
#define MASK_LONG_OPTIONS                                                                    \
	{ "mask", required_argument, NULL, MASK_OPT_FILE },                                   \
		{ "additive-mask", required_argument, NULL, MASK_OPT_ADDITIVE },               \
		{ "no-pad-mask", no_argument, NULL, MASK_OPT_NO_PAD }
/* Handle --mask, --additive-mask, --no-pad-mask; returns 0 when c is none of them. */
int mask_option(MaskSource *m, int c, const char *arg);

/* ---- the side options of attend and mha (lib/sides) ------------------------------------------- */

/*
 * The side options of both attention programs, for its struct option table:
 *   { ..., SIDE_LONG_OPTIONS, ... }   and in the getopt loop:   if (side_option(&sides, c, optarg)) continue;
 * Their codes lie above the mask options of mask.h and below OPT_PROGRAM (1100).
 */
enum {
	SIDE_OPT_MEMORY = 1060,
	SIDE_OPT_KEYS,
	SIDE_OPT_VALUES,
	SIDE_OPT_CAUSAL,
	SIDE_OPT_ROPE,
	SIDE_OPT_ROPE_BASE,
	SIDE_OPT_OFFSET,
	SIDE_OPT_ATTN,
	SIDE_OPT_NORMALIZE,
};
#define SIDE_LONG_OPTIONS                                                                    \
	{ "memory", required_argument, NULL, SIDE_OPT_MEMORY },                               \
		{ "keys", required_argument, NULL, SIDE_OPT_KEYS },                            \
		{ "values", required_argument, NULL, SIDE_OPT_VALUES },                        \
		{ "causal", no_argument, NULL, SIDE_OPT_CAUSAL },                              \
		{ "rope", no_argument, NULL, SIDE_OPT_ROPE },                                  \
		{ "rope-base", required_argument, NULL, SIDE_OPT_ROPE_BASE },                  \
		{ "offset", required_argument, NULL, SIDE_OPT_OFFSET },                        \
		{ "attn", required_argument, NULL, SIDE_OPT_ATTN },                            \
		{ "normalize", required_argument, NULL, SIDE_OPT_NORMALIZE }
/* Handle the options of SIDE_LONG_OPTIONS; returns 0 when c is none of them. */
int side_option(Sides *s, int c, const char *arg);

/* ---- the options encode and decode share ------------------------------------------------------ */

/*
 * --arch, --layers, --heads, --ff, --activation, --norm-first, --final-norm, --eps, --final-eps, --norm: for a program's
 * getopt_long table (TRANSFORMER_LONG_OPTIONS), its usage text (TRANSFORMER_USAGE) and its option loop
 * (transformer_option). Codes from OPT_PROGRAM + 100, above any program's own.
 */
enum {
	TRANSFORMER_OPT_ARCH = OPT_PROGRAM + 100,
	TRANSFORMER_OPT_LAYERS,
	TRANSFORMER_OPT_HEADS,
	TRANSFORMER_OPT_FF,
	TRANSFORMER_OPT_ACTIVATION,
	TRANSFORMER_OPT_NORM_FIRST,
	TRANSFORMER_OPT_FINAL_NORM,
	TRANSFORMER_OPT_EPS,
	TRANSFORMER_OPT_NORM,
	TRANSFORMER_OPT_FINAL_EPS,
};

#define TRANSFORMER_LONG_OPTIONS                                                                        \
	{ "arch", required_argument, NULL, TRANSFORMER_OPT_ARCH }, { "layers", required_argument, NULL, TRANSFORMER_OPT_LAYERS },   \
		{ "heads", required_argument, NULL, TRANSFORMER_OPT_HEADS }, { "ff", required_argument, NULL, TRANSFORMER_OPT_FF }, \
		{ "activation", required_argument, NULL, TRANSFORMER_OPT_ACTIVATION },                           \
		{ "norm-first", no_argument, NULL, TRANSFORMER_OPT_NORM_FIRST },                                 \
		{ "final-norm", no_argument, NULL, TRANSFORMER_OPT_FINAL_NORM },                                 \
		{ "eps", required_argument, NULL, TRANSFORMER_OPT_EPS },                                         \
		{ "norm", required_argument, NULL, TRANSFORMER_OPT_NORM },                                       \
		{ "final-eps", required_argument, NULL, TRANSFORMER_OPT_FINAL_EPS }

#define TRANSFORMER_USAGE                                                                                   \
	"      --arch A            transformer (the default), rnn, gru or lstm (docs/rnn-seq2seq.md)\n"     \
	"      --layers N          layers (default 6, the paper's)\n"                                             \
	"      --heads H           attention heads; d_model must be divisible by H (default 8)\n"                 \
	"      --ff F              feed-forward width d_ff (default 4 d_model, the paper's 2048 / 512)\n"         \
	"      --activation A      relu (the paper's, default) or gelu\n"                                         \
	"      --norm-first        pre-norm: x + Sublayer(LayerNorm(x)); default post-norm LayerNorm(x + Sublayer(x))\n" \
	"      --final-norm        a LayerNorm after the last layer (parameters norm.weight, norm.bias)\n"        \
	"      --eps X             LayerNorm's epsilon (default 1e-5)\n"                                          \
	"      --final-eps X       the final norm's epsilon (default: --eps)\n"                                  \
	"      --norm N            torch (nn.LayerNorm, default) or annotated (the Annotated Transformer's:\n"    \
	"                          (x - mean) / (unbiased std + eps), eps outside the square root)\n"

/*
 * Handle one shared option into cfg; when settings is not NULL, also record it there as given on the
 * command line (decode --generate checks it against the archive). Returns 0 when c is not one of them.
 */
int transformer_option(TransformerConfig *cfg, ModelConfig *settings, int c, const char *arg);

/* ---- the options of encode / decode --arch rnn|gru|lstm ------------------------------------------ */

/* What encode --arch rnn|gru|lstm does with each sequence. */
typedef struct {
	RnnKind kind;
	size_t hidden;       /* H; 0 = the input width I */
	size_t layers;       /* L >= 1 */
	bool bidirectional;  /* D = 2 */
	bool last;           /* write the top layer's final state [h_T->; h_1<-] (1 x D*H) only */
	bool over_time;      /* the LSTM + attention over time of a Keras recipe (one LSTM layer, one direction) */
} RnnEncodeOptions;

/* What decode --arch rnn|gru|lstm does with each sequence. */
typedef struct {
	RnnKind kind;
	size_t hidden;       /* H; 0 = the memory width Dm */
	size_t attn_hidden;  /* Hd of the additive score; 0 = H */
	ScoreKind score;     /* SCORE_ADDITIVE, SCORE_GENERAL or SCORE_DOT */
	bool init_zeros;     /* s_0 = 0; else the last row of the memory */
	size_t explain;      /* --explain: the first N steps on stderr (0 = none) */
} RnnDecodeOptions;

/*
 * For a program's getopt_long table (RNN_ENCODE_LONG_OPTIONS, RNN_DECODE_LONG_OPTIONS), usage text
 * (RNN_ENCODE_USAGE, RNN_DECODE_USAGE) and option loop (rnn_encode_option, rnn_decode_option).
 * Codes from OPT_PROGRAM + 200, above the program's own and the Transformer's. --arch and --layers
 * are the Transformer's options (lib/transformer.h); a program gives their values to these structs.
 */
enum {
	RNN_OPT_HIDDEN = OPT_PROGRAM + 200,
	RNN_OPT_BIDIRECTIONAL,
	RNN_OPT_LAST,
	RNN_OPT_OVER_TIME,
	RNN_OPT_SCORE,
	RNN_OPT_ATTN_HIDDEN,
	RNN_OPT_INIT,
	RNN_OPT_EXPLAIN,
};

#define RNN_ENCODE_LONG_OPTIONS                                                                 \
	{ "hidden", required_argument, NULL, RNN_OPT_HIDDEN },                                   \
		{ "bidirectional", no_argument, NULL, RNN_OPT_BIDIRECTIONAL },                   \
		{ "last", no_argument, NULL, RNN_OPT_LAST },                                     \
		{ "over-time", no_argument, NULL, RNN_OPT_OVER_TIME }
#define RNN_DECODE_LONG_OPTIONS                                                                 \
	{ "hidden", required_argument, NULL, RNN_OPT_HIDDEN },                                   \
		{ "score", required_argument, NULL, RNN_OPT_SCORE },                             \
		{ "attn-hidden", required_argument, NULL, RNN_OPT_ATTN_HIDDEN },                 \
		{ "init", required_argument, NULL, RNN_OPT_INIT },                               \
		{ "explain", optional_argument, NULL, RNN_OPT_EXPLAIN }

#define RNN_ENCODE_USAGE                                                                                     \
	"      --hidden H          rnn: the state width (default E)\n"                                           \
	"      --bidirectional     rnn: a backward pass too; each row is [forward; backward] (D = 2)\n"          \
	"      --last              rnn: only the final state [h_T->; h_1<-], the plain seq2seq's context vector\n" \
	"      --over-time         rnn: attention over time (a Keras recipe): a softmax over the positions of a\n" \
	"                          dense layer (over_time.weight), times the LSTM's outputs; --attn FILE\n" \
	"                          writes its weights (T x H)\n"
#define RNN_DECODE_USAGE                                                                                     \
	"      --hidden H          rnn: the state width (default: the memory's width)\n"                         \
	"      --score F           rnn: additive (Bahdanau, default), general or dot (Luong)\n"                  \
	"      --attn-hidden Hd    rnn: the additive score's width (default H)\n"                                \
	"      --init I            rnn: s_0 = the memory's last row (last, default) or zeros\n"                  \
	"      --explain[=N]       on stderr: rnn: s_{t-1}, scores, weights and context of the first N steps\n" \
	"                          (default 2; --attn FILE writes the alignment, T x S); transformer: every\n" \
	"                          step of every layer and the first N rows of what it computed\n"

/*
 * Handle one option into o; returns 0 when c is not one of them. rnn_decode_option also records it in
 * settings (NULL = not wanted) as decoder_hidden, score, attn_hidden or init, as given on the command line.
 */
int rnn_encode_option(RnnEncodeOptions *o, int c, const char *arg);
int rnn_decode_option(RnnDecodeOptions *o, ModelConfig *settings, int c, const char *arg);

/* ---- the options of the stage programs (linear, norm, ffn) ---------------------------------------- */

/* Codes above the programs' own and the Transformer's. */
enum { STAGE_OPT_EXPLAIN = OPT_PROGRAM + 200, STAGE_OPT_PREFIX };

#define STAGE_LONG_OPTIONS                                                                   \
	{ "explain", optional_argument, NULL, STAGE_OPT_EXPLAIN },                           \
		{ "prefix", required_argument, NULL, STAGE_OPT_PREFIX }

/*
 * --explain[=N] into *explain_rows (N rows, default 2) and --prefix P into o->params (P's other
 * entries are then allowed: a stage reads one piece of a larger model). Returns 0 for other options.
 * A program with an --explain of its own passes explain_rows NULL and takes only --prefix from here.
 */
int stage_option(CommonOptions *o, size_t *explain_rows, int c, const char *arg);
/* The one input file after the options (default "-"); more is a usage error. */
const char *stage_input(int argc, char **argv, int optind_);

#endif
