/* SPDX-License-Identifier: MIT */
/* train: teach an encoder-decoder Transformer to translate, from a parallel text, into a whole-model .npz. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"
#include "config.h"
#include "err.h"
#include "model.h"
#include "npz.h"
#include "opts.h"
#include "softmax.h"
#include "plot.h"
#include "train.h"
#include "patch.h"
#include "picture.h"
#include "transformer.h"
#include "vit.h"

static const char usage_text[] =
	"usage: train (--pairs FILE | --src FILE --tgt FILE) -o MODEL.npz [--arch transformer|gru|lstm|rnn]\n"
	"             [--layers N] [--dim E] [--heads H] [--ff F] [--activation relu|gelu] [--norm-first]\n"
	"             [--eps X] [--hidden H] [--bidirectional] [--score additive|general|dot]\n"
	"             [--attn-hidden Hd] [--normalize softmax]\n"
	"             [--tie] [--scale] [--bos] [--eos] [--chars] [--src-vocab FILE] [--tgt-vocab FILE]\n"
	"             [--init MODEL.npz | --resume MODEL.npz | --seed N] [--steps N | --epochs N]\n"
	"             [--batch-sentences N]\n"
	"             [--batch-tokens N] [--no-shuffle] [--schedule noam|constant] [--lr X] [--lr-scale X]\n"
	"             [--warmup N] [--beta1 X] [--beta2 X] [--adam-eps X] [--clip X] [--label-smoothing X]\n"
	"             [--dropout P] [--valid-pairs FILE | --valid-src FILE --valid-tgt FILE]\n"
	"             [--log FILE] [--log-every N] [--plot FILE.png] [--checkpoint-every N] [--weights-only]\n"
	"             [--save-grads FILE.npz] [--threads N]\n"
	"       train --images LIST --patch P -o MODEL.npz [--valid-images LIST] [--dim E] [--heads H]\n"
	"             [--init MODEL.npz | --seed N] [--steps N | --epochs N] [--batch-sentences N] [--no-shuffle]\n"
	"             [--lr X] [--beta1 X] [--beta2 X] [--adam-eps X] [--clip X] [--log-every N]\n"
	"             [--save-grads FILE.npz] [--threads N]\n"
	"\n"
	"Trains the encoder-decoder Transformer of \"Attention Is All You Need\" (nn.Transformer with\n"
	"embeddings and a generator), or the RNN-attention seq2seq (docs/rnn-seq2seq.md), on sentence\n"
	"pairs, with the paper's recipe: Adam, the warm-up schedule, dropout and label smoothing.\n"
	"Writes MODEL.npz, the whole-model archive with its settings\n"
	"and vocabularies that `decode --generate --weights MODEL.npz` translates with. Progress goes to\n"
	"standard error; Ctrl-C stops after the current step and writes the model.\n"
	"\n"
	"      --pairs FILE        training pairs, one a line: source TAB target\n"
	"      --src FILE, --tgt FILE  the same as two files, line k of one translating line k of the other\n"
	"  -o, --output FILE      the model archive to write\n"
	"      --arch A            transformer (default), or the recurrent seq2seq with a gru, lstm or rnn\n"
	"                          (tanh) encoder and attention decoder\n"
	"      --layers N          encoder and decoder layers (default 6, the paper's); recurrent: the\n"
	"                          encoder's layers (default 1)\n"
	"      --dim E             d_model (default 512); recurrent: the embeddings' width (default 512)\n"
	"      --heads H           attention heads; d_model must be divisible by H (default 8)\n"
	"      --ff F              feed-forward width d_ff (default 4 d_model)\n"
	"      --activation A      relu (default) or gelu\n"
	"      --norm-first        pre-norm layers; default post-norm, the paper's\n"
	"      --eps X             LayerNorm's epsilon (default 1e-5)\n"
	"      --tie               the output projection is tgt_embed.weight (section 3.4)\n"
	"      --scale             multiply the embeddings by sqrt(d_model) (section 3.4)\n"
	"      --hidden H          recurrent: the encoder's state width (default E); the decoder's is the\n"
	"                          memory's, H (2 H with --bidirectional)\n"
	"      --bidirectional     recurrent: the encoder reads both ways; each memory row is [forward; backward]\n"
	"      --score F           recurrent: additive (Bahdanau, default), general or dot (Luong)\n"
	"      --attn-hidden Hd    recurrent: the additive score's width (default: the decoder's state width)\n"
	"      --normalize N       the attention's normalisation: softmax only, whose backward pass train has\n"
	"                          (attend and mha also run sigmoid, relu, sparsemax and none, forward only)\n"
	"      --bos, --eos        put <s> before, </s> after each source sentence\n"
	"      --chars             split source sentences into characters, not words (as embed --chars;\n"
	"                          the target stays words, as decode --generate writes them)\n"
	"      --src-vocab FILE    the source vocabulary (default: built from the training source as embed does)\n"
	"      --tgt-vocab FILE    the target vocabulary (default: built from the training target)\n"
	"      --init MODEL.npz    start from this model's parameters, settings and vocabularies\n"
	"      --resume MODEL.npz  the same, and continue its run: Adam's moments and step count too\n"
	"      --seed N            random initial parameters by PyTorch's rules, and dropout masks (default 1)\n"
	"      --steps N           stop after N optimiser steps (counted from the first run's start)\n"
	"      --epochs N          stop after N passes over the pairs (default 10 when --steps is not given)\n"
	"      --batch-sentences N pairs per step (default 32)\n"
	"      --batch-tokens N    instead: pairs per step until their source and target tokens reach N\n"
	"      --no-shuffle        keep the file's order (default: shuffled each epoch, by --seed)\n"
	"      --schedule S        noam (default): lr = scale d_model^-0.5 min(step^-0.5, step warmup^-1.5)\n"
	"                          (recurrent: d_model is the decoder's state width);\n"
	"                          constant: lr = --lr (giving --lr alone chooses it)\n"
	"      --lr X              the constant learning rate (default 1e-3)\n"
	"      --lr-scale X        noam's scale (default 1)\n"
	"      --warmup N          noam's warm-up steps (default 4000, the paper's)\n"
	"      --beta1 X, --beta2 X, --adam-eps X  Adam's (default 0.9, 0.98, 1e-9: the paper's)\n"
	"      --clip X            scale the gradients to a global norm of at most X (clip_grad_norm_)\n"
	"      --label-smoothing X target distribution (1 - X) on the gold token + X / V on each (default 0.1)\n"
	"      --dropout P         dropout probability (default 0.1); recurrent: on the embeddings and on the\n"
	"                          decoder's outputs\n"
	"      --valid-pairs FILE  validation pairs: loss and exact-match accuracy after each epoch\n"
	"      --valid-src FILE, --valid-tgt FILE  the same as two files\n"
	"      --log FILE          TSV: step, loss, lr, valid_loss, valid_acc, tokens_per_s\n"
	"      --log-every N       a progress line every N steps (default 10)\n"
	"      --plot FILE.png     the loss curves at the end: each step's training loss, the validation loss\n"
	"      --checkpoint-every N  write MODEL.npz every N steps too\n"
	"      --weights-only      leave Adam's state out of MODEL.npz (a third of the size; no --resume then)\n"
	"      --save-grads FILE.npz  the gradients of the last step, one entry per parameter\n"
	"      --threads N         threads to use (default: $PIPEFORMER_THREADS, else every online core)\n"
	"\n"
	"With --images, train a tiny Vision Transformer to tell pictures apart (docs/vision.md): patches\n"
	"(embed --image), a class token, learned positions, one multi-head attention layer and a linear\n"
	"head on the class token's row; Adam at the constant --lr (default 1e-3), --dim 16, --heads 2.\n"
	"      --images LIST       the training pictures: one \"FILE.png CLASS\" a line, FILE relative to LIST\n"
	"      --patch P           the patch side in pixels (the pictures' sides must be multiples of it)\n"
	"      --valid-images LIST loss and accuracy on these pictures after each epoch\n"
	"      --batch-sentences N pictures per step (default 32)\n"
	HELP_USAGE("       ");

enum {
	OPT_PAIRS = OPT_PROGRAM,
	OPT_SRC,
	OPT_TGT,
	OPT_DIM,
	OPT_TIE,
	OPT_SCALE,
	OPT_BOS,
	OPT_EOS,
	OPT_CHARS,
	OPT_SRC_VOCAB,
	OPT_TGT_VOCAB,
	OPT_INIT,
	OPT_STEPS,
	OPT_EPOCHS,
	OPT_BATCH_SENTENCES,
	OPT_BATCH_TOKENS,
	OPT_NO_SHUFFLE,
	OPT_SCHEDULE,
	OPT_LR,
	OPT_LR_SCALE,
	OPT_WARMUP,
	OPT_BETA1,
	OPT_BETA2,
	OPT_ADAM_EPS,
	OPT_CLIP,
	OPT_SMOOTHING,
	OPT_DROPOUT,
	OPT_VALID_PAIRS,
	OPT_VALID_SRC,
	OPT_VALID_TGT,
	OPT_LOG,
	OPT_LOG_EVERY,
	OPT_CHECKPOINT_EVERY,
	OPT_SAVE_GRADS,
	OPT_HIDDEN,
	OPT_BIDIRECTIONAL,
	OPT_SCORE,
	OPT_ATTN_HIDDEN,
	OPT_NORMALIZE,
	OPT_IMAGES,
	OPT_PATCH,
	OPT_VALID_IMAGES,
	OPT_RESUME,
	OPT_WEIGHTS_ONLY,
	OPT_PLOT,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "arch", required_argument, NULL, TRANSFORMER_OPT_ARCH },
	{ "layers", required_argument, NULL, TRANSFORMER_OPT_LAYERS },
	{ "heads", required_argument, NULL, TRANSFORMER_OPT_HEADS },
	{ "ff", required_argument, NULL, TRANSFORMER_OPT_FF },
	{ "activation", required_argument, NULL, TRANSFORMER_OPT_ACTIVATION },
	{ "norm-first", no_argument, NULL, TRANSFORMER_OPT_NORM_FIRST },
	{ "eps", required_argument, NULL, TRANSFORMER_OPT_EPS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "output", required_argument, NULL, 'o' },
	{ "pairs", required_argument, NULL, OPT_PAIRS },
	{ "src", required_argument, NULL, OPT_SRC },
	{ "tgt", required_argument, NULL, OPT_TGT },
	{ "dim", required_argument, NULL, OPT_DIM },
	{ "tie", no_argument, NULL, OPT_TIE },
	{ "scale", no_argument, NULL, OPT_SCALE },
	{ "bos", no_argument, NULL, OPT_BOS },
	{ "eos", no_argument, NULL, OPT_EOS },
	{ "chars", no_argument, NULL, OPT_CHARS },
	{ "src-vocab", required_argument, NULL, OPT_SRC_VOCAB },
	{ "tgt-vocab", required_argument, NULL, OPT_TGT_VOCAB },
	{ "init", required_argument, NULL, OPT_INIT },
	{ "steps", required_argument, NULL, OPT_STEPS },
	{ "epochs", required_argument, NULL, OPT_EPOCHS },
	{ "batch-sentences", required_argument, NULL, OPT_BATCH_SENTENCES },
	{ "batch-tokens", required_argument, NULL, OPT_BATCH_TOKENS },
	{ "no-shuffle", no_argument, NULL, OPT_NO_SHUFFLE },
	{ "schedule", required_argument, NULL, OPT_SCHEDULE },
	{ "lr", required_argument, NULL, OPT_LR },
	{ "lr-scale", required_argument, NULL, OPT_LR_SCALE },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "beta1", required_argument, NULL, OPT_BETA1 },
	{ "beta2", required_argument, NULL, OPT_BETA2 },
	{ "adam-eps", required_argument, NULL, OPT_ADAM_EPS },
	{ "clip", required_argument, NULL, OPT_CLIP },
	{ "label-smoothing", required_argument, NULL, OPT_SMOOTHING },
	{ "dropout", required_argument, NULL, OPT_DROPOUT },
	{ "valid-pairs", required_argument, NULL, OPT_VALID_PAIRS },
	{ "valid-src", required_argument, NULL, OPT_VALID_SRC },
	{ "valid-tgt", required_argument, NULL, OPT_VALID_TGT },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "log-every", required_argument, NULL, OPT_LOG_EVERY },
	{ "checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY },
	{ "save-grads", required_argument, NULL, OPT_SAVE_GRADS },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "bidirectional", no_argument, NULL, OPT_BIDIRECTIONAL },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "attn-hidden", required_argument, NULL, OPT_ATTN_HIDDEN },
	{ "normalize", required_argument, NULL, OPT_NORMALIZE },
	{ "images", required_argument, NULL, OPT_IMAGES },
	{ "patch", required_argument, NULL, OPT_PATCH },
	{ "valid-images", required_argument, NULL, OPT_VALID_IMAGES },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "weights-only", no_argument, NULL, OPT_WEIGHTS_ONLY },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ NULL, 0, NULL, 0 },
};

/* The settings every Transformer archive has, and train's defaults for them (d_ff: 4 d_model, set later). */
static const char *const defaults[][2] = {
	{ "d_model", "512" }, { "heads", "8" }, { "encoder_layers", "6" },
	{ "decoder_layers", "6" }, { "activation", "relu" }, { "norm_first", "0" }, { "final_norm", "1" },
	{ "eps", "1e-05" }, { "scale", "0" }, { "posenc", "sinusoidal" }, { "posenc_base", "10000" },
	{ "posenc_layout", "interleaved" }, { "bos", "0" }, { "eos", "0" }, { "chars", "0" }, { "tie", "0" },
};
/* The recurrent seq2seq's (hidden, decoder_hidden and attn_hidden follow from the widths, set later) */
static const char *const rnn_defaults[][2] = {
	{ "encoder_layers", "1" }, { "bidirectional", "0" }, { "score", "additive" }, { "init", "last" },
	{ "bos", "0" }, { "eos", "0" }, { "chars", "0" }, { "tie", "0" },
};
/* The options of one architecture only, by the setting each records: refused with the other */
static const char *const rnn_keys[] = { "hidden", "bidirectional", "score", "attn_hidden" };

