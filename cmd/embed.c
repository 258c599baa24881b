/* SPDX-License-Identifier: MIT */
/* embed: text in, one labelled T x d_model tensor per line out (token embeddings, torch.nn.Embedding). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "err.h"
#include "outfile.h"
#include "opts.h"
#include "params.h"
#include "patch.h"
#include "picture.h"
#include "stream.h"
#include "tensor.h"
#include "vocab.h"

static const char usage_text[] =
	"usage: embed [--vocab FILE] [--save-vocab FILE] [--chars | --ids] [--bos] [--eos] [--pad-to N]\n"
	"             [--dim E | --one-hot] [--scale] [--show-ids] [--padding-idx N] [--max-norm X]\n"
	"             [--norm-type P] [--prefix P] [--weights FILE | --seed N] [--save-weights FILE]\n"
	"             [-b | --npy] [--digits N] [--threads N] [FILE ...]\n"
	"       embed --image FILE.png [--patch P] [--crop] [--cls] [--mean M[,M...]] [--std S[,S...]]\n"
	"             [--dim E] [--prefix P] [--weights FILE | --seed N] [--save-weights FILE]\n"
	"             [-b | --npy] [--digits N] [--threads N]\n"
	"       embed --audio FILE.wav [--frame-ms MS] [--hop-ms MS] [--n-fft N] [--mels M]\n"
	"             [-b | --npy] [--digits N] [--threads N]\n"
	"\n"
	"Each input line (from FILEs or stdin) becomes one tensor of T rows, one per token, labelled\n"
	"with the tokens. Without --vocab the vocabulary is built from the whole input: <pad> <unk>\n"
	"<s> </s> (ids 0 to 3), then the tokens by falling count, ties in byte order.\n"
	"\n"
	"      --vocab FILE         one token per line, id = line number from 0\n"
	"      --save-vocab FILE    write the vocabulary used, for later runs\n"
	"      --chars              split into characters (a whitespace run becomes <sp>), not words\n"
	"      --ids                the lines hold token ids, not words (needs --vocab)\n"
	"      --bos, --eos         put <s> before, </s> after every sequence\n"
	"      --pad-to N           append <pad> up to N positions; a longer sequence is an error\n"
	"      --dim E              d_model, the width of each vector (default 16)\n"
	"      --one-hot            write one-hot rows of width V instead (no parameters)\n"
	"      --scale              multiply by sqrt(d_model), as the paper does (section 3.4)\n"
	"      --show-ids           label rows token:id instead of token\n"
	"      --padding-idx N      row N (negative: from the end) is drawn as zeros (nn.Embedding's padding_idx)\n"
	"      --max-norm X         rows with a norm above X are scaled to X at lookup (nn.Embedding's max_norm)\n"
	"      --norm-type P        the p of that p-norm (default 2)\n"
	"      --prefix P           read the parameter as P<name>, e.g. tgt_embed. in a whole-model archive\n"
	"      --weights FILE       parameter weight [V, E] from an .npz\n"
	"      --seed N             else weight ~ normal(0, 1) from seed N (default 1)\n"
	"      --save-weights FILE  write the parameters used to an .npz\n"
	"\n"
	"With --image, each PNG (gray, gray+alpha, RGB or RGBA; 8 or 16 bits) becomes one tensor of\n"
	"its P x P patches in row-major order, rows labelled p<row>_<column>, each patch projected to\n"
	"d_model as the Vision Transformer's nn.Conv2d(C, E, P, stride=P) does.\n"
	"      --image FILE.png     the picture (again for more pictures; - is stdin)\n"
	"      --patch P            the patch side in pixels (default: from --weights)\n"
	"      --crop               drop the right and bottom pixels that do not fill a patch\n"
	"      --cls                put the class token (cls_token [1,1,E]) before the patches\n"
	"      --mean M[,M...]      subtract M from each channel's values in [0,1] (one, or one per channel)\n"
	"      --std S[,S...]       then divide by S (torchvision's Normalize)\n"
	"      parameters           proj.weight [E,C,P,P] and proj.bias [E] (Conv2d's init), cls_token\n"
	"\n"
	"With --audio, each sound file (WAV; channels averaged) becomes one tensor of its frames, one\n"
	"row of M log-mel energies per frame, rows labelled by their start (t0.000, t0.010, ...):\n"
	"ln(max(mel filters . |FFT(Hann window . frame)|^2, 1e-10)); no parameters (linear projects them).\n"
	"      --audio FILE.wav     the sound (again for more sounds)\n"
	"      --frame-ms MS        frame length (default 25); only frames wholly inside the sound\n"
	"      --hop-ms MS          from one frame's start to the next's (default 10)\n"
	"      --n-fft N            FFT points, the frame zero-padded (default: the frame's samples)\n"
	"      --mels M             triangular filters on the HTK mel scale, 0 Hz to rate / 2 (default 40)\n"
	COMMON_USAGE("        ");

enum { OPT_VOCAB = OPT_PROGRAM, OPT_SAVE_VOCAB, OPT_CHARS, OPT_IDS, OPT_BOS, OPT_EOS, OPT_PAD_TO, OPT_DIM,
       OPT_ONE_HOT, OPT_SCALE, OPT_SHOW_IDS, OPT_PREFIX, OPT_IMAGE, OPT_PATCH, OPT_CROP, OPT_CLS, OPT_MEAN,
       OPT_STD, OPT_PADDING_IDX, OPT_MAX_NORM, OPT_NORM_TYPE, OPT_AUDIO, OPT_FRAME_MS, OPT_HOP_MS, OPT_N_FFT,
       OPT_MELS };

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "vocab", required_argument, NULL, OPT_VOCAB },
	{ "save-vocab", required_argument, NULL, OPT_SAVE_VOCAB },
	{ "chars", no_argument, NULL, OPT_CHARS },
	{ "ids", no_argument, NULL, OPT_IDS },
	{ "bos", no_argument, NULL, OPT_BOS },
	{ "eos", no_argument, NULL, OPT_EOS },
	{ "pad-to", required_argument, NULL, OPT_PAD_TO },
	{ "dim", required_argument, NULL, OPT_DIM },
	{ "one-hot", no_argument, NULL, OPT_ONE_HOT },
	{ "scale", no_argument, NULL, OPT_SCALE },
	{ "show-ids", no_argument, NULL, OPT_SHOW_IDS },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "patch", required_argument, NULL, OPT_PATCH },
	{ "crop", no_argument, NULL, OPT_CROP },
	{ "cls", no_argument, NULL, OPT_CLS },
	{ "mean", required_argument, NULL, OPT_MEAN },
	{ "std", required_argument, NULL, OPT_STD },
	{ "audio", required_argument, NULL, OPT_AUDIO },
	{ "frame-ms", required_argument, NULL, OPT_FRAME_MS },
	{ "hop-ms", required_argument, NULL, OPT_HOP_MS },
	{ "n-fft", required_argument, NULL, OPT_N_FFT },
	{ "mels", required_argument, NULL, OPT_MELS },
	{ "padding-idx", required_argument, NULL, OPT_PADDING_IDX },
	{ "max-norm", required_argument, NULL, OPT_MAX_NORM },
	{ "norm-type", required_argument, NULL, OPT_NORM_TYPE },
	{ NULL, 0, NULL, 0 },
};

#define DEFAULT_DIM 16

static CommonOptions common;
static TokenizeOptions tok;
static const char *vocab_path, *save_vocab_path;
static size_t dim = DEFAULT_DIM;
static int dim_given, one_hot_rows, scale, show_ids;
/* nn.Embedding's padding_idx (given: padding_given), max_norm (0 = none) and norm_type */
static long padding_idx;
static int padding_given;
static double max_norm, norm_type = 2.0;

