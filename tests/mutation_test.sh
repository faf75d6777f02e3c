#!/bin/sh
# Mutation test of the gradient checker: breaks one backward line at a time (a flipped sign, a
# missing term, a wrong operand), rebuilds ./gradcheck from the broken copy, and requires it to
# fail. A mutation that no longer applies (the line changed) is an error too, so this test
# cannot pass by matching nothing. Run with `make mutation-test`; it takes a few minutes.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CXX=${CXX:-g++}

# file | address (text on the line to break) | sed substitution | what the mistake is
mutations='
rnn/rnn.cpp|(RB1)|s/dout_b\[j\] + dh_b\[j\]/dout_b[j]/|RB1 forgets the gradient from step t+1
rnn/rnn.cpp|(RB2)|s/(S(1) - h\[j\] \* h\[j\])/(S(1) + h[j] * h[j])/|RB2 sign error in tanh derivative
rnn/rnn.cpp|(RB3)|s/W_hh, 0, dh_next/W_hh, 1, dh_next/|RB3 accumulates dh_next instead of replacing it
rnn/rnn.cpp|H_prev(c.h.data()|s/CMat<S> H_prev(c.h.data(),/CMat<S> H_prev(c.h.data() + B * H,/|RB4 uses h_t instead of h_{t-1}
rnn/rnn.cpp|scatter_add_rows<S>(dA,|s/(dA, ids_/(dA.rows_view(B, (T - 1) * B), ids_/|RB5 one-hot gradient into the wrong column (da of step t+1)
rnn/rnn.cpp|(RB6)|s/add_column_sums<S>(dA,/add_column_sums<S>(H_prev,/|RB6 sums h_{t-1} instead of da_t
rnn/rnn.cpp|(RB7)|s/w.W_xh, 0, dX/w.W_hh, 0, dX/|RB7 wrong matrix for the layer below
lstm/lstm.cpp|(LB1)|s/dout_b\[j\] + dh_b\[j\]/dout_b[j]/|LB1 forgets the gradient from step t+1
lstm/lstm.cpp|(LB2)|s/dh \* tanh_c\[j\];/dh;/|LB2 drops tanh(c_t)
lstm/lstm.cpp|(LB3)|s/(S(1) - tanh_c\[j\] \* tanh_c\[j\])/(S(1) + tanh_c[j] * tanh_c[j])/|LB3 sign error in tanh derivative
lstm/lstm.cpp|(LB3)|s/dc\[j\] += dh/dc[j] = dh/|LB3 forgets the cell gradient from step t+1
lstm/lstm.cpp|(LB4)|s/dc\[j\] \* c_prev\[j\]/dc[j] * s.c.row(b)[j]/|LB4 uses c_t instead of c_{t-1}
lstm/lstm.cpp|(LB5)|s/dc\[j\] \* g\[j\];/dc[j] * i[j];/|LB5 swaps g and i
lstm/lstm.cpp|(LB6)|s/dc\[j\] \* i\[j\];/dc[j] * g[j];/|LB6 swaps i and g
lstm/lstm.cpp|(LB7)|s/df \* f\[j\] \* (S(1) - f\[j\])/df * f[j]/|LB7 drops a factor of the sigmoid derivative
lstm/lstm.cpp|(LB8)|s/di \* i\[j\] \* (S(1) - i\[j\])/di * i[j] * (S(1) + i[j])/|LB8 sign error in the sigmoid derivative
lstm/lstm.cpp|(LB9)|s/(S(1) - g\[j\] \* g\[j\])/(S(1) - g[j])/|LB9 wrong tanh derivative
lstm/lstm.cpp|(LB10)|s/do_ \* o\[j\] \* (S(1) - o\[j\])/-do_ * o[j] * (S(1) - o[j])/|LB10 sign error
lstm/lstm.cpp|(LB11)|s/dc\[j\] \*= f\[j\];/dc[j] *= 1;/|LB11 cell gradient not gated by f
lstm/lstm.cpp|matmul_AB<S>(s.dz, U|s/0, dh_next)/1, dh_next)/|LB12 accumulates dh_next instead of replacing it
lstm/lstm.cpp|H_prev(k.h.data()|s/CMat<S> H_prev(k.h.data(),/CMat<S> H_prev(k.h.data() + B * H,/|LB13 uses h_t instead of h_{t-1}
lstm/lstm.cpp|scatter_add_rows<S>(dZ,|s/(dZ, ids_/(dZ.rows_view(B, (T - 1) * B), ids_/|LB14 one-hot gradient into the wrong column (dz of step t+1)
lstm/lstm.cpp|(LB15)|s/add_column_sums<S>(dZ,/add_column_sums<S>(CMat<S>(k.gates.data(), T * B, 4 * H),/|LB15 sums the gates instead of dz
lstm/lstm.cpp|(LB16)|s/w.W, 0, dX/w.U, 0, dX/|LB16 wrong matrix for the layer below
core/softmax_head.h|(SB1)|s/dy\[v\] \*= inv_n/dy[v] *= 2 * inv_n/|SB1 wrong scale
core/softmax_head.h|(SB3)|s/db_y\[v\] += dy\[v\]/db_y[v] -= dy[v]/|SB3 sign error in db_y
core/softmax_head.h|(SB4)|s/matmul_AB<S>(dY, W_hy,/matmul_AB<S>(dY, CMat<S>(dW_hy),/|SB4 multiplies by dW_hy instead of W_hy
'

# One pristine build first; each mutation then recompiles only what the broken file touches.
mkdir -p "$work/src"
(cd "$here" && cp -r Makefile core util rnn lstm gradient_check apps "$work/src/")
if ! make -s -C "$work/src" gradcheck CXX="$CXX" CXXFLAGS="-O1" >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  echo "mutation test: the unmutated sources do not build"
  exit 1
fi
if ! "$work/src/gradcheck" >/dev/null 2>&1; then
  echo "mutation test: ./gradcheck fails before any mutation"
  exit 1
fi

total=0
caught=0
failed=""
printf '%s\n' "$mutations" >"$work/list"
while IFS='|' read -r file address subst what; do
  [ -n "$file" ] || continue
  total=$((total + 1))
  # Undo the previous mutation (copying only what differs, so make rebuilds only that).
  for f in rnn/rnn.cpp lstm/lstm.cpp core/softmax_head.h; do
    cmp -s "$here/$f" "$work/src/$f" || cp "$here/$f" "$work/src/$f"
  done
  target="$work/src/$file"
  before=$(cksum <"$target")
  escaped=$(printf '%s' "$address" | sed 's/[][\.*^$/]/\\&/g')
  sed -i "/$escaped/ $subst" "$target"
  if [ "$(cksum <"$target")" = "$before" ]; then
    echo "STALE   $what: the line to break was not found in $file"
    failed="$failed\n  stale: $what"
    continue
  fi
  if ! make -s -C "$work/src" gradcheck CXX="$CXX" CXXFLAGS="-O1" >"$work/build.log" 2>&1; then
    echo "BUILD   $what: the mutated copy does not compile"
    failed="$failed\n  build: $what"
    continue
  fi
  if "$work/src/gradcheck" >"$work/out.txt" 2>&1; then
    echo "MISSED  $what: ./gradcheck still passes"
    failed="$failed\n  missed: $what"
  else
    caught=$((caught + 1))
    echo "caught  $what ($(grep -c ' FAIL$' "$work/out.txt") tensors fail)"
  fi
done <"$work/list"

echo "mutation test: $caught of $total broken backward lines caught by ./gradcheck"
if [ "$caught" -ne "$total" ]; then
  printf "not caught:$failed\n"
  exit 1
fi
