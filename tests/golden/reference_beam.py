"""The reference beam search decode --generate --beam is tested against (make_transformer.py and
make_rnn.py): keep K hypotheses; of the 2K best continuations, those ending in </s> finish, the others
stay live until K are; stop when K have finished or at max_len; the best by log P / ((5 + L) / 6)^alpha.
Ties between equal scores go to the lower candidate index (hypothesis k, token v: k * V + v)."""


def beam_search(memory, next_logprobs, V, EOS, K, alpha, max_len):
    """next_logprobs(memory, toks) gives the log-probabilities over V of the token after toks;
    returns the best hypothesis' target ids, </s> left out."""
    live, finished = [([], 0.0)], []
    while live:
        cands = []
        for k, (toks, lp) in enumerate(live):
            logp = next_logprobs(memory, toks)
            cands += [(lp + float(logp[v]), k * V + v) for v in range(V)]
        cands.sort(key=lambda c: (-c[0], c[1]))
        new_live = []
        for score, c in cands[: 2 * K]:
            if len(new_live) >= K or len(finished) >= K:
                break
            toks = live[c // V][0] + [c % V]
            if c % V == EOS:
                finished.append((toks, score / ((5 + len(toks)) / 6) ** alpha))
            else:
                new_live.append((toks, score))
        live = [] if len(finished) >= K else new_live
        if live and len(live[0][0]) >= max_len:
            for toks, score in live[: K - len(finished)]:
                finished.append((toks, score / ((5 + len(toks)) / 6) ** alpha))
            live = []
    best = max(range(len(finished)), key=lambda i: (finished[i][1], -i))
    return [i for i in finished[best][0] if i != EOS]