/* --image: the pictures, their patches and normalisation */
static const char **images;
static size_t nimages, patch, nmean, nstd;

/* --audio: the sounds, and how they are cut into frames (lib/audio) */
static const char **sounds;
static size_t nsounds;
static int audio_options_given;
static AudioOptions audio = { .frame_ms = 25.0, .hop_ms = 10.0, .n_fft = 0, .mels = 40 };
static int crop, cls;
static double mean[4], std_dev[4];

static Vocab *vocab;
static float *weight; /* [V, E], PyTorch's name "weight" */

/* --padding-idx as a row of the [V, E] table: -V .. V-1, as nn.Embedding takes it */
static size_t padding_row(size_t V)
{
	if (padding_idx >= (long)V || padding_idx < -(long)V)
		die("--padding-idx %ld: the vocabulary has %zu tokens (ids 0 to %zu, or -%zu to -1)", padding_idx, V,
		    V - 1, V);
	return padding_idx < 0 ? (size_t)((long)V + padding_idx) : (size_t)padding_idx;
}

/* A line of input and where it came from ("path: line N"), kept while a vocabulary is built. */
typedef struct {
	char *text;
	char *where;
} Line;

static char *where_str(const char *path, size_t line_no)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	size_t n = strlen(name) + 32;
	char *s = xmalloc(n);

	snprintf(s, n, "%s: line %zu", name, line_no);
	return s;
}

