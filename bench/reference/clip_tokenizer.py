"""The CLIP byte-level BPE tokenizer with openai/CLIP's semantics (simple_tokenizer.py), minus ftfy
and HTML unescaping: whitespace collapsed, lower-cased, split by CLIP's pattern

    <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+

(Python's re has no \\p{..}: the pattern is scanned by hand with unicodedata categories), each piece
mapped byte -> unicode symbol, then merged by BPE ranks with "</w>" on the last symbol.
"""
import json
import unicodedata

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"
# openai/CLIP and transformers read at most this many merges from merges.txt.
MAX_MERGES = 49152 - 256 - 2


def bytes_to_unicode():
    """Byte -> printable symbol: printable latin-1 bytes map to themselves, the rest to 256 + n."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    table = {}
    extra = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def _is_letter(ch):
    return unicodedata.category(ch).startswith("L")


def _is_number(ch):
    return unicodedata.category(ch).startswith("N")


_CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def pre_tokenize(text):
    pieces = []
    i = 0
    n = len(text)
    while i < n:
        if text.startswith(BOS, i):
            pieces.append(BOS)
            i += len(BOS)
            continue
        if text.startswith(EOS, i):
            pieces.append(EOS)
            i += len(EOS)
            continue
        matched = next((c for c in _CONTRACTIONS if text.startswith(c, i)), None)
        if matched:
            pieces.append(matched)
            i += len(matched)
            continue
        ch = text[i]
        if _is_letter(ch):
            j = i
            while j < n and _is_letter(text[j]):
                j += 1
            pieces.append(text[i:j])
            i = j
        elif _is_number(ch):
            pieces.append(ch)
            i += 1
        elif ch.isspace():
            i += 1
        else:
            j = i
            while j < n and not (text[j].isspace() or _is_letter(text[j]) or _is_number(text[j])):
                j += 1
            pieces.append(text[i:j])
            i = j
    return pieces


def clean(text):
    return " ".join(text.split()).lower()


class ClipTokenizer:
    def __init__(self, vocab_path, merges_path, pad_token=EOS):
        with open(vocab_path, encoding="utf-8") as f:
            self.encoder = json.load(f)
        with open(merges_path, encoding="utf-8") as f:
            lines = f.read().strip().split("\n")[1:MAX_MERGES + 1]
        self.ranks = {tuple(line.split()): r for r, line in enumerate(lines)}
        self.byte_encoder = bytes_to_unicode()
        self.bos = self.encoder[BOS]
        self.eos = self.encoder[EOS]
        self.pad = self.encoder[pad_token]

    def bpe(self, piece):
        if piece in (BOS, EOS):
            return [piece]
        word = list(piece[:-1]) + [piece[-1] + "</w>"]
        while len(word) > 1:
            pairs = [(word[k], word[k + 1]) for k in range(len(word) - 1)]
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged = []
            k = 0
            while k < len(word):
                if k < len(word) - 1 and (word[k], word[k + 1]) == best:
                    merged.append(word[k] + word[k + 1])
                    k += 2
                else:
                    merged.append(word[k])
                    k += 1
            word = merged
        return word

    def tokens(self, text):
        ids = []
        for piece in pre_tokenize(clean(text)):
            if piece not in (BOS, EOS):
                piece = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder.get(sym, self.eos) for sym in self.bpe(piece))
        return ids

    def __call__(self, text, context_length=77):
        """Returns (ids of length context_length, number of tokens dropped by truncation)."""
        body = self.tokens(text)
        room = context_length - 2
        dropped = max(0, len(body) - room)
        ids = [self.bos] + body[:room] + [self.eos]
        return ids + [self.pad] * (context_length - len(ids)), dropped
