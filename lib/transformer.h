/* transformer: encoder and decoder layers and stacks of "Attention Is All You Need", as torch.nn.Transformer. */
#ifndef PF_TRANSFORMER_H
#define PF_TRANSFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "layers.h"
#include "mha.h"
#include "npz.h"
#include "opts.h"
#include "params.h"
#include "posenc.h"
#include "search.h"
#include "stream.h"
#include "vocab.h"

/* N = layers, T = target (query) positions, S = source (memory) positions, E = d_model, H = heads,
 * Dh = E / H, F = d_ff */

typedef struct {
	size_t N, E, H, F;
	Activation activation;
	bool norm_first;  /* pre-norm x + Sublayer(LayerNorm(x)); false: the paper's LayerNorm(x + Sublayer(x)) */
	bool final_norm;  /* one more LayerNorm after the last layer: "norm.weight", "norm.bias" */
	float eps;        /* LayerNorm's epsilon (torch: 1e-5) */
} TransformerConfig;

/* One layer's parameters, by torch.nn.TransformerEncoderLayer / TransformerDecoderLayer's names. */
typedef struct {
	MhaWeights self_attn;   /* "self_attn.*" */
	MhaWeights cross_attn;  /* "multihead_attn.*": decoder only (keys and values from the memory) */
	float *linear1_weight;  /* [F, E] "linear1.weight" */
	float *linear1_bias;    /* [F]    "linear1.bias" */
	float *linear2_weight;  /* [E, F] "linear2.weight" */
	float *linear2_bias;    /* [E]    "linear2.bias" */
	float *norm1_weight, *norm1_bias; /* [E] "norm1.*": around self-attention */
	float *norm2_weight, *norm2_bias; /* [E] "norm2.*": encoder: around the feed-forward; decoder: cross-attention */
	float *norm3_weight, *norm3_bias; /* [E] "norm3.*": decoder only, around the feed-forward */
} TransformerLayer;

/* A stack of N layers, as torch.nn.TransformerEncoder / TransformerDecoder. */
typedef struct {
	TransformerConfig cfg;
	bool decoder;
	TransformerLayer *layer;          /* [N] */
	float *norm_weight, *norm_bias;   /* [E] "norm.*", NULL without the final norm */
} Transformer;

/*
 * Declare the stack's parameters as "<prefix>layers.{i}.self_attn.in_proj_weight" and so on, with the
 * initialisation rules of torch's modules (xavier-uniform attention projections, nn.Linear's rule for
 * linear1 and linear2, ones and zeros for LayerNorm). Dies with a usage message when E % H != 0.
 */
void transformer_declare(Params *p, Transformer *m, const TransformerConfig *cfg, bool decoder, const char *prefix);
void transformer_free(Transformer *m);

/* Floats of work space encoder_forward needs for T positions. */
size_t encoder_work_size(const Transformer *m, size_t T);
/*
 * x[T,E] = Encoder(x) in place: N times  x = LayerNorm(x + SelfAttention(x)); x = LayerNorm(x + FFN(x))
 * (section 3.1; pre-norm: x = x + SelfAttention(LayerNorm(x)); x = x + FFN(LayerNorm(x))), then the
 * final norm. allowed[T,T] (NULL = all) as attention_forward (the padding mask: 0 for keys that are <pad>).
 * attn[N,H,T,T] (NULL = not wanted) receives every layer's and head's weights. Returns the number of
 * query rows that had every key blocked (their attention output is zero).
 */
size_t encoder_forward(float *x, float *attn, float *work, const Transformer *m, const unsigned char *allowed,
		       size_t T);

/* Floats of work space decoder_forward needs for T target and S memory positions. */
size_t decoder_work_size(const Transformer *m, size_t T, size_t S);
/*
 * y[T,E] = Decoder(y, memory[S,E]) in place: N times
 *   y = LayerNorm(y + MaskedSelfAttention(y)); y = LayerNorm(y + Attention(y, memory)); y = LayerNorm(y + FFN(y))
 * (section 3.1; pre-norm as in encoder_forward), then the final norm. Self-attention is causal (position t
 * sees positions 0..t); self_allowed[T,T] and cross_allowed[T,S] (NULL = all) add padding masks.
 * self_attn[N,H,T,T] and cross_attn[N,H,T,S] (NULL = not wanted) receive the weights.
 */
