/* SPDX-License-Identifier: MIT */
#include "audio.h"

#include <fftw3.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* N = samples, L = frame length, H = hop, F = frames, n_fft = FFT size, K = n_fft / 2 + 1 bins, M = mel filters */

/*
 * A RIFF file (WAV) says its own length in bytes 4..7: a file shorter than that lost its end. libsndfile
 * reads what is there and says nothing, so this check is ours. 0 and 0xFFFFFFFF mean "unknown" (a writer
 * that streamed), and are let through.
 */
static void check_riff_length(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char head[12];
	unsigned long promised;
	long size;

	if (f == NULL)
		die("%s:", path);
	if (fread(head, 1, sizeof(head), f) == sizeof(head) && memcmp(head, "RIFF", 4) == 0 &&
	    memcmp(head + 8, "WAVE", 4) == 0 && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0) {
		promised = (unsigned long)head[4] | (unsigned long)head[5] << 8 | (unsigned long)head[6] << 16 |
			   (unsigned long)head[7] << 24;
		if (promised != 0 && promised != 0xFFFFFFFFUL && (unsigned long)size < promised + 8)
			die("%s: truncated: its header promises %lu bytes, the file has %ld", path, promised + 8, size);
	}
	fclose(f);
}

void sound_read(Sound *s, const char *path)
{
	SF_INFO info = { 0 };
	SNDFILE *f;
	float *frames;
	size_t n;

	check_riff_length(path);
	f = sf_open(path, SFM_READ, &info);
	if (f == NULL)
		die("%s: not a sound file libsndfile can read (%s)", path, sf_strerror(NULL));
	if (info.frames <= 0 || info.channels <= 0)
		die("%s: no sound in it (0 samples)", path);
	n = (size_t)info.frames;
	s->channels = (size_t)info.channels;
	s->rate = info.samplerate;
	frames = xmalloc(xmul(xmul(n, s->channels, "sound"), sizeof(float), "sound"));
	if (sf_readf_float(f, frames, info.frames) != info.frames)
		die("%s: truncated: %zu samples announced, fewer there (%s)", path, n, sf_strerror(f));
	sf_close(f);
	/* mono: each sample the mean of its channels */
	s->x = xmalloc(xmul(n, sizeof(float), "sound"));
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		double sum = 0.0;
		for (size_t c = 0; c < s->channels; c++)
			sum += frames[i * s->channels + c];
		s->x[i] = (float)(sum / (double)s->channels);
	}
	free(frames);
}

void sound_free(Sound *s)
{
	free(s->x);
	s->x = NULL;
}

size_t audio_frame_count(size_t N, size_t L, size_t H)
{
	return N < L ? 0 : 1 + (N - L) / H;
}

void hann_window(double *w, size_t L)
{
	for (size_t l = 0; l < L; l++)
		w[l] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)l / (double)L);
}

double hz_to_mel(double f)
{
	return 2595.0 * log10(1.0 + f / 700.0);
}

double mel_to_hz(double mel)
{
	return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
}

void mel_filterbank(double *fb, size_t M, size_t n_fft, double rate)
{
	const size_t K = n_fft / 2 + 1;
	const double mel_max = hz_to_mel(rate / 2.0);

	for (size_t m = 0; m < M; m++) {
		/* the corners: M + 2 points evenly spaced on the mel scale from 0 to rate / 2, back in Hz */
		const double lo = mel_to_hz(mel_max * (double)m / (double)(M + 1));
		const double mid = mel_to_hz(mel_max * (double)(m + 1) / (double)(M + 1));
		const double hi = mel_to_hz(mel_max * (double)(m + 2) / (double)(M + 1));
		for (size_t k = 0; k < K; k++) {
			const double f = (double)k * rate / (double)n_fft;
			const double up = (f - lo) / (mid - lo), down = (hi - f) / (hi - mid);
			const double v = up < down ? up : down;
			fb[m * K + k] = v > 0.0 ? v : 0.0;
		}
	}
}

struct LogMel {
	size_t L, H, n_fft, K, M;
	double *window;       /* [L], in double: a window rounded to float leaks the loud bins into the quiet ones */
	double *fb;           /* [M,K] */
	double *frame;        /* [n_fft]: the windowed frame, zero-padded (FFTW's input) */
	fftw_complex *bins;   /* [K]: its spectrum (FFTW's output) */
	fftw_plan plan;
};

/* samples in ms milliseconds at rate, rounded down (as Kaldi's and torchaudio's frame lengths) */
static size_t samples_in(double ms, double rate)
{
	return (size_t)floor(rate * ms / 1000.0 + 1e-9);
}