static const char *images_path, *valid_images; /* --images: train the picture classifier instead (train_images) */
static size_t image_patch;
static const char *pairs_path, *src_path, *tgt_path, *out_path, *src_vocab_path, *tgt_vocab_path, *init_path;
static const char *valid_pairs, *valid_src, *valid_tgt, *log_path, *grads_path, *dim_arg, *layers_arg;
static const char *resume_path, *plot_path;
static long steps, epochs, batch_sentences = 32, batch_tokens, warmup = 4000, log_every = 10, checkpoint_every;
static bool shuffle = true, noam = true, schedule_given, lr_given, weights_only;
static double lr = 1e-3, lr_scale = 1.0, clip;
static Adam adam = { .beta1 = 0.9, .beta2 = 0.98, .eps = 1e-9 };
static TrainOptions train_opts = { .dropout = 0.1f, .smoothing = 0.1f };
static CommonOptions common;
static uint64_t seed;
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* The shape from the settings (command line, --init archive, defaults), all of them set by now. */
static void shape_from(Seq2seqShape *sh, const ModelConfig *c)
{
	TransformerConfig tc = { 0 };
	const char *s;

	tc.E = config_size(c, "d_model", 512, 1, 1 << 16);
	tc.H = config_size(c, "heads", 8, 1, 65536);
	tc.F = config_size(c, "d_ff", 4 * tc.E, 1, 1 << 24);
	if (!activation_parse(&tc.activation, config_get(c, "activation")))
		die("%s: activation '%s' is not relu or gelu", config_where(c, "activation"), config_get(c, "activation"));
	tc.norm_first = config_bool(c, "norm_first", false);
	tc.final_norm = config_bool(c, "final_norm", true);
	tc.eps = (float)parse_double(config_get(c, "eps"), config_where(c, "eps"), 1e-12, 1.0);
	if (tc.E % tc.H)
		usage_error("d_model %zu is not divisible by %zu heads (each head gets d_model / heads columns)", tc.E,
			    tc.H);
	if (tc.E % 2)
		usage_error("d_model %zu is odd: the sinusoidal encoding needs an even one", tc.E);
	sh->encoder = sh->decoder = tc;
	sh->encoder.N = config_size(c, "encoder_layers", 6, 1, 1000);
	sh->decoder.N = config_size(c, "decoder_layers", 6, 1, 1000);
	sh->tie = config_bool(c, "tie", false);
	sh->scale = config_bool(c, "scale", false);
	if ((s = config_get(c, "posenc")) && strcmp(s, "sinusoidal") != 0)
		die("%s: posenc %s: train knows the sinusoidal encoding only", config_where(c, "posenc"), s);
	sh->sinusoidal = true;
	sh->base = parse_double(config_get(c, "posenc_base"), config_where(c, "posenc_base"), 1.0, 1e12);
	if (!posenc_parse_layout(config_get(c, "posenc_layout"), &sh->layout))
		die("%s: posenc_layout '%s' is not interleaved or concat", config_where(c, "posenc_layout"),
		    config_get(c, "posenc_layout"));
}

