#include "util/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

// fsync: the one thing standard C++ cannot say (that bytes must reach the disk, not just the
// operating system's cache). Without it, a file renamed into place can still be lost or empty
// after a power cut; where it is not available the write is atomic only against crashes of
// the program itself.
#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#define CHARNN_HAVE_FSYNC 1
#endif

namespace charnn {

std::string write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  auto reason = [](int err) {
    return err != 0 ? std::string(std::strerror(err)) : "unknown error";
  };
  const std::string tmp = path + ".tmp";
  errno = 0;
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  if (!file) return reason(errno);  // nothing was created, nothing to clean up
  int err = 0;
  errno = 0;
  if (std::fwrite(data, 1, size, file) != size) err = errno ? errno : EIO;
  errno = 0;
  if (std::fflush(file) != 0 && err == 0) err = errno ? errno : EIO;
#ifdef CHARNN_HAVE_FSYNC
  errno = 0;
  if (err == 0 && ::fsync(::fileno(file)) != 0) err = errno ? errno : EIO;
#endif
  errno = 0;
  if (std::fclose(file) != 0 && err == 0) err = errno ? errno : EIO;
  if (err != 0) {
    std::remove(tmp.c_str());
    return reason(err);
  }
  // std::filesystem::rename replaces an existing file (std::rename does not on Windows).
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return ec.message();
  }
#ifdef CHARNN_HAVE_FSYNC
  // The rename itself is a change to the folder: make that durable too. A failure here leaves
  // the new file in place, so it is not reported.
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
#endif
  return "";
}

}  // namespace charnn