/* One line to one tensor on stdout: T x E embeddings (or T x V one-hot), rows labelled with the tokens. */
static void embed_line(const char *text, const char *where)
{
	Sequence s;
	Tensor *x;

	sequence_encode(&s, vocab, text, &tok, where);
	if (max_norm > 0.0)
		embedding_renorm(weight, s.ids, max_norm, norm_type, s.len, dim);
	x = sequence_tensor(&s, vocab, one_hot_rows ? NULL : weight, dim, scale ? embedding_scale(dim) : 1.0f,
			    show_ids);
	if (common.out.format == FORMAT_TEXT) {
		printf("# ids");
		for (size_t t = 0; t < s.len; t++)
			printf(" %zu", s.ids[t]);
		putchar('\n');
	}
	stream_write(stdout, x, &common.out);
	tensor_free(x);
	sequence_free(&s);
}

/* Read every line of every file: with lines != NULL keep them, else embed each one as it comes. */
static void read_lines(char **files, int nfiles, Line **lines, size_t *nlines)
{
	static char *stdin_only[] = { "-" };
	char *buf = NULL;
	size_t cap = 0, kept_cap = 0;

	if (nfiles == 0)
		files = stdin_only, nfiles = 1;
	for (int i = 0; i < nfiles; i++) {
		FILE *f = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
		ssize_t len;
		size_t line_no = 0;
		if (f == NULL)
			die("%s:", files[i]);
		outfile_note_input(fileno(f), files[i]);
		if (f == stdin)
			hint_terminal_input("lines of text (one sequence each)");
		while ((len = getline(&buf, &cap, f)) != -1) {
			char *where = where_str(files[i], ++line_no);
			if (memchr(buf, '\0', (size_t)len))
				die("%s: NUL byte: binary data, not text?", where);
			if (len > 0 && buf[len - 1] == '\n')
				buf[len - 1] = '\0';
			if (lines == NULL) {
				embed_line(buf, where);
				free(where);
				continue;
			}
			if (*nlines == kept_cap) {
				kept_cap = kept_cap ? xmul(kept_cap, 2, "lines") : 64;
				*lines = xrealloc(*lines, xmul(kept_cap, sizeof(Line), "lines"));
			}
			(*lines)[*nlines].text = xstrdup(buf);
			(*lines)[*nlines].where = where;
			(*nlines)++;
		}
		if (ferror(f))
			die("%s: read error:", files[i]);
		if (f != stdin)
			fclose(f);
	}
	free(buf);
}

/* The vocabulary of the kept lines: count every token, then order by vocab_by_frequency. */
static Vocab *build_vocab(const Line *lines, size_t nlines)
{
	Vocab *counted = vocab_new(), *built;

	for (size_t k = 0; k < nlines; k++)
		vocab_count_line(counted, lines[k].text, tok.chars);
	built = vocab_by_frequency(counted);
	vocab_free(counted);
	return built;
}