/* The recurrent seq2seq's shape from the settings, all of them set by now; E the embeddings' width. */
static void rnn_shape_from(Seq2seqShape *sh, const ModelConfig *c, size_t E)
{
	RecurrentShape *r = &sh->rnn;
	const char *arch = config_get(c, "arch"), *init = config_get(c, "init");

	sh->recurrent = true;
	if (!rnn_kind_parse(arch, &r->kind))
		die("%s: arch '%s' is not transformer, gru, lstm or rnn", config_where(c, "arch"), arch);
	r->E = E;
	r->H = config_size(c, "hidden", E, 1, 1 << 20);
	r->L = config_size(c, "encoder_layers", 1, 1, 1000);
	r->bidirectional = config_bool(c, "bidirectional", false);
	r->Hdec = config_size(c, "decoder_hidden", (r->bidirectional ? 2 : 1) * r->H, 1, 1 << 20);
	r->Hd = config_size(c, "attn_hidden", r->Hdec, 1, 1 << 20);
	if (!rnn_score_parse(config_get(c, "score"), &r->score))
		die("%s: score '%s' is not additive, general or dot", config_where(c, "score"), config_get(c, "score"));
	if (strcmp(init, "last") != 0 && strcmp(init, "zeros") != 0)
		die("%s: init '%s' is neither last nor zeros", config_where(c, "init"), init);
	r->init_zeros = strcmp(init, "zeros") == 0;
	sh->tie = config_bool(c, "tie", false);
	if (!r->init_zeros && r->Hdec != (r->bidirectional ? 2 : 1) * r->H)
		die("%s: decoder_hidden %zu: init last starts the decoder from a memory row of width %zu",
		    config_where(c, "decoder_hidden"), r->Hdec, (r->bidirectional ? 2 : 1) * r->H);
	if (r->score == SCORE_DOT && r->Hdec != (r->bidirectional ? 2 : 1) * r->H)
		die("%s: score dot needs the decoder's width %zu = the memory's %zu", config_where(c, "score"), r->Hdec,
		    (r->bidirectional ? 2 : 1) * r->H);
	if (sh->tie && r->Hdec != E)
		usage_error("--tie projects with tgt_embed.weight: its width %zu (--dim) must be the decoder's %zu", E,
			    r->Hdec);
}