size_t decoder_forward(float *y, float *self_attn, float *cross_attn, float *work, const Transformer *m,
		       const float *memory, const unsigned char *self_allowed, const unsigned char *cross_allowed,
		       size_t T, size_t S);

/*
 * The decoder's caches for generation, one position at a time. The keys and values of the positions
 * already decoded never change (self-attention is causal), so each new position projects only its own
 * and attends to the kept ones: a step costs O(T) instead of a whole re-run, O(T^2). The memory's keys
 * and values, the same at every step, are projected once per source sequence.
 */
typedef struct {
	size_t N, E, max_T;
	MhaCache *self;    /* [N] each layer's self-attention keys and values, [max_T, E] each */
} KvCache;

typedef struct {
	size_t N, max_S;
	MhaCache *cross;   /* [N] each layer's cross-attention keys and values of the memory, [max_S, E] each */
} MemoryCache;

KvCache *kv_cache_new(const Transformer *m, size_t max_T);
void kv_cache_free(KvCache *c);
/* Positions cached so far. */
size_t kv_cache_len(const KvCache *c);
/* Forget every position (a new sequence). */
void kv_cache_clear(KvCache *c);
/* dst = src (made for the same model and max_T): beam search moves a hypothesis' cache to another slot. */
void kv_cache_copy(KvCache *dst, const KvCache *src);

MemoryCache *memory_cache_new(const Transformer *m, size_t max_S);
void memory_cache_free(MemoryCache *c);
/* Project memory[S,E] (S <= max_S) through every layer's cross-attention key and value weights. */
void memory_cache_fill(MemoryCache *c, const Transformer *m, const float *memory, size_t S);

/* Floats of work space decoder_step needs with caches of max_T target and max_S memory positions. */
size_t decoder_step_work_size(const Transformer *m, size_t max_T, size_t max_S);
/*
 * y[E] = the decoder's output at position t = kv_cache_len(c), from that position's input y[E] (in
 * place), the positions cached before it and the memory's cached keys and values; appends position t
 * to c. Equal to row t of decoder_forward on the whole prefix 0..t (without padding masks: one
 * sequence is generated at a time). t must be below max_T (a caller's bug otherwise: it dies).
 */
void decoder_step(float *y, float *work, const Transformer *m, KvCache *c, const MemoryCache *mem);

/* ---- the whole model of decode --generate ------------------------------------------------------- */

/*
 * Settings of a whole model as "key value" pairs: from the archive's "config" entry and from the
 * command line. A key set twice with different values is an error naming both places (an option
 * that contradicts the archive is not a silent override). Keys (docs/transformer.md):
 *   arch d_model heads encoder_layers decoder_layers d_ff activation norm_first final_norm eps
 *   scale posenc posenc_base posenc_layout bos eos chars tie
 */
typedef struct {
	char **keys, **values, **wheres;  /* [count] */
	size_t count;
} ModelConfig;

/* Set key to value; where ("--heads", "model.npz: config line 3") names the source in errors. */
void config_set(ModelConfig *c, const char *key, const char *value, const char *where);
/* Every "key value" line of text ('#' starts a comment). */
void config_parse(ModelConfig *c, const char *text, const char *where);
/* The value of key, or NULL when unset. */
const char *config_get(const ModelConfig *c, const char *key);
void config_free(ModelConfig *c);
/* Where a setting came from, for an error about its value. */
const char *config_where(const ModelConfig *c, const char *key);
/* A whole number in [min, max] (def when unset), and 0 / 1; a bad value dies naming where it came from. */
size_t config_size(const ModelConfig *c, const char *key, size_t def, size_t min, size_t max);
bool config_bool(const ModelConfig *c, const char *key, bool def);
/* The vocabulary in the archive's entry name, or in the file path (option names it); exactly one of them. */
Vocab *model_vocab(Npz *z, const char *name, const char *path, const char *option);
/* The id of token in v, which generation needs; dies naming where otherwise. */
size_t special_id(const Vocab *v, const char *token, const char *where);
/* Die on an entry of z that is neither config, src_vocab, tgt_vocab nor one of the parameters p. */
void model_check_entries(Npz *z, const Params *p);

/*
 * A whole model's tokens: how a source line becomes ids, the two vocabularies, and the target's <s>
 * and </s>, which start and end generation.
 */