/* --image: each picture to one tensor [T, E] of its patches (lib/patch), rows labelled p<i>_<j>. */
static void embed_images(void)
{
	Params params = { 0 };
	PatchEmbed w;

	for (size_t k = 0; k < nimages; k++) {
		Picture *pic = picture_read_png(images[k]);
		const char *name = strcmp(images[k], "-") == 0 ? "stdin" : images[k];
		size_t C = pic->channels;
		float m[4], s[4];
		Tensor *x;
		if (k == 0)
			patch_embed_setup(&params, &w, &common.params, C, patch, dim_given ? dim : 0, DEFAULT_DIM, cls,
					  name);
		else if (C != w.C)
			die("%s: %zu channels, the first picture has %zu: one projection takes one kind", name, C, w.C);
		if ((nmean > 1 && nmean != C) || (nstd > 1 && nstd != C))
			die("%s: %zu channels, but --mean or --std gives %zu values (give one, or one per channel)", name,
			    C, nmean > 1 && nmean != C ? nmean : nstd);
		for (size_t c = 0; c < C; c++) {
			m[c] = nmean ? (float)mean[nmean > 1 ? c : 0] : 0.0f;
			s[c] = nstd ? (float)std_dev[nstd > 1 ? c : 0] : 1.0f;
		}
		patch_grid_check(pic->height, pic->width, w.P, crop, name);
		normalize_channels(pic->data, m, s, C, pic->height * pic->width);
		x = patch_embed_tensor(&w, pic->data, pic->height, pic->width);
		stream_write(stdout, x, &common.out);
		tensor_free(x);
		picture_free(pic);
	}
	params_free(&params);
	free(images);
}

