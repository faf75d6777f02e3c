#!/bin/sh
# Provides a corpus at the repository root, checked against its SHA-256:
#   samples/corpora.sh shakespeare   -> shakespeare.txt (Tiny Shakespeare)
#   samples/corpora.sh sonnets       -> sonnets.txt
#   samples/corpora.sh haikus        -> haikus.csv, turned into haikus.txt by build/make/csv_to_text
# From $DATA_MIRROR when it is set (a folder holding tinyshakespeare.txt, sonnets.txt,
# haikus.csv), else downloaded with curl or wget. Corpora are data, never committed.
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
  *) echo "usage: $0 shakespeare|sonnets|haikus" >&2; exit 2 ;;
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