/* Every setting a model of this architecture needs, the defaults where none was given */
static void complete_settings(ModelConfig *settings, bool recurrent, size_t E)
{
	char num[32];

	if (recurrent) {
		model_refuse_transformer_keys(settings, config_get(settings, "arch"));
		for (size_t i = 0; i < sizeof(rnn_defaults) / sizeof(rnn_defaults[0]); i++)
			if (!config_get(settings, rnn_defaults[i][0]))
				config_set(settings, rnn_defaults[i][0], rnn_defaults[i][1], "default");
		/* the widths: hidden = E, decoder_hidden = the memory's D H, attn_hidden = decoder_hidden */
		snprintf(num, sizeof(num), "%zu", E);
		if (!config_get(settings, "hidden"))
			config_set(settings, "hidden", num, "default");
		snprintf(num, sizeof(num), "%zu", (config_bool(settings, "bidirectional", false) ? 2 : 1) *
							   config_size(settings, "hidden", E, 1, 1 << 20));
		if (!config_get(settings, "decoder_hidden"))
			config_set(settings, "decoder_hidden", num, "default");
		if (!config_get(settings, "attn_hidden"))
			config_set(settings, "attn_hidden", config_get(settings, "decoder_hidden"), "default");
		return;
	}
	for (size_t i = 0; i < sizeof(rnn_keys) / sizeof(rnn_keys[0]); i++)
		if (config_get(settings, rnn_keys[i]))
			usage_error("%s: %s is a setting of the recurrent seq2seq (--arch gru, lstm or rnn)",
				    config_where(settings, rnn_keys[i]), rnn_keys[i]);
	if (dim_arg)
		config_set(settings, "d_model", dim_arg, "--dim");
	if (layers_arg)
		config_set(settings, "decoder_layers", layers_arg, "--layers");
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (!config_get(settings, defaults[i][0]))
			config_set(settings, defaults[i][0], defaults[i][1], "default");
	snprintf(num, sizeof(num), "%zu", 4 * config_size(settings, "d_model", 512, 2, 1 << 16));
	if (!config_get(settings, "d_ff"))
		config_set(settings, "d_ff", num, "default");
}

/* Every setting as "key value" lines: the archive's config entry */
static char *config_text(const ModelConfig *c)
{
	size_t n = 1;
	char *text;

	for (size_t i = 0; i < c->count; i++)
		n += strlen(c->keys[i]) + strlen(c->values[i]) + 2;
	text = xmalloc(n);
	text[0] = '\0';
	for (size_t i = 0; i < c->count; i++) {
		strcat(text, c->keys[i]);
		strcat(text, " ");
		strcat(text, c->values[i]);
		strcat(text, "\n");
	}
	return text;
}

static void read_corpus(Corpus *c, const char *pairs, const char *src, const char *tgt, const char *what)
{
	if (pairs && (src || tgt))
		usage_error("%s: give --%spairs or --%ssrc and --%stgt, not both", what, *what == 'v' ? "valid-" : "",
			    *what == 'v' ? "valid-" : "", *what == 'v' ? "valid-" : "");
	if (pairs)
		corpus_read_pairs(c, pairs);
	else
		corpus_read_sides(c, src, tgt);
}

/* A permutation of 0..n-1 by Fisher-Yates over rng */
static void shuffle_order(size_t *order, size_t n, Rng *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rng_next(rng) % i), tmp = order[i - 1];
		order[i - 1] = order[j];
		order[j] = tmp;
	}
}

/* The next batch from order[*at..]: batch_sentences pairs, or pairs up to batch_tokens tokens */
static size_t next_batch(PairIds *batch, const PairIds *all, const size_t *order, size_t n, size_t *at)
{
	size_t k = 0, tokens = 0;

	while (*at < n) {
		const PairIds *p = &all[order[*at]];
		if (batch_tokens ? k > 0 && tokens + p->S + p->T > (size_t)batch_tokens : k == (size_t)batch_sentences)
			break;
		batch[k++] = *p;
		tokens += p->S + p->T;
		(*at)++;
	}
	return k;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The loss and exact-match accuracy (every greedy token right: teacher-forced argmax = gold at each
 * position, which is exactly when greedy decoding reproduces the reference) of the validation pairs */
static void validate(Trainer *t, const PairIds *pairs, size_t n, double *loss, double *exact)
{
	size_t tokens_all = 0, right = 0;
	double sum = 0.0;

	for (size_t k = 0; k < n; k++) {
		size_t tokens, correct;
		sum += trainer_batch(t, &pairs[k], 1, &train_opts, false, &tokens, &correct) * (double)tokens;
		tokens_all += tokens;
		right += correct == tokens;
	}
	*loss = tokens_all ? sum / (double)tokens_all : 0.0;
	*exact = n ? (double)right / (double)n : 0.0;
}

/* One row of --log: a step's training numbers, and the validation's when it ran after that step. */
typedef struct {
	long step;            /* 0: nothing held */
	double loss, lr, tokens_per_s, valid_loss, valid_exact;
	bool validated;
} LogRow;

static void log_flush(FILE *log, LogRow *r)
{
	if (!log || !r->step)
		return;
	fprintf(log, "%ld\t%.6f\t%.6g\t", r->step, r->loss, r->lr);
	if (r->validated)
		fprintf(log, "%.6f\t%.4f", r->valid_loss, r->valid_exact);
	else
		fputc('\t', log);
	fprintf(log, "\t%.0f\n", r->tokens_per_s);
	r->step = 0;
}

/* The points of one curve of --plot, growing as training goes */
typedef struct {
	double *x, *y;
	size_t n, cap;
} Curve;

static void curve_add(Curve *c, double x, double y)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->x = xrealloc(c->x, xmul(c->cap, sizeof(double), "plot"));
		c->y = xrealloc(c->y, xmul(c->cap, sizeof(double), "plot"));
	}
	c->x[c->n] = x, c->y[c->n] = y, c->n++;
}

/* --plot: the training loss of every step and the validation loss after each epoch, against the step */
static void plot_write(const char *path, const Curve *train_loss, const Curve *valid_loss)
{
	const PlotSeries series[2] = {
		{ "train", train_loss->x, train_loss->y, train_loss->n, { 31, 119, 180 }, false },
		{ "valid", valid_loss->x, valid_loss->y, valid_loss->n, { 255, 127, 14 }, true },
	};
	Font *font = font_open(NULL, FONT_DEFAULT_PX, 1.0);
	Image *im = plot_lines(series, valid_loss->n ? 2 : 1, "loss", "step", "loss", font, 640, 400);

	image_write_png(im, path);
	image_free(im);
	font_free(font);
}

static void check_file_write(FILE *f, const char *path)
{
	if (ferror(f) | fclose(f))
		die("%s: write error:", path);
}

