# SPDX-License-Identifier: MIT
"""The toy English-to-French grammar both translation goldens train on (make_transformer.py and
make_rnn.py): a lexicon, its vocabularies, and random sentences in correct French, whose alignment is
not the diagonal: "noir" follows its noun while "grand" and "petit" precede it, as in French; a verb
becomes two words ("sat" -> "est assis"); "the bird" becomes one ("l'oiseau", elided before a vowel).
Every noun is masculine, so "le", "un" and "assis" always agree. The sentence generator's seed is
fixed here."""
import numpy as np

SPECIALS = ["<pad>", "<unk>", "<s>", "</s>"]
nouns = {"cat": "chat", "dog": "chien", "mat": "tapis", "sofa": "canapé", "bird": "oiseau"}
adjs_before = {"big": "grand", "small": "petit"}  # French puts these before the noun
adjs_after = {"black": "noir"}  # and colours after it
adjs = {**adjs_before, **adjs_after}
verbs = {"sat": ["est", "assis"], "ran": ["a", "couru"], "slept": ["a", "dormi"]}  # passé composé
dets = {"the": "le", "a": "un"}
preps = {"on": "sur", "under": "sous"}
ELIDED = {("le", "oiseau"): "l'oiseau"}  # le + a word starting with a vowel is written as one word
lexicon = {**nouns, **adjs, **dets, **preps}
src_vocab = SPECIALS + sorted(list(lexicon) + list(verbs))
tgt_words = set(lexicon.values()) | {w for v in verbs.values() for w in v} | set(ELIDED.values())
tgt_vocab = SPECIALS + sorted(tgt_words)
si = {w: i for i, w in enumerate(src_vocab)}
ti = {w: i for i, w in enumerate(tgt_vocab)}
rng = np.random.default_rng(0)

# The untrained models behind the beam-search goldens (make_transformer.py, make_rnn.py) were tuned (seed,
# </s> bias) so that a beam finds other outputs than greedy search and a length penalty changes the choice.
# Their output size, and so their random weights, follow this list: the target vocabulary of the first
# version of this grammar. An untrained model's words mean nothing; only the search over them is tested.
UNTRAINED_TGT_VOCAB = SPECIALS + ["assis", "canape", "chat", "chien", "couru", "dormi", "grand", "le", "noir",
                                  "oiseau", "petit", "sous", "sur", "tapis", "un"]


def noun_phrase():
    det, noun = rng.choice(list(dets)), rng.choice(list(nouns))
    fr = [dets[det], nouns[noun]]
    src = [det, noun]
    if rng.random() < 0.5:
        adj = rng.choice(list(adjs))
        src = [det, adj, noun]
        fr = [dets[det], adjs[adj], nouns[noun]] if adj in adjs_before else fr + [adjs[adj]]
    if tuple(fr[:2]) in ELIDED:
        fr = [ELIDED[tuple(fr[:2])]] + fr[2:]
    return src, fr


def sentence():
    s1, t1 = noun_phrase()
    verb, prep = rng.choice(list(verbs)), rng.choice(list(preps))
    s2, t2 = noun_phrase()
    return s1 + [verb, prep] + s2, t1 + verbs[verb] + [preps[prep]] + t2
