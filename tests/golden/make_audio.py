#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files of embed --audio, for tests/embed.bats. Run with Debian's python3 (numpy):

    /usr/bin/python3 tests/golden/make_audio.py

Writes tests/golden/audio/: short WAV files made here (tones and silence, 16-bit PCM, mono and stereo at
16000 and 22050 samples per second; one with no sample, one shorter than a frame) and, for each sound file,
the log-mel frames that embed --audio must print, computed below in NumPy (float64), step by step:

  samples    the 16-bit integers / 32768 (libsndfile's scale), channels averaged
  frames     L = floor(rate * frame_ms / 1000) samples, H = floor(rate * hop_ms / 1000) apart, only the frames
             wholly inside the sound (no padding): F = 1 + (N - L) // H
  window     the periodic Hann window 0.5 - 0.5 cos(2 pi l / L), l = 0 .. L-1
  FFT        numpy.fft.rfft of the windowed frame, zero-padded to n_fft points; power |X_k|^2
  filters    M triangular filters on the HTK mel scale (2595 log10(1 + f / 700)) from 0 Hz to rate / 2, corners
             evenly spaced in mel, bin k at k rate / n_fft Hz, no normalisation; for an even n_fft and rate
             the same matrix as torchaudio.functional.melscale_fbanks(n_fft // 2 + 1, 0, rate / 2, M, rate,
             norm=None, mel_scale="htk"), whose code is written out below and compared
  log        ln(max(energy, 1e-10))

Rows are labelled t<start in seconds, 3 decimals>, columns mel0 .. mel<M-1>, the tensor is named logmel.
"""
import os
import wave

import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "audio")


def tones(rate, seconds, parts):
    """A signal of consecutive parts (duration in s, [frequencies in Hz] or [] for silence), amplitude 0.3 each."""
    out = []
    for duration, freqs in parts:
        t = np.arange(int(round(duration * rate))) / rate
        out.append(sum((0.3 * np.sin(2 * np.pi * f * t) for f in freqs), np.zeros_like(t)))
    x = np.concatenate(out)
    assert abs(len(x) - seconds * rate) < 2
    return x


def write_wav(name, channels, rate):
    """channels: a list of float signals in [-1, 1], one per channel, as 16-bit PCM; returns the int16 samples."""
    pcm = np.stack([np.clip(np.round(c * 32767), -32768, 32767).astype("<i2") for c in channels], axis=1)
    with wave.open(os.path.join(HERE, name), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return pcm


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def filterbank(mels, n_fft, rate):
    """[M, K]: the triangles, bin k at k rate / n_fft Hz."""
    freqs = np.arange(n_fft // 2 + 1) * rate / n_fft
    f_pts = mel_to_hz(np.linspace(0.0, hz_to_mel(rate / 2.0), mels + 2))
    up = (freqs[None, :] - f_pts[:-2, None]) / (f_pts[1:-1] - f_pts[:-2])[:, None]
    down = (f_pts[2:, None] - freqs[None, :]) / (f_pts[2:] - f_pts[1:-1])[:, None]
    return np.maximum(0.0, np.minimum(up, down))


def torchaudio_melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate):
    """torchaudio.functional.melscale_fbanks(..., norm=None, mel_scale="htk"), its code in NumPy: [K, M]."""
    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    m_pts = np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2)
    f_pts = mel_to_hz(m_pts)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts[None, :] - all_freqs[:, None]
    down_slopes = (-1.0 * slopes[:, :-2]) / f_diff[:-1]
    up_slopes = slopes[:, 2:] / f_diff[1:]
    return np.maximum(0.0, np.minimum(down_slopes, up_slopes))


def logmel(pcm, rate, frame_ms=25, hop_ms=10, n_fft=None, mels=40):
    x = (pcm.astype(np.float64) / 32768.0).mean(axis=1)
    L = int(np.floor(rate * frame_ms / 1000 + 1e-9))
    H = int(np.floor(rate * hop_ms / 1000 + 1e-9))
    n_fft = n_fft or L
    F = 1 + (len(x) - L) // H if len(x) >= L else 0
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(L) / L)
    fb = filterbank(mels, n_fft, rate)
    if n_fft % 2 == 0 and rate % 2 == 0:
        assert np.allclose(fb, torchaudio_melscale_fbanks(n_fft // 2 + 1, 0.0, rate / 2.0, mels, rate).T,
                           atol=1e-12)
    out = np.empty((F, mels))
    for f in range(F):
        X = np.fft.rfft(x[f * H:f * H + L] * window, n=n_fft)
        out[f] = np.log(np.maximum(fb @ (X.real ** 2 + X.imag ** 2), 1e-10))
    rows = ["t%.3f" % (f * H / rate) for f in range(F)]
    return out, rows


def write_tensor(name, x, rows):
    with open(os.path.join(HERE, name), "w") as f:
        f.write("#tensor %d %d\n#name logmel\n" % x.shape)
        f.write("#rows %s\n" % " ".join(rows))
        f.write("#cols %s\n" % " ".join("mel%d" % m for m in range(x.shape[1])))
        for row in x.astype(np.float32):
            f.write(" ".join(repr(float(v)) for v in row) + "\n")


def main():
    os.makedirs(HERE, exist_ok=True)
    for rate in (16000, 22050):
        # a tone, silence, a chord: 0.16 s
        left = tones(rate, 0.16, [(0.06, [440.0]), (0.04, []), (0.06, [660.0, 1320.0])])
        right = tones(rate, 0.16, [(0.06, [880.0]), (0.04, []), (0.06, [330.0])])
        mono = write_wav(f"mono-{rate}.wav", [left], rate)
        write_tensor(f"mono-{rate}.txt", *logmel(mono, rate))
        stereo = write_wav(f"stereo-{rate}.wav", [left, right], rate)
        write_tensor(f"stereo-{rate}.txt", *logmel(stereo, rate))
    # other frames: 20 ms every 15 ms, a 512-point FFT (zero-padded), 20 filters
    write_tensor("mono-16000-nfft512.txt", *logmel(mono16 := read_back("mono-16000.wav"), 16000, frame_ms=20,
                                                    hop_ms=15, n_fft=512, mels=20))
    assert mono16.shape[1] == 1
    # bad files: no sample at all, and 100 samples (6 ms: shorter than a 25 ms frame)
    write_wav("empty.wav", [np.zeros(0)], 16000)
    write_wav("short.wav", [np.full(100, 0.1)], 16000)


def read_back(name):
    with wave.open(os.path.join(HERE, name), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return data.reshape(-1, w.getnchannels())


if __name__ == "__main__":
    main()
