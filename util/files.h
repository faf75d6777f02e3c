// Files written so that they are never seen half-written.
#pragma once

#include <cstddef>
#include <string>

namespace charnn {

// Writes `size` bytes to `path` so that `path` never holds a part of them: into `path + ".tmp"`
// first, every step checked (a full disk may only show at the flush or even the close, when
// the buffered bytes reach the file system), flushed to the disk (fsync, on POSIX systems),
// then renamed over `path` in one step, so a reader, a crash or a power cut sees the old file
// or the new one. Returns "" on success, else why it failed (the
// temporary file removed). Checkpoints and plots are saved through it.
std::string write_file_atomically(const std::string& path, const void* data, std::size_t size);

}  // namespace charnn
