#!/usr/bin/env python3
"""Writes the IMDB reviews of the labelled archive one per line, for line-oriented tools.

    imdb_lines.py ARCHIVE OUTDIR

OUTDIR/test_raw.txt    the 25,000 test reviews as stored (UTF-8, "<br />" kept), one a line,
                       negatives then positives, each folder in numeric file order
OUTDIR/test_labels.txt "negative" or "positive" for each line of test_raw.txt
OUTDIR/train_ft.txt    the 25,000 training reviews in fastText's input format
OUTDIR/test_ft.txt     the test reviews in fastText's input format, in test_raw.txt's order

fastText's lines are "__label__pos tok tok ...", tokenised the way the project's tokenizer
reads ASCII text ("<br />" a separator, ASCII lowercase, words [a-z0-9']+, outer apostrophes
stripped), so fastText never pays for tokenising at predict time; the raw lines are what a
user would pipe into `sentiment predict`. A review's own line breaks (there are none in
aclImdb) would become spaces.
"""
import os
import re
import sys
import tarfile

_WORD = re.compile(rb"[a-z0-9']+")
_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))


def ft_tokens(raw):
    text = raw.replace(b"<br />", b" ").translate(_LOWER)
    return [w for w in (t.strip(b"'") for t in _WORD.findall(text)) if w]


def file_key(name):
    base = os.path.basename(name)
    return int(base.split("_", 1)[0]) if base[0].isdigit() else base


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: imdb_lines.py ARCHIVE OUTDIR")
    archive, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    split = {"train": {"neg": [], "pos": []}, "test": {"neg": [], "pos": []}}
    with tarfile.open(archive) as tar:
        for m in tar:
            parts = m.name.split("/")
            if not m.isfile() or len(parts) < 4 or not parts[-1].endswith(".txt"):
                continue
            s, label = parts[-3], parts[-2]
            if s in split and label in split[s]:
                split[s][label].append((file_key(m.name), tar.extractfile(m).read()))
    for s in split.values():
        for files in s.values():
            files.sort(key=lambda f: f[0])
    if any(len(split[s][c]) != 12500 for s in split for c in ("neg", "pos")):
        sys.exit(f"{archive}: expected 12,500 reviews in each of train/test neg/pos")

    def one_line(raw):
        return raw.replace(b"\r", b" ").replace(b"\n", b" ")

    with open(f"{out}/test_raw.txt", "wb") as raw_f, \
            open(f"{out}/test_labels.txt", "w") as lab_f, \
            open(f"{out}/test_ft.txt", "wb") as ft_f:
        for label in ("neg", "pos"):
            for _, raw in split["test"][label]:
                raw_f.write(one_line(raw) + b"\n")
                lab_f.write(("negative" if label == "neg" else "positive") + "\n")
                ft_f.write(b"__label__" + label.encode() + b" " + b" ".join(ft_tokens(raw)) + b"\n")
    with open(f"{out}/train_ft.txt", "wb") as ft_f:
        for label in ("neg", "pos"):
            for _, raw in split["train"][label]:
                ft_f.write(b"__label__" + label.encode() + b" " + b" ".join(ft_tokens(raw)) + b"\n")


if __name__ == "__main__":
    main()
