#!/usr/bin/env bash
# A disk that fills up while a checkpoint is being saved, on a real file system: a 16 MB tmpfs
# holding the training text and a first checkpoint, then filled to the brim, then a resumed run
# that must fail to save with "No space left on device", leave the previous checkpoint byte
# for byte as it was and no temporary file behind, and resume from it once space is freed.
# Needs root (to mount); without it, it says so and exits 0. The file-size-limit version of
# this test runs everywhere in tests/test_robustness.cpp.
#
#   bash tests/full_disk_test.sh [BIN]     BIN: where the programs are (default: the root)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cd "${1:-.}" && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "full_disk_test: skipped (needs root to mount a small file system)"
  exit 0
fi
mnt=$(mktemp -d)
if ! mount -t tmpfs -o size=16m tmpfs "$mnt" 2>/dev/null; then
  echo "full_disk_test: skipped (mounting a tmpfs is not permitted here)"
  rmdir "$mnt"
  exit 0
fi
trap 'umount "$mnt"; rmdir "$mnt"' EXIT

awk 'BEGIN { srand(3); for (i = 0; i < 4000; i++) printf "the %d cats sat on %d mats\n", rand() * 50, i }' \
  > "$mnt/text.txt"
flags=(--hidden 256 --layers 1 --batch 4 --seq-len 16 --minutes 0 --quiet --checkpoint "$mnt/m.ckpt")
"$bin/train_lstm" "$mnt/text.txt" "${flags[@]}" --steps 2 > /dev/null
cp "$mnt/m.ckpt" /tmp/full_disk_before.$$
size=$(stat -c %s "$mnt/m.ckpt")
# Fill the disk, leaving less room than one checkpoint.
dd if=/dev/zero of="$mnt/filler" bs=1M 2>/dev/null || true
status=0
"$bin/train_lstm" "$mnt/text.txt" "${flags[@]}" --resume "$mnt/m.ckpt" --steps 4 \
  > /dev/null 2> /tmp/full_disk_err.$$ || status=$?
err=$(cat /tmp/full_disk_err.$$); rm -f /tmp/full_disk_err.$$
expected="train_lstm: cannot write checkpoint $mnt/m.ckpt: No space left on device"
fail() { echo "full_disk_test: $*" >&2; rm -f /tmp/full_disk_before.$$; exit 1; }
[ "$status" = 1 ] || fail "exit status $status, expected 1 (stderr: $err)"
[ "$err" = "$expected" ] || fail "stderr was '$err', expected '$expected'"
cmp -s "$mnt/m.ckpt" /tmp/full_disk_before.$$ || fail "the previous checkpoint changed"
[ ! -e "$mnt/m.ckpt.tmp" ] || fail "a temporary file was left behind"
rm "$mnt/filler"
"$bin/train_lstm" "$mnt/text.txt" "${flags[@]}" --resume "$mnt/m.ckpt" --steps 4 > /dev/null
rm -f /tmp/full_disk_before.$$
echo "full_disk_test: a full disk ($size-byte checkpoint, 16 MB tmpfs) failed the save with one" \
  "line, kept the previous checkpoint intact, and the run resumed once space was freed"