LogMel *logmel_new(double rate, const AudioOptions *o, const char *where)
{
	LogMel *lm = xcalloc(1, sizeof(*lm));

	lm->L = samples_in(o->frame_ms, rate);
	lm->H = samples_in(o->hop_ms, rate);
	if (lm->L == 0 || lm->H == 0)
		die("%s: at %g samples per second a frame of %g ms or a hop of %g ms is not one sample", where, rate,
		    o->frame_ms, o->hop_ms);
	lm->n_fft = o->n_fft ? o->n_fft : lm->L;
	if (lm->n_fft < lm->L)
		die("%s: --n-fft %zu is shorter than a frame (%g ms = %zu samples at %g per second)", where, lm->n_fft,
		    o->frame_ms, lm->L, rate);
	lm->K = lm->n_fft / 2 + 1;
	lm->M = o->mels;
	lm->window = xmalloc(xmul(lm->L, sizeof(double), "window"));
	lm->fb = xmalloc(xmul(xmul(lm->M, lm->K, "mel filters"), sizeof(double), "mel filters"));
	lm->frame = fftw_malloc(xmul(lm->n_fft, sizeof(double), "fft"));
	lm->bins = fftw_malloc(xmul(lm->K, sizeof(fftw_complex), "fft"));
	if (lm->frame == NULL || lm->bins == NULL)
		die("out of memory (FFT of %zu points)", lm->n_fft);
	hann_window(lm->window, lm->L);
	mel_filterbank(lm->fb, lm->M, lm->n_fft, rate);
	/* FFTW_ESTIMATE: a plan at once, without timing trial runs (which would also overwrite the buffers) */
	lm->plan = fftw_plan_dft_r2c_1d((int)lm->n_fft, lm->frame, lm->bins, FFTW_ESTIMATE);
	if (lm->plan == NULL)
		die("FFTW cannot plan an FFT of %zu points", lm->n_fft);
	return lm;
}

void logmel_free(LogMel *lm)
{
	if (lm == NULL)
		return;
	fftw_destroy_plan(lm->plan);
	fftw_free(lm->frame);
	fftw_free(lm->bins);
	free(lm->window);
	free(lm->fb);
	free(lm);
}

size_t logmel_frame_length(const LogMel *lm)
{
	return lm->L;
}

size_t logmel_hop(const LogMel *lm)
{
	return lm->H;
}

void logmel_frames(LogMel *lm, float *out, const float *x, size_t N)
{
	const size_t F = audio_frame_count(N, lm->L, lm->H), K = lm->K;

	for (size_t f = 0; f < F; f++) {
		const float *x_f = x + f * lm->H;
		float *out_f = out + f * lm->M;
		/* step 1: the frame times the window, zero-padded to n_fft points */
		for (size_t l = 0; l < lm->n_fft; l++)
			lm->frame[l] = l < lm->L ? (double)x_f[l] * lm->window[l] : 0.0;
		/* step 2: X_k = sum_l frame_l e^(-2 pi i k l / n_fft), k = 0 .. K - 1 (the rest mirror them) */
		fftw_execute(lm->plan);
		/* steps 3 and 4: the power |X_k|^2, through each mel filter, then the logarithm */
		for (size_t m = 0; m < lm->M; m++) {
			const double *fb_m = lm->fb + m * K;
			double e = 0.0;
			for (size_t k = 0; k < K; k++)
				if (fb_m[k] != 0.0)
					e += fb_m[k] * (lm->bins[k][0] * lm->bins[k][0] + lm->bins[k][1] * lm->bins[k][1]);
			out_f[m] = (float)log(e > LOGMEL_FLOOR ? e : LOGMEL_FLOOR);
		}
	}
}

Tensor *audio_logmel_tensor(const char *path, const AudioOptions *o)
{
	Sound s;
	LogMel *lm;
	Tensor *t;
	size_t F;
	char **labels;

	sound_read(&s, path);
	lm = logmel_new(s.rate, o, path);
	F = audio_frame_count(s.n, lm->L, lm->H);
	if (F == 0)
		die("%s: %.3f s of sound is shorter than one frame (%g ms = %zu samples): no frame", path,
		    (double)s.n / s.rate, o->frame_ms, lm->L);
	t = tensor_new2(F, lm->M);
	logmel_frames(lm, t->data, s.x, s.n);
	tensor_set_name(t, "logmel");
	/* rows: each frame's start in seconds; columns: the filters */
	labels = xmalloc(xmul(F, sizeof(char *), "labels"));
	for (size_t f = 0; f < F; f++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "t%.3f", (double)(f * lm->H) / s.rate);
		labels[f] = xstrdup(buf);
	}
	tensor_set_row_labels(t, labels);
	labels_free(labels, F);
	labels = xmalloc(xmul(lm->M, sizeof(char *), "labels"));
	for (size_t m = 0; m < lm->M; m++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "mel%zu", m);
		labels[m] = xstrdup(buf);
	}
	tensor_set_col_labels(t, labels);
	labels_free(labels, lm->M);
	logmel_free(lm);
	sound_free(&s);
	return t;
}