/* ---- train --images: the picture classifier of docs/vision.md (lib/vit) ---------------------------- */

/* The labelled pictures of a list: one "FILE CLASS" a line, FILE relative to the list's folder. */
typedef struct {
	size_t n, M;
	Picture **pics;      /* [n] */
	size_t *y;           /* [n] class ids */
	char **classes;      /* [M] in the order they first appear */
} PictureSet;

/* With known (the training set's), every class must be one of its classes and the pictures of its size. */
static void read_picture_set(PictureSet *s, const char *list, size_t P, const PictureSet *known)
{
	FILE *f = fopen(list, "r");
	const char *slash = strrchr(list, '/');
	size_t dir_len = slash ? (size_t)(slash - list) + 1 : 0, cap = 0, line_no = 0;
	char *line = NULL;

	memset(s, 0, sizeof(*s));
	if (f == NULL)
		die("%s:", list);
	while (getline(&line, &cap, f) != -1) {
		char *file = strtok(line, " \t\r\n"), *label = file ? strtok(NULL, " \t\r\n") : NULL, *path;
		const Picture *first;
		size_t k = 0;
		line_no++;
		if (file == NULL || *file == '#')
			continue;
		if (label == NULL || strtok(NULL, " \t\r\n"))
			die("%s: line %zu: expected FILE CLASS", list, line_no);
		path = xmalloc(dir_len + strlen(file) + 1);
		sprintf(path, "%.*s%s", *file == '/' ? 0 : (int)dir_len, list, file);
		s->pics = xrealloc(s->pics, xmul(s->n + 1, sizeof(*s->pics), "pictures"));
		s->y = xrealloc(s->y, xmul(s->n + 1, sizeof(*s->y), "pictures"));
		s->pics[s->n] = picture_read_png(path);
		patch_grid_check(s->pics[s->n]->height, s->pics[s->n]->width, P, false, path);
		first = known ? known->pics[0] : s->pics[0];
		if (s->pics[s->n]->channels != first->channels || s->pics[s->n]->width != first->width ||
		    s->pics[s->n]->height != first->height)
			die("%s: %zu x %zu pixels of %zu channels, the first picture has %zu x %zu of %zu: one model "
			    "takes one size", path, s->pics[s->n]->width, s->pics[s->n]->height, s->pics[s->n]->channels,
			    first->width, first->height, first->channels);
		if (known) {
			while (k < known->M && strcmp(known->classes[k], label) != 0)
				k++;
			if (k == known->M)
				die("%s: line %zu: class %s is not one of the training pictures'", list, line_no, label);
		} else {
			while (k < s->M && strcmp(s->classes[k], label) != 0)
				k++;
		}
		if (!known && k == s->M) {
			s->classes = xrealloc(s->classes, xmul(s->M + 1, sizeof(char *), "classes"));
			s->classes[s->M++] = xstrdup(label);
		}
		s->y[s->n++] = k;
		free(path);
	}
	if (ferror(f))
		die("%s: read error:", list);
	fclose(f);
	free(line);
	if (s->n == 0)
		die("%s: no pictures (one \"FILE CLASS\" a line)", list);
	if (!known && s->M < 2)
		die("%s: every picture is of class %s: a classifier needs two classes at least", list, s->classes[0]);
}

static void picture_set_free(PictureSet *s)
{
	for (size_t i = 0; i < s->n; i++)
		picture_free(s->pics[i]);
	for (size_t k = 0; k < s->M; k++)
		free(s->classes[k]);
	free(s->pics), free(s->y), free(s->classes);
}

/* The model archive: the parameters, the settings ("config") and the class names ("classes", one a line). */
static void save_vit(const Params *p, const Vit *m, const PictureSet *s, const char *path)
{
	NpzWriter *w = npz_create(path);
	char config[256];
	size_t n = 1;
	char *classes;

	for (size_t i = 0; i < p->count; i++)
		npz_add(w, p->items[i].name, p->items[i].tensor);
	snprintf(config, sizeof(config), "arch vit\npatch %zu\nchannels %zu\nd_model %zu\nheads %zu\nclasses %zu\n",
		 m->embed.P, m->embed.C, m->E, m->H, m->M);
	npz_add_text(w, "config", config);
	for (size_t k = 0; k < s->M; k++)
		n += strlen(s->classes[k]) + 1;
	classes = xmalloc(n);
	classes[0] = '\0';
	for (size_t k = 0; k < s->M; k++)
		strcat(strcat(classes, s->classes[k]), "\n");
	npz_add_text(w, "classes", classes);
	npz_commit(w);
	free(classes);
}

