#!/bin/sh
# Mutation test of the checks: breaks one line at a time, rebuilds ./gradcheck from the broken
# copy, and requires it to fail. A broken backward line (a flipped sign, a missing term, a wrong
# operand) must make `./gradcheck` fail: backward no longer agrees with forward. A broken forward
# line (a wrong activation, a missing bias, the wrong layer's input, a swapped gate slice, a step
# off by one, a wrong lookup column) may leave the two consistent, so it must make
# `./gradcheck --textbook` fail: the fast model no longer equals its textbook twin. A mutation
# that no longer applies (the line changed) is an error too, so this test cannot pass by
# matching nothing. Run with `make mutation-test`; it takes a few minutes.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CXX=${CXX:-g++}

# file | address (text on the line to break) | sed substitution | what the mistake is
mutations='
rnn/rnn.cpp|(R2) h_t = tanh|s/tanh_each(s.h.row(b)/sigmoid_each(s.h.row(b)/|forward R2 sigmoid instead of tanh
rnn/rnn.cpp|add_to_every_row<S>(w.b_h, A)|s/add_to_every_row<S>(w.b_h, A);/(void)0;/|forward R1 the bias missing above the first layer
rnn/rnn.cpp|std::copy(ids, ids|s/std::copy(ids, ids + static_cast<std::size_t>(T) \* B, ids_.begin());/std::transform(ids, ids + static_cast<std::size_t>(T) * B, ids_.begin(), [this](int x) { return (x + 1) % cfg_.vocab; });/|forward R3 the lookup reads the wrong column of W_xh
rnn/rnn.cpp|matmul_ABt<S>(X, w.W_xh, 0, A)|s/matmul_ABt<S>(X,/matmul_ABt<S>(CMat<S>(cache_[l - 1].h.data(), T * B, H),/|forward R1 the hoisted input product one step late (h_{t-1} of the layer below)
rnn/rnn.cpp|return output_of(l - 1);|s/output_of(l - 1)/output_of(0)/|forward R1 a layer above the second reads the first layer instead of the one below
rnn/rnn.cpp|carried to the next chunk|s/hs.rows_view(T \* B, B)/hs.rows_view((T - 1) * B, B)/|forward R2 h_{T-2} carried to the next chunk instead of h_{T-1}
lstm/lstm.cpp|(L1) f_t|s/sigmoid_each(f, f, H)/tanh_each(f, f, H)/|forward L1 forget gate through tanh instead of sigmoid
lstm/lstm.cpp|(L3) g_t|s/tanh_each(g, g, H)/sigmoid_each(g, g, H)/|forward L3 candidate through sigmoid instead of tanh
lstm/lstm.cpp|(L5) c_t|s/+ i\[j\] \* g\[j\]/+ i[j] * o[j]/|forward L5 the input gate scales o_t instead of g_t
lstm/lstm.cpp|(L6) h_t = o_t|s/o\[j\] \* tanh_c\[j\]/o[j] * c[j]/|forward L6 h_t from c_t without its tanh
lstm/lstm.h|enum Gate|s/F = 0, I = 1/F = 1, I = 0/|forward L1 L2 the forget and input gate slices swapped
lstm/lstm.cpp|add_to_every_row<S>(w.b, Z)|s/add_to_every_row<S>(w.b, Z);/(void)0;/|forward L1-L4 the biases missing above the first layer
lstm/lstm.cpp|std::copy(ids, ids|s/std::copy(ids, ids + static_cast<std::size_t>(T) \* B, ids_.begin());/std::transform(ids, ids + static_cast<std::size_t>(T) * B, ids_.begin(), [this](int x) { return (x + 1) % cfg_.vocab; });/|forward L7 the lookup reads the wrong column of W
lstm/lstm.cpp|matmul_ABt<S>(X, w.W, 0, Z)|s/matmul_ABt<S>(X,/matmul_ABt<S>(CMat<S>(cache_[l - 1].h.data(), T * B, H),/|forward L1-L4 the hoisted input product one step late (h_{t-1} of the layer below)
lstm/lstm.cpp|return output_of(l - 1);|s/output_of(l - 1)/output_of(0)/|forward L1-L4 a layer above the second reads the first layer instead of the one below
lstm/lstm.cpp|CMat<S>(cache_[l].h.data() + BH|s/cache_\[l\].h.data() + BH/cache_[l].h.data()/|forward L6 every reader of h_t gets h_{t-1}
lstm/lstm.cpp|copy<S>(cs.rows_view(T * B, B)|s/cs.rows_view(T \* B, B)/cs.rows_view((T - 1) * B, B)/|forward L5 c_{T-2} carried to the next chunk instead of c_{T-1}
gru/gru.cpp|(GR1) z_t|s/sigmoid_each(z, z, H)/tanh_each(z, z, H)/|forward GR1 update gate through tanh instead of sigmoid
gru/gru.cpp|(GR3) q_t|s/r\[j\] \* h_prev\[j\]/h_prev[j]/|forward GR3 the reset gate not applied to h_{t-1}
gru/gru.cpp|(GR3) … + U_g q_t|s/matmul_ABt<S>(s.q,/matmul_ABt<S>(s.h_prev,/|forward GR3 the candidate product reads h_{t-1} instead of r_t ⊙ h_{t-1}
gru/gru.cpp|(GR3) g_t|s/tanh_each(g, g, H)/sigmoid_each(g, g, H)/|forward GR3 candidate through sigmoid instead of tanh
gru/gru.cpp|(GR4) h_t|s/(S(1) - z\[j\]) \* g\[j\]/z[j] * g[j]/|forward GR4 the candidate weighted by z_t instead of 1 - z_t
gru/gru.h|enum Gate|s/Z = 0, R = 1/Z = 1, R = 0/|forward GR1 GR2 the update and reset gate slices swapped
gru/gru.cpp|add_to_every_row<S>(w.b, A)|s/add_to_every_row<S>(w.b, A);/(void)0;/|forward GR1-GR3 the biases missing above the first layer
gru/gru.cpp|matmul_ABt<S>(X, w.W, 0, A)|s/matmul_ABt<S>(X,/matmul_ABt<S>(CMat<S>(cache_[l - 1].h.data(), T * B, H),/|forward GR1-GR3 the hoisted input product one step late (h_{t-1} of the layer below)
gru/gru.cpp|(GR6) m_t = 0 where|s/resets_.data() + now,/resets_.data() + (t > 0 ? now - B : now),/|forward GR6 a record starts one step late
gru/gru.cpp|carried to the next chunk|s/hs.rows_view(T \* B, B)/hs.rows_view((T - 1) * B, B)/|forward GR4 h_{T-2} carried to the next chunk instead of h_{T-1}
core/softmax_head.h|(S1) ... + b_y|s/row\[v\] += b_y\[v\]/row[v] += b_y[(v + 1) % V_]/|forward S1 the bias of the wrong character
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
gru/gru.cpp|(GRB1)|s/dh\[j\] += dout_b\[j\];/dh[j] = dout_b[j];/|GRB1 forgets the gradient from step t+1
gru/gru.cpp|(GRB2)|s/(h_prev\[j\] - g\[j\])/(g[j] - h_prev[j])/|GRB2 sign error
gru/gru.cpp|(GRB3)|s/dh\[j\] \* (S(1) - z\[j\])/dh[j] * z[j]/|GRB3 gated by z_t instead of 1 - z_t
gru/gru.cpp|(GRB4)|s/(S(1) - g\[j\] \* g\[j\])/(S(1) - g[j])/|GRB4 wrong tanh derivative
gru/gru.cpp|(GRB5)|s/matmul_AB<S>(s.da_g,/matmul_AB<S>(s.da_z,/|GRB5 da_z instead of da_g through U_g
gru/gru.cpp|(GRB6)|s/dq\[j\] \* h_prev\[j\]/dq[j]/|GRB6 drops h_{t-1}
gru/gru.cpp|(GRB7)|s/dz \* z\[j\] \* (S(1) - z\[j\])/dz * z[j]/|GRB7 drops a factor of the sigmoid derivative
gru/gru.cpp|(GRB8)|s/dr \* r\[j\] \* (S(1) - r\[j\])/dr * r[j] * (S(1) + r[j])/|GRB8 sign error in the sigmoid derivative
gru/gru.cpp|(GRB9) dh_next = dh_t|s/dh\[j\] \* z\[j\] + dq\[j\] \* r\[j\]/dh[j] * z[j]/|GRB9 drops the path through q_t = r_t ⊙ h_{t-1}
gru/gru.cpp|(GRB9) dh_next = dh_t|s/dh\[j\] \* z\[j\] + dq\[j\] \* r\[j\]/dq[j] * r[j]/|GRB9 drops the direct path z_t ⊙ dh_t
gru/gru.cpp|matmul_AB<S>(s.da_zr, U_zr|s/1, dh_next)/0, dh_next)/|GRB9 overwrites dh_next instead of adding U_zᵀ da_z + U_rᵀ da_r
gru/gru.cpp|H_prev(k.h.data()|s/CMat<S> H_prev(k.h.data(),/CMat<S> H_prev(k.h.data() + B * H,/|GRB10 dU_z, dU_r use h_t instead of h_{t-1}
gru/gru.cpp|CMat<S>(k.q.data(), T * B, H), 1,|s/CMat<S>(k.q.data(), T \* B, H)/H_prev/|GRB10 dU_g uses h_{t-1} instead of q_t
gru/gru.cpp|scatter_add_rows<S>(dA,|s/(dA, ids_/(dA.rows_view(B, (T - 1) * B), ids_/|GRB11 one-hot gradient into the wrong column (da of step t+1)
gru/gru.cpp|(GRB12)|s/add_column_sums<S>(dA,/add_column_sums<S>(CMat<S>(k.gates.data(), T * B, 3 * H),/|GRB12 sums the gates instead of da
gru/gru.cpp|(GRB13)|s/w.W, 0, dX/w.U, 0, dX/|GRB13 wrong matrix for the layer below
gru/gru.cpp|(GRB14) dh_{t-1}|s/if (resetting_)/if (false)/|GRB14 the gradient flows back past a record start
rnn/rnn.cpp|(R4) m_t = 0 where|s/resets_.data() + now,/resets_.data() + (t > 0 ? now - B : now),/|forward R4 a record starts one step late
lstm/lstm.cpp|(L8) m_t = 0 where|s/resets_.data() + now;/resets_.data() + (t > 0 ? now - B : now);/|forward L8 a record starts one step late
lstm/lstm.cpp|copy_or_zero_rows<S>(CMat<S>(k.c.data()|s/copy_or_zero_rows<S>(\(.*\), starts,/copy<S>(\1,/|forward L8 c_{t-1} carried into a new record
rnn/rnn.cpp|(RB8) dh_{t-1}|s/if (resetting_)/if (false)/|RB8 the gradient flows back past a record start
lstm/lstm.cpp|zero_rows<S>(resets_.data() + t * B + b0, dc_next|s/dc_next.rows_view/dh_next.rows_view/|LB17 the cell gradient flows back past a record start
core/softmax_head.h|(SB1)|s/dy\[v\] \*= inv_n/dy[v] *= 2 * inv_n/|SB1 wrong scale
core/softmax_head.h|(SB3)|s/db_y\[v\] += dy\[v\]/db_y[v] -= dy[v]/|SB3 sign error in db_y
core/softmax_head.h|(SB4)|s/matmul_AB<S>(dY, W_hy,/matmul_AB<S>(dY, CMat<S>(dW_hy),/|SB4 multiplies by dW_hy instead of W_hy
'

# One pristine build first; each mutation then recompiles only what the broken file touches.
mkdir -p "$work/src"
(cd "$here" && cp -r Makefile core util rnn lstm gru gradient_check apps "$work/src/")
if ! make -s -C "$work/src" gradcheck CXX="$CXX" CXXFLAGS="-O1" >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  echo "mutation test: the unmutated sources do not build"
  exit 1
fi
if ! "$work/src/gradcheck" >/dev/null 2>&1 || ! "$work/src/gradcheck" --textbook >/dev/null 2>&1; then
  echo "mutation test: ./gradcheck or ./gradcheck --textbook fails before any mutation"
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
  for f in rnn/rnn.cpp lstm/lstm.cpp lstm/lstm.h gru/gru.cpp gru/gru.h core/softmax_head.h; do
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
  case "$what" in
    forward*) check="--textbook" ;;  # the fast model must no longer equal its textbook twin
    *) check="" ;;                   # backward must no longer agree with forward
  esac
  # shellcheck disable=SC2086
  if "$work/src/gradcheck" $check >"$work/out.txt" 2>&1; then
    echo "MISSED  $what: ./gradcheck${check:+ $check} still passes"
    failed="$failed\n  missed: $what"
  else
    caught=$((caught + 1))
    echo "caught  $what (./gradcheck${check:+ $check}: $(grep -c ' FAIL$' "$work/out.txt") rows fail)"
  fi
done <"$work/list"

forward=$(grep -c '|forward ' "$work/list")
echo "mutation test: $caught of $total broken lines caught ($forward forward, $((total - forward)) backward)"
if [ "$caught" -ne "$total" ]; then
  printf "not caught:$failed\n"
  exit 1
fi
