#!/bin/sh
# Provides a corpus at the repository root, checked against its SHA-256:
#   samples/corpora.sh shakespeare   -> shakespeare.txt (Tiny Shakespeare)
#   samples/corpora.sh sonnets       -> sonnets.txt
#   samples/corpora.sh haikus        -> haikus.csv, turned into haikus.txt by build/make/csv_to_text
#   samples/corpora.sh dracula       -> dracula.txt (Bram Stoker's novel, the Keras tutorial's)
#   samples/corpora.sh nietzsche     -> nietzsche.txt (the Keras text-generation example's)
#   samples/corpora.sh speeches      -> speeches.txt (famous speeches)
# From $DATA_MIRROR when it is set (a folder holding tinyshakespeare.txt, sonnets.txt,
# haikus.csv, dracula.txt, nietzsche.txt, speeches.txt), else downloaded with curl or wget.
# Corpora are data, never committed.
#
# Every copy, mirrored or downloaded, must have the SHA-256 below, with one exception: the
# public speeches file could not be read in three places (the Dalai Lama speech), which the
# mirror's copy writes as U+0097. A download of it is accepted when it has the expected length
# and differs from the mirror's copy in at most those three characters: its SHA-256 is then
# checked after those three positions are set to U+0097 (see repair_speeches below).
set -u
name=$1

case "$name" in
  shakespeare)
    file=shakespeare.txt mirror=tinyshakespeare.txt bytes=1115394
    sha=86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed
    url=https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt ;;
  sonnets)
    file=sonnets.txt mirror=sonnets.txt bytes=94275
    sha=1b454b67b44e6f367c83a17ed295c46c5d4a1173cf5d09161882af4041bae023
    url=https://raw.githubusercontent.com/Junliang-liu-kit/Writing-like-Shakespeare-in-LSTM/master/data/shakespeare.txt ;;
  haikus)
    file=haikus.csv mirror=haikus.csv bytes=462747
    sha=3d119c9a0bd1eff026ccf96a19babdaa2351e9992b247e085107d47f2e05a6b2
    url=https://raw.githubusercontent.com/sballas8/PoetRNN/master/data/haikus.csv ;;
  dracula)
    file=dracula.txt mirror=dracula.txt bytes=857518
    sha=1fad41e22700f817ecdbc1cbec87dc6f9800c9195f1fbda073203a4549b199f2
    url=https://raw.githubusercontent.com/Shrinikesh/keras/54e6b06306a5dfbc2c8b1f96614d7b794537dd6c/dracula.txt ;;
  nietzsche)
    file=nietzsche.txt mirror=nietzsche.txt bytes=610855
    sha=442ca0d2f6e62d041e591063704f897f92de93a6f96324009f510a4858a6049c
    url=https://raw.githubusercontent.com/GaoYang-Thu/learn-keras-in-tensorflow/d9634d320c1abbd93e9e662e5a01420cab45dacf/nietzsche.txt ;;
  speeches)
    file=speeches.txt mirror=speeches.txt bytes=379151
    sha=41b1496184abec72447cb651ed421ef70a20a62ab898aef5483834256889dd8b
    url=https://raw.githubusercontent.com/megashyam/-i-have-a-dream....-/d1ea4c721ce8f86502fc58d62953e8f30a908287/Famous%20speeches.txt ;;
  *) echo "usage: $0 shakespeare|sonnets|haikus|dracula|nietzsche|speeches" >&2; exit 2 ;;
esac

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else echo "no-sha256-tool"; fi
}

if [ -f "$file" ] && [ "$(sha256 "$file")" = "$sha" ]; then exit 0; fi

tmp="$file.download"
rm -f "$tmp"
if [ -n "${DATA_MIRROR:-}" ]; then
  if ! cp "$DATA_MIRROR/$mirror" "$tmp" 2>/dev/null; then
    echo "$file: not found in DATA_MIRROR=$DATA_MIRROR (expected $mirror there)" >&2
  fi
elif command -v curl >/dev/null 2>&1; then
  curl -fsSL --max-time 60 -o "$tmp" "$url" 2>/dev/null || rm -f "$tmp"
elif command -v wget >/dev/null 2>&1; then
  wget -q -T 60 -O "$tmp" "$url" 2>/dev/null || rm -f "$tmp"
fi

# The speeches download: the three unreadable characters, whatever 1 to 4 bytes the public
# file holds there, replaced by U+0097 (bytes C2 97) as in the mirror's copy. The text between
# them must be exactly the mirror's (the SHA-256 of the result checks that). Piece k of the
# mirror's copy starts at byte start_k and ends where the k-th U+0097 starts.
repair_speeches() {
  n=$(wc -c < "$1" | tr -d ' ')
  for l1 in 1 2 3 4; do for l2 in 1 2 3 4; do for l3 in 1 2 3 4; do
    [ $((379145 + l1 + l2 + l3)) -eq "$n" ] || continue
    b=$((110995 + l1)) c=$((b + 10371 + l2)) d=$((c + 3794 + l3))
    {
      head -c 110995 "$1"; printf '\302\227'
      tail -c +$((b + 1)) "$1" | head -c 10371; printf '\302\227'
      tail -c +$((c + 1)) "$1" | head -c 3794; printf '\302\227'
      tail -c +$((d + 1)) "$1"
    } > "$1.repaired"
    if [ "$(sha256 "$1.repaired")" = "$sha" ]; then mv "$1.repaired" "$1"; return 0; fi
  done; done; done
  rm -f "$1.repaired"
  return 1
}
if [ "$name" = speeches ] && [ -z "${DATA_MIRROR:-}" ] && [ -f "$tmp" ] &&
   [ "$(sha256 "$tmp")" != "$sha" ]; then
  repair_speeches "$tmp" && echo "$file: the three unreadable characters of the download set to U+0097, as in the reference copy"
fi

if [ -f "$tmp" ] && [ "$(sha256 "$tmp")" = "$sha" ]; then
  mv "$tmp" "$file"
  echo "$file: ready ($bytes bytes, SHA-256 checked)"
  exit 0
fi
if [ -f "$tmp" ]; then echo "$file: the copy obtained has the wrong SHA-256; not used" >&2; fi
rm -f "$tmp"
echo "$file is missing and could not be fetched. Supply it by hand: download" >&2
echo "  $url" >&2
echo "to ./$file (SHA-256 $sha), or set DATA_MIRROR to a folder holding $mirror." >&2
exit 1