/* Train the classifier of lib/vit on the pictures of images_path; the options as main() parsed them. */
static int train_images(size_t E, size_t H)
{
	PictureSet set, valid = { 0 };
	Params params = { 0 }, grads = { 0 }, adam_m = { 0 }, adam_v = { 0 };
	Vit model, d_model, m1, m2;
	VitRun *run;
	Rng rng;
	size_t *order, at, C, N, B = (size_t)batch_sentences;
	const float **xs;
	size_t *ys;
	long step = 0;
	bool stop = false;

	signal(SIGINT, on_interrupt); /* Ctrl-C: stop after the current step and write the model */
	read_picture_set(&set, images_path, image_patch, NULL);
	if (valid_images)
		read_picture_set(&valid, valid_images, image_patch, &set);
	C = set.pics[0]->channels;
	N = (set.pics[0]->height / image_patch) * (set.pics[0]->width / image_patch);
	vit_declare(&params, &model, C, image_patch, N, E, H, set.M);
	vit_declare(&grads, &d_model, C, image_patch, N, E, H, set.M);
	vit_declare(&adam_m, &m1, C, image_patch, N, E, H, set.M);
	vit_declare(&adam_v, &m2, C, image_patch, N, E, H, set.M);
	if (init_path)
		params_load(&params, init_path, "", 1);
	else
		params_init(&params, seed);
	params_zero(&grads), params_zero(&adam_m), params_zero(&adam_v);
	run = vit_run_new(&model, set.pics[0]->height, set.pics[0]->width);
	order = xmalloc(xmul(set.n, sizeof(size_t), "pictures"));
	xs = xmalloc(xmul(B, sizeof(*xs), "batch"));
	ys = xmalloc(xmul(B, sizeof(*ys), "batch"));
	for (size_t i = 0; i < set.n; i++)
		order[i] = i;
	rng_seed(&rng, seed);
	fprintf(stderr, "train: %zu pictures of %zu classes, %zu patches of %zu x %zu pixels each; d_model %zu, %zu heads\n",
		set.n, set.M, N, image_patch, image_patch, E, H);
	for (long epoch = 1; !stop && (!epochs || epoch <= epochs); epoch++) {
		double sum = 0.0;
		size_t right = 0, seen = 0;
		if (shuffle)
			shuffle_order(order, set.n, &rng);
		for (at = 0; at < set.n && !stop;) {
			size_t b = 0, correct;
			double loss, norm;
			Adam a = adam;
			for (; b < B && at < set.n; b++, at++) {
				xs[b] = set.pics[order[at]]->data;
				ys[b] = set.y[order[at]];
			}
			params_zero(&grads);
			loss = vit_batch(run, &model, &d_model, xs, ys, b, &correct);
			sum += loss * (double)b, right += correct, seen += b;
			norm = 0.0;
			for (size_t i = 0; i < grads.count; i++)
				norm += grad_sum_squares(grads.items[i].tensor->data, grads.items[i].tensor->size);
			norm = sqrt(norm);
			if (clip > 0.0)
				for (size_t i = 0; i < grads.count; i++)
					grad_scale(grads.items[i].tensor->data, clip_factor(norm, clip), grads.items[i].tensor->size);
			step++;
			a.lr = lr;
			for (size_t i = 0; i < params.count; i++)
				adam_update(params.items[i].tensor->data, adam_m.items[i].tensor->data,
					    adam_v.items[i].tensor->data, grads.items[i].tensor->data, &a, step,
					    params.items[i].tensor->size);
			if (step % log_every == 0)
				fprintf(stderr, "step %ld  loss %.4f  grad norm %.3g\n", step, loss, norm);
			stop = (steps && step == steps) || interrupted;
		}
		fprintf(stderr, "epoch %ld: loss %.4f, %zu of %zu pictures right while training", epoch,
			sum / (double)seen, right, seen);
		if (valid_images) {
			size_t valid_right = 0;
			double valid_loss = 0.0;
			for (size_t i = 0; i < valid.n; i++) { /* one at a time: no gradients, nothing changes */
				size_t correct;
				const float *x = valid.pics[i]->data;
				valid_loss += vit_batch(run, &model, NULL, &x, &valid.y[i], 1, &correct);
				valid_right += correct;
			}
			fprintf(stderr, "; valid: loss %.4f, %zu of %zu right", valid_loss / (double)valid.n, valid_right,
				valid.n);
		}
		fputc('\n', stderr);
	}
	if (grads_path)
		params_save(&grads, grads_path);
	save_vit(&params, &model, &set, out_path);
	free(order), free(xs), free(ys);
	vit_run_free(run);
	params_free(&params), params_free(&grads), params_free(&adam_m), params_free(&adam_v);
	picture_set_free(&set);
	if (valid_images)
		picture_set_free(&valid);
	return 0;
}

