#include "train/train_step.h"

#include "core/matrix.h"

namespace charnn {

void streams_to_reset(std::int64_t chunk, std::int64_t chunks_per_epoch, int B, double p, Rng& rng,
                      std::vector<char>& reset) {
  reset.assign(static_cast<std::size_t>(B), 0);
  if (chunk % chunks_per_epoch == 0) {
    reset.assign(reset.size(), 1);  // a new epoch
  } else if (p > 0) {
    for (int b = 0; b < B; ++b)
      reset[static_cast<std::size_t>(b)] = rng.uniform() < p;
  }
}

void zero_streams(const Layout& layout, float* state, const std::vector<char>& reset) {
  for (int b = 0; b < static_cast<int>(reset.size()); ++b) {
    if (!reset[static_cast<std::size_t>(b)]) continue;
    for (int k = 0; k < static_cast<int>(layout.tensors().size()); ++k)
      fill(layout.view(state, k).rows_view(b, 1), 0.0f);
  }
}

}  // namespace charnn
