#include "base/files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "base/text.h"

namespace silian {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

std::string Prefix(std::string_view what, const std::string& path) {
  return "cannot write " + std::string(what) + " " + Quote(path) + ": ";
}

// 16 hex digits from the kernel's random source (a name nobody can guess ahead of time).
std::string RandomSuffix() {
  uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, 0) != static_cast<ssize_t>(sizeof bits)) {
    bits = static_cast<uint64_t>(::getpid()) * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(::time(nullptr));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (size_t i = 0; i < 16; ++i) out[i] = kHex[(bits >> (4 * i)) & 0xF];
  return out;
}

// OK when `path` does not exist or is a regular file (lstat: a symbolic link is not followed).
Status CheckTargetImpl(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return InvalidArgument(Prefix(what, path) + ErrnoText(errno));
  }
  if (S_ISLNK(st.st_mode))
    return InvalidArgument(Prefix(what, path) + "it is a symbolic link; give the path of a regular file");
  if (!S_ISREG(st.st_mode)) return InvalidArgument(Prefix(what, path) + "it is not a regular file");
  return Status::Ok();
}

struct TempFile {
  std::string path;
  int fd = -1;
};

// Creates the temporary file next to `path`: O_EXCL|O_NOFOLLOW, mode 0600 whatever the umask.
Result<TempFile> CreateTemp(const std::string& path, std::string_view what) {
  const std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (target.filename().empty()) return InvalidArgument(Prefix(what, path) + "the path names a directory");
  for (int attempt = 0; attempt < 8; ++attempt) {
    TempFile t;
    t.path = (dir / ("." + target.filename().string() + "." + RandomSuffix() + ".tmp")).string();
    t.fd = ::open(t.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kPrivateFileMode);
    if (t.fd >= 0) {
      if (::fchmod(t.fd, kPrivateFileMode) != 0) {
        int err = errno;
        ::close(t.fd);
        ::unlink(t.path.c_str());
        return Internal(Prefix(what, path) + "cannot set mode 0600 on " + Quote(t.path) + ": " + ErrnoText(err));
      }
      return t;
    }
    if (errno != EEXIST) return InvalidArgument(Prefix(what, path) + ErrnoText(errno));
  }
  return Internal(Prefix(what, path) + "no fresh temporary name after 8 attempts");
}

Status SyncDirectoryOf(const std::string& path, std::string_view what) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Internal(Prefix(what, path) + "cannot open its directory: " + ErrnoText(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Internal(Prefix(what, path) + "cannot sync its directory: " + ErrnoText(err));
  return Status::Ok();
}

// Runs `write` on the open temporary file, then flushes, syncs and closes it (always closed).
Status FillAndClose(TempFile& t, const std::string& path, std::string_view what,
                    const std::function<Status(std::FILE*)>& write) {
  std::FILE* out = ::fdopen(t.fd, "wb");
  if (out == nullptr) {
    int err = errno;
    ::close(t.fd);
    return Internal(Prefix(what, path) + ErrnoText(err));
  }
  Status s = write(out);
  if (s.ok() && (std::fflush(out) != 0 || ::fsync(::fileno(out)) != 0))
    s = Internal(Prefix(what, path) + ErrnoText(errno));
  if (std::fclose(out) != 0 && s.ok()) s = Internal(Prefix(what, path) + ErrnoText(errno));
  return s;
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view what,
                           const std::function<Status(std::FILE* out)>& write) {
  SILIAN_RETURN_IF_ERROR(CheckTargetImpl(path, what));
  SILIAN_ASSIGN_OR_RETURN(TempFile t, CreateTemp(path, what));
  Status s = FillAndClose(t, path, what, write);
  if (s.ok() && std::rename(t.path.c_str(), path.c_str()) != 0)
    s = InvalidArgument(Prefix(what, path) + "cannot rename " + Quote(t.path) + " over it: " + ErrnoText(errno));
  if (!s.ok()) {
    ::unlink(t.path.c_str());
    return s;
  }
  return SyncDirectoryOf(path, what);
}

Status CheckWriteTarget(const std::string& path, std::string_view what) { return CheckTargetImpl(path, what); }

Status WriteFileAtomically(const std::string& path, std::string_view what, std::string_view bytes) {
  return WriteFileAtomically(path, what, [&](std::FILE* out) -> Status {
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size())
      return Internal(Prefix(what, path) + ErrnoText(errno));
    return Status::Ok();
  });
}

Result<std::string> ReadFileBounded(const std::string& path, std::string_view what, uint64_t max_bytes) {
  const std::string name = std::string(what) + " " + Quote(path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = "cannot read " + name + ": " + ErrnoText(err);
    return err == ENOENT ? NotFound(message) : InvalidArgument(message);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return InvalidArgument("cannot read " + name + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode)) return InvalidArgument(name + " is not a regular file");
  auto too_big = [&](uint64_t size) {
    return ResourceExhausted(name + " has " + std::to_string(size) + " bytes; the limit is " +
                             std::to_string(max_bytes));
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_big(static_cast<uint64_t>(st.st_size));
  std::string data;
  data.resize(static_cast<size_t>(st.st_size));
  size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (used > max_bytes) return too_big(used);
      data.resize(used + 4096);  // the file grew since fstat: read on, within the limit
    }
    ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return InvalidArgument("cannot read " + name + ": " + ErrnoText(errno));
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > max_bytes) return too_big(used);
  data.resize(used);
  return data;
}

}  // namespace silian
