# SPDX-License-Identifier: MIT
"""The toy English-to-French grammar both translation goldens train on (make_transformer.py and
make_rnn.py): a lexicon, its vocabularies, and random sentences whose French moves the adjective after
the noun, so that the alignment is not the diagonal. The sentence generator's seed is fixed here."""
import numpy as np

SPECIALS = ["<pad>", "<unk>", "<s>", "</s>"]
nouns = {"cat": "chat", "dog": "chien", "mat": "tapis", "sofa": "canape", "bird": "oiseau"}
adjs = {"big": "grand", "small": "petit", "black": "noir"}
verbs = {"sat": "assis", "ran": "couru", "slept": "dormi"}
dets = {"the": "le", "a": "un"}
preps = {"on": "sur", "under": "sous"}
lexicon = {**nouns, **adjs, **verbs, **dets, **preps}
src_vocab = SPECIALS + sorted(lexicon)
tgt_vocab = SPECIALS + sorted(set(lexicon.values()))
si = {w: i for i, w in enumerate(src_vocab)}
ti = {w: i for i, w in enumerate(tgt_vocab)}
rng = np.random.default_rng(0)


def noun_phrase():
    det, noun = rng.choice(list(dets)), rng.choice(list(nouns))
    if rng.random() < 0.5:  # the adjective moves after the noun in French
        adj = rng.choice(list(adjs))
        return [det, adj, noun], [dets[det], nouns[noun], adjs[adj]]
    return [det, noun], [dets[det], nouns[noun]]


def sentence():
    s1, t1 = noun_phrase()
    verb, prep = rng.choice(list(verbs)), rng.choice(list(preps))
    s2, t2 = noun_phrase()
    return s1 + [verb, prep] + s2, t1 + [verbs[verb], preps[prep]] + t2
