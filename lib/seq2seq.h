/* seq2seq: the recurrent encoder and attention decoder over tensor streams (encode / decode --arch rnn|gru|lstm). */
#ifndef PF_SEQ2SEQ_H
#define PF_SEQ2SEQ_H

#include <stdbool.h>
#include <stdio.h>

#include "opts.h"
#include "params.h"
#include "rnn.h"
#include "stream.h"
#include "config.h"

/* T = positions of a sequence, I = input width, H = hidden size, D = directions, S = encoder positions */

typedef struct {
	RnnKind kind;
	size_t hidden;       /* H; 0 = the input width I */
	size_t layers;       /* L >= 1 */
	bool bidirectional;  /* D = 2 */
	bool last;           /* write the top layer's final state [h_T->; h_1<-] (1 x D*H) only */
	bool over_time;      /* the seeds' LSTM + attention over time (one LSTM layer, one direction) */
} RnnEncodeOptions;

/*
 * The combinations rnn_encode_stream refuses, as a usage message (NULL when o is valid).
 * with_attn: the caller asks for the --over-time weights.
 */
const char *rnn_encode_invalid(const RnnEncodeOptions *o, bool with_attn);

/*
 * Every tensor of in (x, T x I) becomes one tensor on out (the states, T x D*H, rows labelled as x).
 * Parameters are declared when the first tensor gives I (and T for --over-time), then filled from
 * source. attn (NULL = not wanted) receives the --over-time weights (T x D*H). Dies on bad input.
 */
void rnn_encode_stream(StreamReader *in, FILE *out, StreamWriter *attn, const RnnEncodeOptions *o,
		       const ParamSource *source, const WriteOptions *wo);

typedef struct {
	RnnKind kind;
	size_t hidden;       /* H; 0 = the memory width Dm */
	size_t attn_hidden;  /* Hd of the additive score; 0 = H */
	ScoreKind score;     /* SCORE_ADDITIVE, SCORE_GENERAL or SCORE_DOT */
	bool init_zeros;     /* s_0 = 0; else the last row of the memory */
	size_t explain;      /* --explain: the first N steps on stderr (0 = none) */
} RnnDecodeOptions;

/*
 * Teacher forcing: every tensor of in (y_0 .. y_{T-1}, T x E) is decoded against the next tensor of
 * memory (h_1 .. h_S, S x Dm), or against its only tensor when it holds one; out receives o_1 .. o_T (T x H, rows labelled as y), attn (NULL = not
 * wanted) the alignment (T x S, rows labelled as y, columns as the memory's rows).
 */
void rnn_decode_stream(StreamReader *in, StreamReader *memory, FILE *out, StreamWriter *attn,
		       const RnnDecodeOptions *o, const ParamSource *source, const WriteOptions *wo);

/* ---- the options of encode / decode --arch rnn|gru|lstm ------------------------------------------ */

/*
 * For a program's getopt_long table (RNN_ENCODE_LONG_OPTIONS, RNN_DECODE_LONG_OPTIONS), usage text
 * (RNN_ENCODE_USAGE, RNN_DECODE_USAGE) and option loop (rnn_encode_option, rnn_decode_option).
 * Codes from OPT_PROGRAM + 200, above the program's own and the Transformer's. --arch and --layers
 * are the Transformer's options (lib/transformer.h); a program gives their values to these structs.
 */
enum {
	OPT_RNN_HIDDEN = OPT_PROGRAM + 200,
	OPT_RNN_BIDIRECTIONAL,
	OPT_RNN_LAST,
	OPT_RNN_OVER_TIME,
	OPT_RNN_SCORE,
	OPT_RNN_ATTN_HIDDEN,
	OPT_RNN_INIT,
	OPT_RNN_EXPLAIN,
};

#define RNN_ENCODE_LONG_OPTIONS                                                                 \
	{ "hidden", required_argument, NULL, OPT_RNN_HIDDEN },                                   \
		{ "bidirectional", no_argument, NULL, OPT_RNN_BIDIRECTIONAL },                   \
		{ "last", no_argument, NULL, OPT_RNN_LAST },                                     \
		{ "over-time", no_argument, NULL, OPT_RNN_OVER_TIME }
#define RNN_DECODE_LONG_OPTIONS                                                                 \
	{ "hidden", required_argument, NULL, OPT_RNN_HIDDEN },                                   \
		{ "score", required_argument, NULL, OPT_RNN_SCORE },                             \
		{ "attn-hidden", required_argument, NULL, OPT_RNN_ATTN_HIDDEN },                 \
		{ "init", required_argument, NULL, OPT_RNN_INIT },                               \
		{ "explain", optional_argument, NULL, OPT_RNN_EXPLAIN }

#define RNN_ENCODE_USAGE                                                                                     \
	"      --hidden H          rnn: the state width (default E)\n"                                           \
	"      --bidirectional     rnn: a backward pass too; each row is [forward; backward] (D = 2)\n"          \
	"      --last              rnn: only the final state [h_T->; h_1<-], the plain seq2seq's context vector\n" \
	"      --over-time         rnn: the seeds' LSTM + softmax over time of a dense layer (over_time.weight);\n" \
	"                          --attn FILE writes its weights (T x H)\n"
#define RNN_DECODE_USAGE                                                                                     \
	"      --hidden H          rnn: the state width (default: the memory's width)\n"                         \
	"      --score F           rnn: additive (Bahdanau, default), general or dot (Luong)\n"                  \
	"      --attn-hidden Hd    rnn: the additive score's width (default H)\n"                                \
	"      --init I            rnn: s_0 = the memory's last row (last, default) or zeros\n"                  \
	"      --explain[=N]       rnn: s_{t-1}, scores, weights and context of the first N steps (default 2),\n" \
	"                          on stderr; --attn FILE writes the alignment (T x S)\n"

/*
 * Handle one option into o; returns 0 when c is not one of them. rnn_decode_option also records it in
 * settings (NULL = not wanted) as decoder_hidden, score, attn_hidden or init, as given on the command line.
 */
int rnn_encode_option(RnnEncodeOptions *o, int c, const char *arg);
int rnn_decode_option(RnnDecodeOptions *o, ModelConfig *settings, int c, const char *arg);

#endif
