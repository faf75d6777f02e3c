#include "train/memory.h"

#include <algorithm>
#include <fstream>

#include "train/data.h"
#include "util/cli.h"
#include "util/progress.h"

namespace charnn {

double available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  double value = 0;
  while (meminfo >> key >> value) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") return value * 1024;  // the file gives kB
  }
  return 0;
}

double training_memory_bytes(int gates, int V, int H, int L, int B, int T, bool resets) {
  const double g = gates, v = V, h = H, l = L, t = T;
  const double b = std::max(B, kValidationBatch);  // validation runs this many windows at once
  const double params = g * h * (v + h + 1) + (l - 1) * g * h * (2 * h + 1) + v * (h + 1);
  const double kept = resets ? l * (g > 1 ? 2 : 1) * h : 0;  // h_kept (and c_kept)
  const double per_char = l * (3 * g + 2) * h + v + 3 * h + kept;
  return 4 * (6 * params + b * t * per_char);
}

void check_memory_fits(double bytes) {
  const double available = available_memory_bytes();
  if (available > 0 && bytes > available)
    throw UsageError("these settings need about " + format_fixed(bytes / 1e9, 1) +
                     " GB of memory and " + format_fixed(available / 1e9, 1) +
                     " GB are available; use a smaller --hidden, --layers, --batch or --seq-len");
}

}  // namespace charnn