typedef struct {
	TokenizeOptions src_tok;        /* bos, eos, chars */
	Vocab *src_vocab, *tgt_vocab;
	size_t Vs, Vt;                  /* their sizes */
	size_t bos, eos;                /* the target's <s> and </s> ids */
} ModelTokens;

/*
 * t from the settings c (bos, eos, chars) and the archive z: the vocabularies in its "src_vocab" and
 * "tgt_vocab" entries, else the files src_vocab_path and tgt_vocab_path (model_vocab). Dies on a
 * missing vocabulary, or a target vocabulary without <s> or </s>.
 */
void model_tokens_load(ModelTokens *t, const ModelConfig *c, Npz *z, const char *src_vocab_path,
		       const char *tgt_vocab_path);
void model_tokens_free(ModelTokens *t);

/*
 * The layers of a whole model between tokens and vectors (section 3.4), the same for the Transformer
 * and the recurrent seq2seq: the source and target embeddings, and the generator, the linear layer
 * whose log softmax gives the next token's log-probabilities. With tie there is no generator.weight:
 * the generator projects with tgt_embed (Et = H).
 */
typedef struct {
	float *src_embed;               /* [Vs, E]  "src_embed.weight" */
	float *tgt_embed;               /* [Vt, Et] "tgt_embed.weight" */
	float *generator_weight;        /* [Vt, H]  "generator.weight" (tgt_embed with tie) */
	float *generator_bias;          /* [Vt]     "generator.bias" */
} TokenLayers;

/*
 * A whole model's loading, after its encoder and decoder are declared in p: declare t's parameters
 * too, load them all from the archive z, tie, and die on an entry of z that is not a parameter.
 */
void token_layers_load(Params *p, TokenLayers *t, Npz *z, size_t Vs, size_t E, size_t Vt, size_t Et, size_t H,
		       bool tie);
/* logprobs[Vt] = log softmax(W_gen o + b_gen), o [H] a decoder output */
void token_layers_project(float *logprobs, const TokenLayers *t, const float *o, size_t H, size_t Vt);

/*
 * An encoder-decoder Transformer with its embeddings and output projection (Vaswani et al. 2017,
 * figure 1): the parameters of one .npz, named as nn.Transformer's state_dict() under "encoder." and
 * "decoder.", plus "src_embed.weight", "tgt_embed.weight", "generator.weight" and "generator.bias".
 */
typedef struct {
	size_t E;                       /* d_model */
	Transformer encoder, decoder;
	float embed_scale;              /* sqrt(E) when the embeddings are scaled (section 3.4), else 1 */
	bool sinusoidal;                /* add the sinusoidal positional encoding (section 3.5) */
	double base;
	PosencLayout layout;
	bool tie;                       /* the output projection is tgt_embed (section 3.4), no generator.weight */
	ModelTokens tok;                /* vocabularies, Vs and Vt */
	TokenLayers io;                 /* embeddings and generator, Et = H = E */
	Params params;
} TransformerModel;

/*
 * Load the model at path: settings from c (the command line) and the archive's "config" entry,
 * vocabularies from its "src_vocab" and "tgt_vocab" entries (else src_vocab_path, tgt_vocab_path),
 * d_model from src_embed.weight. Dies on contradictions, missing or unused entries.
 */
TransformerModel *model_load(const char *path, ModelConfig *c, const char *src_vocab_path,
			     const char *tgt_vocab_path);
void model_free(TransformerModel *m);

/* x[T,E] = table[ids[t]] * embed_scale + PE(offset + t)   (sections 3.4 and 3.5); scratch[E] */
void model_embed(float *x, float *scratch, const TransformerModel *m, const float *table, const size_t *ids,
		 size_t offset, size_t T);

/*
 * Generation (the prediction loop): encode the source once, then from <s> run the decoder on what has
 * been produced so far, project to the target vocabulary, pick the next token (greedy, or beam search
 * with K hypotheses), append it, until </s> or max_len tokens. With the cache each step decodes one
 * new position per hypothesis; without it, the whole prefix again (the same numbers, slower).
 */
typedef struct Generator Generator;