int main(int argc, char **argv)
{
	Params params = { 0 };
	Line *lines = NULL;
	size_t nlines = 0;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text))
			continue;
		switch (c) {
		case OPT_VOCAB:
			vocab_path = optarg;
			break;
		case OPT_SAVE_VOCAB:
			save_vocab_path = optarg;
			break;
		case OPT_CHARS:
			tok.chars = true;
			break;
		case OPT_IDS:
			tok.ids = true;
			break;
		case OPT_BOS:
			tok.bos = true;
			break;
		case OPT_EOS:
			tok.eos = true;
			break;
		case OPT_PAD_TO:
			tok.pad_to = (size_t)parse_long(optarg, "--pad-to", 1, 1000000);
			break;
		case OPT_DIM:
			dim = (size_t)parse_long(optarg, "--dim", 1, 1000000);
			dim_given = 1;
			break;
		case OPT_ONE_HOT:
			one_hot_rows = 1;
			break;
		case OPT_SCALE:
			scale = 1;
			break;
		case OPT_PREFIX:
			common.params.prefix = optarg;
			common.params.allow_extra = 1; /* the embedding of a larger model */
			break;
		case OPT_SHOW_IDS:
			show_ids = 1;
			break;
		case OPT_PADDING_IDX:
			padding_idx = parse_long(optarg, "--padding-idx", -1000000000L, 1000000000L);
			padding_given = 1;
			break;
		case OPT_MAX_NORM:
			max_norm = parse_double(optarg, "--max-norm", 1e-30, 1e30);
			break;
		case OPT_NORM_TYPE:
			norm_type = parse_double(optarg, "--norm-type", 1e-3, 1e3);
			break;
		case OPT_IMAGE:
			images = xrealloc(images, xmul(nimages + 1, sizeof(*images), "--image"));
			images[nimages++] = optarg;
			break;
		case OPT_PATCH:
			patch = (size_t)parse_long(optarg, "--patch", 1, IMAGE_MAX_SIDE);
			break;
		case OPT_CROP:
			crop = 1;
			break;
		case OPT_CLS:
			cls = 1;
			break;
		case OPT_MEAN:
			nmean = parse_doubles(optarg, "--mean", -1e6, 1e6, mean, 4);
			break;
		case OPT_STD:
			nstd = parse_doubles(optarg, "--std", 1e-6, 1e6, std_dev, 4);
			break;
		case OPT_AUDIO:
			sounds = xrealloc(sounds, xmul(nsounds + 1, sizeof(*sounds), "--audio"));
			sounds[nsounds++] = optarg;
			break;
		case OPT_FRAME_MS:
			audio.frame_ms = parse_double(optarg, "--frame-ms", 0.01, 60000.0);
			audio_options_given = 1;
			break;
		case OPT_HOP_MS:
			audio.hop_ms = parse_double(optarg, "--hop-ms", 0.01, 60000.0);
			audio_options_given = 1;
			break;
		case OPT_N_FFT:
			audio.n_fft = (size_t)parse_long(optarg, "--n-fft", 1, 1L << 24);
			audio_options_given = 1;
			break;
		case OPT_MELS:
			audio.mels = (size_t)parse_long(optarg, "--mels", 1, 4096);
			audio_options_given = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (nimages == 0 && (patch || crop || cls || nmean || nstd))
		usage_error("--patch, --crop, --cls, --mean and --std go with --image");
	if (nimages > 0 && (padding_given || max_norm > 0.0))
		usage_error("--padding-idx and --max-norm are nn.Embedding's: not with --image");
	if (nsounds == 0 && audio_options_given)
		usage_error("--frame-ms, --hop-ms, --n-fft and --mels go with --audio");
	if (nsounds > 0) {
		if (argc > 0 || nimages || vocab_path || save_vocab_path || tok.chars || tok.ids || tok.bos || tok.eos ||
		    tok.pad_to || one_hot_rows || scale || show_ids || dim_given || padding_given || max_norm > 0.0 ||
		    common.params.weights || common.params.save_weights)
			usage_error("--audio reads sounds and has no parameters: no text FILEs, --image, text or "
				    "embedding options (project the frames with linear)");
		for (size_t k = 0; k < nsounds; k++) {
			Tensor *x = audio_logmel_tensor(sounds[k], &audio);
			stream_write(stdout, x, &common.out);
			tensor_free(x);
		}
		free(sounds);
		close_stdout();
		return 0;
	}
	if (nimages > 0) {
		if (argc > 0 || vocab_path || save_vocab_path || tok.chars || tok.ids || tok.bos || tok.eos ||
		    tok.pad_to || one_hot_rows || scale || show_ids)
			usage_error("--image reads pictures: no text FILEs or text options (--vocab, --chars, --ids, "
				    "--bos, --eos, --pad-to, --one-hot, --scale, --show-ids)");
		embed_images();
		close_stdout();
		return 0;
	}
	if (tok.chars && tok.ids)
		usage_error("--chars and --ids do not go together: ids are already tokens");
	if (tok.ids && vocab_path == NULL)
		usage_error("--ids needs --vocab: the vocabulary sets the table's size and the row labels");
	if (one_hot_rows && (dim_given || scale || common.params.weights || common.params.save_weights ||
			     padding_given || max_norm > 0.0))
		usage_error("--one-hot has no parameters: its width is the vocabulary size (no --dim, --scale, "
			    "--weights, --save-weights, --padding-idx, --max-norm)");
	if (norm_type != 2.0 && max_norm == 0.0)
		usage_error("--norm-type is the norm of --max-norm: give --max-norm too");

	if (vocab_path) {
		vocab = vocab_load(vocab_path);
	} else {
		read_lines(argv, argc, &lines, &nlines);
		vocab = build_vocab(lines, nlines);
	}
	if (save_vocab_path)
		vocab_save(vocab, save_vocab_path);
	if (!one_hot_rows) {
		size_t shape[2];
		if (!dim_given) /* d_model from the table in --weights, else the default */
			dim = 0;
		params_size(&common.params, "weight", 1, &dim, "--dim");
		if (dim == 0)
			dim = DEFAULT_DIM;
		shape[0] = vocab->count, shape[1] = dim;
		params_add(&params, &weight, "weight", INIT_NORMAL, 1.0, 2, shape); /* nn.Embedding: N(0, 1) */
		if (padding_given) /* as nn.Embedding: -V .. V-1, a negative index counts from the end */
			params_zero_row(&params, padding_row(vocab->count));
		params_fill(&params, &common.params);
	}

	if (vocab_path) {
		read_lines(argv, argc, NULL, NULL); /* a fixed vocabulary: embed line by line as they come */
	} else {
		for (size_t k = 0; k < nlines; k++) {
			embed_line(lines[k].text, lines[k].where);
			free(lines[k].text);
			free(lines[k].where);
		}
		free(lines);
	}
	params_free(&params);
	vocab_free(vocab);
	close_stdout();
	return 0;
}
