# SPDX-License-Identifier: MIT
"""The reference beam search decode --generate --beam is tested against (make_transformer.py and
make_rnn.py), written from the definition of beam search (Wu et al. 2016, section 7; as in fairseq),
not from lib/search.c:

  A hypothesis is a prefix y_1..y_L of target tokens with its log-probability
  log P(y) = sum_i log p(y_i | y_<i, x).  The beam holds the K best live prefixes of one length.
  One step extends every prefix in the beam by every token of the vocabulary and ranks all these
  extensions by log P, best first.  Walking down that ranking:
    - an extension that ends in </s> is a finished hypothesis (it leaves the search),
    - any other extension enters the next beam,
  until the next beam holds K prefixes or K hypotheses have finished.  So the beam is the K best
  extensions that do not end in </s>, and an extension ending in </s> finishes only if it ranks above
  the last of them.
  The search ends when K hypotheses have finished, or when the prefixes reach max_len tokens: then the
  ones still in the beam finish as they are (best first, while fewer than K have finished).
  The answer is the finished hypothesis with the best length-penalised score
  log P(y) / lp(|y|),  lp(L) = ((5 + L) / 6)^alpha,  |y| counting the </s> it ends with.

Ties, stated once: equal log P in a ranking go to the extension of the better-ranked prefix of the
beam, then to the lower token id; equal final scores go to the hypothesis that finished first (an
earlier step, or at the same step the better-ranked extension).

Arithmetic: log P is summed in double from the float32 log-probabilities, and the final score is one
division, so that equal sums stay exactly equal."""


def length_penalty(L, alpha):
    return ((5.0 + L) / 6.0) ** alpha


def beam_search(memory, next_logprobs, V, EOS, K, alpha, max_len):
    """next_logprobs(memory, toks) gives the log-probabilities over V of the token after toks;
    returns the best hypothesis' target ids, </s> left out."""
    beam = [((), 0.0)]        # the live prefixes, best first: (tokens, log P)
    finished = []             # (tokens, log P), in the order they finished
    while beam and len(finished) < K:
        # every extension of every prefix, with its rank key: log P descending, then the
        # prefix's place in the beam, then the token id
        extensions = []
        for rank, (toks, logp_prefix) in enumerate(beam):
            logp = next_logprobs(memory, list(toks))
            for token in range(V):
                logp_ext = logp_prefix + float(logp[token])
                extensions.append(((-logp_ext, rank, token), toks + (token,), logp_ext))
        extensions.sort(key=lambda e: e[0])
        next_beam = []
        for _, toks, logp_ext in extensions:
            if len(next_beam) == K or len(finished) == K:
                break
            if toks[-1] == EOS:
                finished.append((toks, logp_ext))
            else:
                next_beam.append((toks, logp_ext))
        beam = next_beam
        if beam and len(beam[0][0]) == max_len:
            # cut: what is still live finishes as it is, best first
            finished += beam[: K - len(finished)]
            beam = []
    scores = [logp / length_penalty(len(toks), alpha) for toks, logp in finished]
    best = min(range(len(finished)), key=lambda i: (-scores[i], i))
    return [t for t in finished[best][0] if t != EOS]


def _self_test():
    """Two properties that pin the search down without reference to any implementation: with K = 1 it is
    greedy search, and with a beam wide enough to hold every prefix it is exhaustive search (the best
    log P / lp over every sequence that ends in </s> within max_len tokens, or is cut at max_len)."""
    import itertools
    import math
    import random

    rng = random.Random(0)
    V, EOS, max_len = 3, 1, 3
    for trial in range(200):
        table = {}

        def next_logprobs(memory, toks):  # a random fixed distribution per prefix
            key = tuple(toks)
            if key not in table:
                x = [rng.uniform(-3, 3) for _ in range(V)]
                x[EOS] += rng.choice((0.0, 2.0))
                m = max(x)
                z = m + math.log(sum(math.exp(v - m) for v in x))
                table[key] = [v - z for v in x]
            return table[key]

        alpha = rng.choice((0.0, 0.6, 1.0, 2.0))
        # greedy
        toks = []
        while len(toks) < max_len and (not toks or toks[-1] != EOS):
            lp = next_logprobs(None, toks)
            toks.append(max(range(V), key=lambda v: (lp[v], -v)))
        assert beam_search(None, next_logprobs, V, EOS, 1, alpha, max_len) == [t for t in toks if t != EOS]
        # exhaustive
        best, best_score = None, None
        for L in range(1, max_len + 1):
            for seq in itertools.product(range(V), repeat=L):
                if EOS in seq[:-1] or (L < max_len and seq[-1] != EOS):
                    continue
                logp = sum(next_logprobs(None, list(seq[:i]))[seq[i]] for i in range(L))
                score = logp / length_penalty(L, alpha)
                if best_score is None or score > best_score:
                    best, best_score = seq, score
        got = beam_search(None, next_logprobs, V, EOS, V ** max_len, alpha, max_len)
        assert got == [t for t in best if t != EOS], (trial, got, best)
    print("reference_beam: greedy and exhaustive search agree with beam_search on 200 random tables")


if __name__ == "__main__":
    _self_test()