int main(int argc, char **argv)
{
	ModelConfig settings = { 0 };
	TransformerConfig unused;
	Corpus corpus, valid = { 0 };
	Vocab *src_vocab, *tgt_vocab;
	TokenizeOptions src_tok = { 0 };
	PairIds *pairs, *valid_ids = NULL, *batch;
	Seq2seqShape shape = { 0 };
	Seq2seq model;
	Trainer *trainer;
	Model *init = NULL;
	size_t *order, n_valid = 0, id, dim = 512;
	char *text;
	FILE *log = NULL;
	bool tty = isatty(STDERR_FILENO), stop = false, recurrent;
	LogRow row = { 0 };
	Curve train_curve = { 0 }, valid_curve = { 0 };
	double started = now(), last_loss = 0.0, last_rate = 0.0, valid_loss = NAN, valid_exact = NAN;
	size_t tokens_seen = 0;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	transformer_defaults(&unused);
	while ((c = options_next(argc, argv, "ho:", long_options, NULL)) != -1) {
		RnnKind kind;
		ScoreKind score;
		if (c != TRANSFORMER_OPT_ARCH && c != TRANSFORMER_OPT_LAYERS &&
		    (transformer_option(&unused, &settings, c, optarg) || common_option(&common, c, optarg, usage_text)))
			continue;
		switch (c) {
		case TRANSFORMER_OPT_ARCH:
			if (strcmp(optarg, "transformer") != 0 && !rnn_kind_parse(optarg, &kind))
				usage_error("--arch: '%s' is not transformer, gru, lstm or rnn", optarg);
			config_set(&settings, "arch", optarg, "--arch");
			break;
		case TRANSFORMER_OPT_LAYERS: /* the decoder's too, for the Transformer (complete_settings) */
			parse_long(optarg, "--layers", 1, 1000);
			config_set(&settings, "encoder_layers", optarg, "--layers");
			layers_arg = optarg;
			break;
		case OPT_HIDDEN:
			parse_long(optarg, "--hidden", 1, 1 << 20);
			config_set(&settings, "hidden", optarg, "--hidden");
			break;
		case OPT_BIDIRECTIONAL: config_set(&settings, "bidirectional", "1", "--bidirectional"); break;
		case OPT_SCORE:
			if (!rnn_score_parse(optarg, &score))
				usage_error("--score: '%s' is not additive, general or dot", optarg);
			config_set(&settings, "score", optarg, "--score");
			break;
		case OPT_ATTN_HIDDEN:
			parse_long(optarg, "--attn-hidden", 1, 1 << 20);
			config_set(&settings, "attn_hidden", optarg, "--attn-hidden");
			break;
		case OPT_NORMALIZE:
			if (normalize_from_name(optarg) < 0)
				usage_error("--normalize: '%s' is not one of softmax, sigmoid, relu, sparsemax, none", optarg);
			if (normalize_from_name(optarg) != NORMALIZE_SOFTMAX)
				usage_error("--normalize %s: train has the backward pass of the softmax only; %s attention "
					    "runs forward in attend and mha, but cannot be trained", optarg, optarg);
			break;
		case 'o': out_path = optarg; break;
		case OPT_PAIRS: pairs_path = optarg; break;
		case OPT_SRC: src_path = optarg; break;
		case OPT_TGT: tgt_path = optarg; break;
		case OPT_DIM: /* d_model for the Transformer (complete_settings); the embeddings' width for both */
			dim = (size_t)parse_long(optarg, "--dim", 2, 1 << 16);
			dim_arg = optarg;
			break;
		case OPT_TIE: config_set(&settings, "tie", "1", "--tie"); break;
		case OPT_SCALE: config_set(&settings, "scale", "1", "--scale"); break;
		case OPT_BOS: config_set(&settings, "bos", "1", "--bos"); break;
		case OPT_EOS: config_set(&settings, "eos", "1", "--eos"); break;
		case OPT_CHARS: config_set(&settings, "chars", "1", "--chars"); break;
		case OPT_SRC_VOCAB: src_vocab_path = optarg; break;
		case OPT_TGT_VOCAB: tgt_vocab_path = optarg; break;
		case OPT_INIT: init_path = optarg; break;
		case OPT_RESUME: resume_path = optarg; break;
		case OPT_WEIGHTS_ONLY: weights_only = true; break;
		case OPT_PLOT: plot_path = optarg; break;
		case OPT_STEPS: steps = parse_long(optarg, "--steps", 1, 1L << 40); break;
		case OPT_EPOCHS: epochs = parse_long(optarg, "--epochs", 1, 1L << 30); break;
		case OPT_BATCH_SENTENCES: batch_sentences = parse_long(optarg, "--batch-sentences", 1, 1L << 30); break;
		case OPT_BATCH_TOKENS: batch_tokens = parse_long(optarg, "--batch-tokens", 1, 1L << 40); break;
		case OPT_NO_SHUFFLE: shuffle = false; break;
		case OPT_SCHEDULE:
			if (strcmp(optarg, "noam") != 0 && strcmp(optarg, "constant") != 0)
				usage_error("--schedule: '%s' is not noam or constant", optarg);
			noam = strcmp(optarg, "noam") == 0;
			schedule_given = true;
			break;
		case OPT_LR: lr = parse_double(optarg, "--lr", 0.0, 1e3); lr_given = true; break;
		case OPT_LR_SCALE: lr_scale = parse_double(optarg, "--lr-scale", 0.0, 1e6); break;
		case OPT_WARMUP: warmup = parse_long(optarg, "--warmup", 1, 1L << 40); break;
		case OPT_BETA1: adam.beta1 = parse_double(optarg, "--beta1", 0.0, 0.999999); break;
		case OPT_BETA2: adam.beta2 = parse_double(optarg, "--beta2", 0.0, 0.999999); break;
		case OPT_ADAM_EPS: adam.eps = parse_double(optarg, "--adam-eps", 0.0, 1.0); break;
		case OPT_CLIP: clip = parse_double(optarg, "--clip", 1e-12, 1e12); break;
		case OPT_SMOOTHING: train_opts.smoothing = (float)parse_double(optarg, "--label-smoothing", 0.0, 1.0); break;
		case OPT_DROPOUT: train_opts.dropout = (float)parse_double(optarg, "--dropout", 0.0, 0.99); break;
		case OPT_VALID_PAIRS: valid_pairs = optarg; break;
		case OPT_VALID_SRC: valid_src = optarg; break;
		case OPT_VALID_TGT: valid_tgt = optarg; break;
		case OPT_LOG: log_path = optarg; break;
		case OPT_LOG_EVERY: log_every = parse_long(optarg, "--log-every", 1, 1L << 40); break;
		case OPT_CHECKPOINT_EVERY: checkpoint_every = parse_long(optarg, "--checkpoint-every", 1, 1L << 40); break;
		case OPT_SAVE_GRADS: grads_path = optarg; break;
		case OPT_IMAGES: images_path = optarg; break;
		case OPT_VALID_IMAGES: valid_images = optarg; break;
		case OPT_PATCH: image_patch = (size_t)parse_long(optarg, "--patch", 1, 4096); break;
		default:
			usage_error("unknown option (see --help)");
		}
	}
	seed = common.params.seed;
	if (images_path || image_patch || valid_images) {
		for (size_t i = 0; i < settings.count; i++)
			if (strcmp(settings.keys[i], "heads") != 0)
				usage_error("%s does not go with --images (the picture classifier of docs/vision.md)",
					    settings.wheres[i]);
		if (!images_path || !image_patch || !out_path)
			usage_error("the picture classifier needs --images LIST, --patch P and -o MODEL.npz");
		if (optind < argc || pairs_path || src_path || tgt_path || valid_pairs || valid_src || valid_tgt ||
		    src_vocab_path || tgt_vocab_path || batch_tokens || checkpoint_every || log_path ||
		    (schedule_given && noam) || lr_scale != 1.0 || warmup != 4000 || train_opts.dropout != 0.1f ||
		    train_opts.smoothing != 0.1f)
			usage_error("--images trains the picture classifier: no text data, vocabularies, --valid-*, "
				    "--batch-tokens, --checkpoint-every, --log, noam, --lr-scale, --warmup, --dropout "
				    "or --label-smoothing");
		if (!steps && !epochs)
			epochs = 10;
		size_t heads = config_get(&settings, "heads") ? config_size(&settings, "heads", 2, 1, 65536) : 2;
		config_free(&settings);
		return train_images(dim_arg ? dim : 16, heads);
	}
	if (optind < argc)
		usage_error("%s: unexpected argument (the data come with --pairs or --src and --tgt)", argv[optind]);
	if (!out_path)
		usage_error("no -o MODEL.npz: where should the model go?");
	if (!pairs_path && !(src_path && tgt_path))
		usage_error("no training data: give --pairs FILE, or --src FILE and --tgt FILE");
	if ((valid_src != NULL) != (valid_tgt != NULL))
		usage_error("--valid-src and --valid-tgt go together");
	if (lr_given && schedule_given && noam)
		usage_error("--lr is the constant schedule's rate; the noam schedule's is set by --lr-scale and --warmup");
	if (lr_given && !schedule_given)
		noam = false;
	if (!steps && !epochs)
		epochs = 10;
	if (resume_path && init_path)
		usage_error("--resume continues a run, --init starts one from given weights: not both");
	if (resume_path)
		init_path = resume_path; /* the settings, vocabularies and parameters as --init, then the state */

	/* the settings: the command line's, then the --init model's (a contradiction is an error), then defaults */
	if (init_path) {
		init = model_load(init_path, &settings, src_vocab_path, tgt_vocab_path);
		if (init->recurrent && dim_arg && dim != init->E)
			die("%s: the embeddings are %zu wide, not --dim %zu", init_path, init->E, dim);
		if (init->recurrent)
			dim = init->E;
	}
	if (!config_get(&settings, "arch"))
		config_set(&settings, "arch", "transformer", "default");
	recurrent = strcmp(config_get(&settings, "arch"), "transformer") != 0;
	complete_settings(&settings, recurrent, dim);
	if (recurrent)
		rnn_shape_from(&shape, &settings, dim);
	else
		shape_from(&shape, &settings);
	src_tok.bos = config_bool(&settings, "bos", false);
	src_tok.eos = config_bool(&settings, "eos", false);
	src_tok.chars = config_bool(&settings, "chars", false);

	/* the data and the vocabularies: the --init archive's, the files', or built from the data */
	read_corpus(&corpus, pairs_path, src_path, tgt_path, "training data");
	if (corpus.n == 0)
		die("%s: no sentence pairs", pairs_path ? pairs_path : src_path);
	if (init) { /* the model's own (or the files named, when it has none) */
		src_vocab = init->tok.src_vocab;
		tgt_vocab = init->tok.tgt_vocab;
		init->tok.src_vocab = init->tok.tgt_vocab = NULL;
	} else {
		src_vocab = src_vocab_path ? vocab_load(src_vocab_path) : corpus_vocab(&corpus, false, src_tok.chars);
		tgt_vocab = tgt_vocab_path ? vocab_load(tgt_vocab_path) : corpus_vocab(&corpus, true, false);
	}
	if (!vocab_find(tgt_vocab, VOCAB_BOS, &id) || !vocab_find(tgt_vocab, VOCAB_EOS, &id))
		die("%s: the target vocabulary needs <s> and </s>, which start and end every target",
		    tgt_vocab_path ? tgt_vocab_path : init_path);
	pairs = corpus_ids(&corpus, src_vocab, tgt_vocab, &src_tok);
	if (valid_pairs || valid_src) {
		read_corpus(&valid, valid_pairs, valid_src, valid_tgt, "validation data");
		valid_ids = corpus_ids(&valid, src_vocab, tgt_vocab, &src_tok);
		n_valid = valid.n;
	}

	/* the model */
	shape.Vs = src_vocab->count;
	shape.Vt = tgt_vocab->count;
	seq2seq_declare(&model, &shape);
	params_init(&model.params, seed);
	if (init) {
		seq2seq_copy_from(&model, init);
		model_free(init);
	}
	seq2seq_ready(&model);
	if (resume_path) {
		seq2seq_load_state(&model, resume_path);
		if (steps && model.step >= steps)
			die("%s: its run has taken %ld steps already, --steps %ld (steps count from the first run's start)",
			    resume_path, model.step, steps);
	}
	rng_seed(&train_opts.rng, seed ^ 0x5eedd20b0u);
	trainer = trainer_new(&model);

	if (log_path) {
		if (!(log = fopen(log_path, "w")))
			die("%s:", log_path);
		fprintf(log, "step\tloss\tlr\tvalid_loss\tvalid_acc\ttokens_per_s\n");
	}
	signal(SIGINT, on_interrupt);
	order = xcalloc(corpus.n, sizeof(size_t));
	batch = xcalloc(corpus.n, sizeof(PairIds));
	for (size_t i = 0; i < corpus.n; i++)
		order[i] = i;

	for (long epoch = 1; !stop && (!epochs || epoch <= epochs); epoch++) {
		size_t at = 0, n;
		if (shuffle)
			shuffle_order(order, corpus.n, &train_opts.rng);
		while (!stop && (n = next_batch(batch, pairs, order, corpus.n, &at)) > 0) {
			long step = model.step + 1;
			size_t tokens;
			double rate = noam ? noam_rate(lr_scale, recurrent ? shape.rnn.Hdec : shape.encoder.E, (size_t)warmup, step) : lr, norm;
			bool logged = step % log_every == 0;
			last_loss = trainer_batch(trainer, batch, n, &train_opts, true, &tokens, NULL);
			if (!isfinite(last_loss))
				die("step %ld: the loss is %g: lower the learning rate (or --clip)", step, last_loss);
			if (clip > 0.0 && (norm = seq2seq_grad_norm(&model), clip_factor(norm, clip) < 1.0))
				seq2seq_grad_scale(&model, clip_factor(norm, clip));
			if (grads_path && ((steps && step == steps) || interrupted))
				params_save(&model.grads, grads_path);
			adam.lr = last_rate = rate;
			seq2seq_adam(&model, &adam);
			tokens_seen += tokens;
			curve_add(&train_curve, (double)model.step, last_loss);
			stop = interrupted || (steps && model.step >= steps);
			if (checkpoint_every && step % checkpoint_every == 0) {
				text = config_text(&settings);
				seq2seq_save(&model, out_path, text, src_vocab, tgt_vocab, !weights_only);
				free(text);
			}
			if (logged || stop || tty) {
				double tps = (double)tokens_seen / fmax(now() - started, 1e-9);
				fprintf(stderr, "%sstep %ld  epoch %ld  loss %.4f  lr %.3g  tokens/s %.0f%s", tty ? "\r" : "",
					step, epoch, last_loss, rate, tps, tty ? "   " : "\n");
				if (logged || stop) {
					log_flush(log, &row);
					row = (LogRow){ step, last_loss, rate, tps, 0.0, 0.0, false };
				}
			}
		}
		if (n_valid && (stop || epoch == epochs || !steps)) {
			validate(trainer, valid_ids, n_valid, &valid_loss, &valid_exact);
			fprintf(stderr, "%sepoch %ld  valid loss %.4f  exact match %.1f%% (%zu pairs)\n", tty ? "\n" : "",
				epoch, valid_loss, 100.0 * valid_exact, n_valid);
			if (row.step != model.step) { /* the last step was not logged: it is now, with the validation */
				log_flush(log, &row);
				row = (LogRow){ model.step, last_loss, last_rate, (double)tokens_seen / fmax(now() - started, 1e-9),
						0.0, 0.0, false };
			}
			row.valid_loss = valid_loss, row.valid_exact = valid_exact, row.validated = true;
			curve_add(&valid_curve, (double)model.step, valid_loss);
		}
	}
	if (tty)
		fputc('\n', stderr);
	if (grads_path && !steps && !interrupted)
		params_save(&model.grads, grads_path); /* --epochs: the last step's */
	text = config_text(&settings);
	seq2seq_save(&model, out_path, text, src_vocab, tgt_vocab, !weights_only);
	fprintf(stderr, "%s: %ld steps, final loss %.4f%s\n", out_path, model.step, last_loss,
		interrupted ? " (interrupted)" : "");
	log_flush(log, &row);
	if (log)
		check_file_write(log, log_path);
	if (plot_path)
		plot_write(plot_path, &train_curve, &valid_curve);
	free(train_curve.x), free(train_curve.y), free(valid_curve.x), free(valid_curve.y);
	free(text), free(order), free(batch);
	trainer_free(trainer);
	seq2seq_free(&model);
	corpus_ids_free(pairs, corpus.n), corpus_ids_free(valid_ids, n_valid);
	corpus_free(&corpus), corpus_free(&valid);
	vocab_free(src_vocab), vocab_free(tgt_vocab);
	config_free(&settings);
	return 0;
}
