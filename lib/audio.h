/* SPDX-License-Identifier: MIT */
/* audio: sound as a sequence of vectors: a WAV file (libsndfile) cut into frames, each its log-mel spectrum (FFTW). */
#ifndef PF_AUDIO_H
#define PF_AUDIO_H

#include <stddef.h>

#include "tensor.h"

/* N = samples, L = frame length, H = hop, F = frames, n_fft = FFT size, K = n_fft / 2 + 1 bins, M = mel filters */

/* A sound as numbers: the samples in [-1, 1] (libsndfile's scale), channels averaged into one. */
typedef struct {
	float *x;         /* [N] */
	size_t n;         /* N */
	size_t channels;  /* as stored, before averaging */
	double rate;      /* samples per second */
} Sound;

/*
 * Read a sound file (WAV, or anything libsndfile reads) into s, mono: each sample the mean of its channels.
 * Dies with "path: ..." when the file cannot be opened, is not a sound file, is shorter than its RIFF
 * header says (truncated), or holds no sample.
 */
void sound_read(Sound *s, const char *path);
void sound_free(Sound *s);

/* F = the frames of L samples, H apart, that lie wholly inside N samples: 1 + (N - L) / H, or 0 when N < L. */
size_t audio_frame_count(size_t N, size_t L, size_t H);

/* w[L] = the periodic Hann window, 0.5 - 0.5 cos(2 pi l / L) (torch.hann_window(L, periodic=True)). */
void hann_window(double *w, size_t L);

/* The HTK mel scale: mel = 2595 log10(1 + f / 700), and back: f = 700 (10^(mel / 2595) - 1). */
double hz_to_mel(double f);
double mel_to_hz(double mel);

/*
 * fb[M,K] = M triangular filters over the K = n_fft / 2 + 1 bins of an n_fft-point FFT at rate, bin k at
 * k rate / n_fft Hz: the filters' corners f_0 .. f_{M+1} are M + 2 points evenly spaced on the mel scale
 * from 0 Hz to rate / 2, and filter m rises from f_m to 1 at f_{m+1} and falls to 0 at f_{m+2}:
 *   fb[m,k] = max(0, min((f_k - f_m) / (f_{m+1} - f_m), (f_{m+2} - f_k) / (f_{m+2} - f_{m+1})))
 * No normalisation: torchaudio's melscale_fbanks(K, 0, rate / 2, M, rate, norm=None, mel_scale="htk")
 * (whose bin frequencies are the same for an even n_fft and an even rate).
 */
void mel_filterbank(double *fb, size_t M, size_t n_fft, double rate);

/* How embed --audio cuts and measures a sound. */
typedef struct {
	double frame_ms;  /* frame length in ms (25): L = floor(rate frame_ms / 1000) samples */
	double hop_ms;    /* hop in ms (10): H = floor(rate hop_ms / 1000) samples */
	size_t n_fft;     /* FFT size, >= L (the frame zero-padded); 0 = L */
	size_t mels;      /* M (40) */
} AudioOptions;

/* The energies below this are lifted to it before the logarithm: ln(1e-10) = -23.03 is silence. */
#define LOGMEL_FLOOR 1e-10

/* The set-up of the frames of one sample rate: window, filterbank, the FFT's plan and buffers. */
typedef struct LogMel LogMel;

/* For rate and o: L, H and n_fft as above. Dies (naming where) when L or H is 0 samples or n_fft < L. */
LogMel *logmel_new(double rate, const AudioOptions *o, const char *where);
void logmel_free(LogMel *lm);
size_t logmel_frame_length(const LogMel *lm);
size_t logmel_hop(const LogMel *lm);

/*
 * out[F,M] = ln(max(fb |FFT(w x_f)|^2, 1e-10)) for the F frames x_f = x[f H .. f H + L - 1] of x[N]:
 * each frame times the Hann window w, zero-padded to n_fft points, its power spectrum |X_k|^2 over the K
 * bins (unnormalised, as torch.stft(..., normalized=False) squared), the M mel filters, the logarithm.
 * F = audio_frame_count(N, L, H).
 */
void logmel_frames(LogMel *lm, float *out, const float *x, size_t N);

/*
 * The whole of embed --audio for one file: the sound's frames as a tensor [F, M] named "logmel", rows
 * labelled by each frame's start time in seconds ("t0.000", "t0.010", ...), columns "mel0" .. Dies when
 * the sound is shorter than one frame.
 */
Tensor *audio_logmel_tensor(const char *path, const AudioOptions *o);

#endif