Generator *generator_new(const TransformerModel *m, size_t K, size_t max_len, double alpha, bool use_cache);
void generator_free(Generator *g);
/* The output for src_ids[S]: *out [L] target ids, ending with eos unless cut at max_len; returns L. */
size_t generate(Generator *g, const size_t *src_ids, size_t S, const size_t **out);
/*
 * After generate: the decoder teacher-forced on <s> out[0..L-2]: scores[L,Vt] (NULL = not wanted) the
 * log-probabilities of every step, cross[N,H,L,S] (NULL = not wanted) the encoder-decoder attention.
 */
void generator_rescore(Generator *g, float *scores, float *cross, const size_t *out, size_t L);
/*
 * decode --generate with the Transformer (lib/generate): every line of input translated by g; the
 * alignment on attn is the cross-attention of decoder layer `layer`, head `head` (the mean over heads
 * when head < 0), as cross_attention_of gives it.
 */
void transformer_generate_stream(const char *input, FILE *out, StreamWriter *attn, StreamWriter *scores,
				 Generator *g, size_t layer, long head);
/*
 * align[L,S] = the cross-attention cross[N,H,L,S] of layer i: head h, or the mean over heads when
 * h < 0 (PyTorch's average_attn_weights): which source positions each output position read.
 */
void cross_attention_of(float *align, const float *cross, size_t i, long h, size_t H, size_t L,
			size_t S);

/* ---- the options encode and decode share ------------------------------------------------------ */

/*
 * --arch, --layers, --heads, --ff, --activation, --norm-first, --final-norm, --eps: for a program's
 * getopt_long table (TRANSFORMER_LONG_OPTIONS), its usage text (TRANSFORMER_USAGE) and its option loop
 * (transformer_option). Codes from OPT_PROGRAM + 100, above any program's own.
 */
enum {
	OPT_ARCH = OPT_PROGRAM + 100,
	OPT_LAYERS,
	OPT_HEADS,
	OPT_FF,
	OPT_ACTIVATION,
	OPT_NORM_FIRST,
	OPT_FINAL_NORM,
	OPT_EPS,
};

#define TRANSFORMER_LONG_OPTIONS                                                                        \
	{ "arch", required_argument, NULL, OPT_ARCH }, { "layers", required_argument, NULL, OPT_LAYERS },   \
		{ "heads", required_argument, NULL, OPT_HEADS }, { "ff", required_argument, NULL, OPT_FF }, \
		{ "activation", required_argument, NULL, OPT_ACTIVATION },                           \
		{ "norm-first", no_argument, NULL, OPT_NORM_FIRST },                                 \
		{ "final-norm", no_argument, NULL, OPT_FINAL_NORM },                                 \
		{ "eps", required_argument, NULL, OPT_EPS }

#define TRANSFORMER_USAGE                                                                                   \
	"      --arch A            transformer (the default), rnn, gru or lstm (docs/rnn-seq2seq.md)\n"     \
	"      --layers N          layers (default 6, the paper's)\n"                                             \
	"      --heads H           attention heads; d_model must be divisible by H (default 8)\n"                 \
	"      --ff F              feed-forward width d_ff (default 4 d_model, the paper's 2048 / 512)\n"         \
	"      --activation A      relu (the paper's, default) or gelu\n"                                         \
	"      --norm-first        pre-norm: x + Sublayer(LayerNorm(x)); default post-norm LayerNorm(x + Sublayer(x))\n" \
	"      --final-norm        a LayerNorm after the last layer (parameters norm.weight, norm.bias)\n"        \
	"      --eps X             LayerNorm's epsilon (default 1e-5)\n"

/*
 * encode's and decode's first step for tensor number index of the input at path: it must be a matrix
 * T x E; at the first (index 0) d_model = E, d_ff defaults to 4 E, and the stack's parameters are
 * declared and filled from source; every later tensor must be E wide too. Dies naming the tensor.
 */
void transformer_for_input(Params *p, Transformer *m, TransformerConfig *cfg, bool decoder,
			   const ParamSource *source, const Tensor *x, const char *path, size_t index);

/* The defaults: the paper's N = 6 and H = 8, relu, post-norm, F = 0 (4 E once E is known), eps 1e-5. */
void transformer_defaults(TransformerConfig *cfg);
/*
 * Handle one shared option into cfg; when settings is not NULL, also record it there as given on the
 * command line (decode --generate checks it against the archive). Returns 0 when c is not one of them.
 */
int transformer_option(TransformerConfig *cfg, ModelConfig *settings, int c, const char *arg);

#endif
