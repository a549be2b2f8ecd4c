// Temporary directories and whole-file helpers for tests, and the paths of the source tree's reference
// files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace silian::test {

// A fresh directory, removed with everything in it on destruction. On disk under the system temporary
// directory, or, for tests that create hundreds of throwaway stores, in memory (/dev/shm) where there is
// one: file creation there costs no disk journal. The constructor REQUIREs that the directory was made.
// Not thread-safe.
class TempDir {
 public:
  enum class Where { kDisk, kMemory };
  explicit TempDir(Where where = Where::kDisk);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` in this directory (which need not exist).
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The whole content of the file at `path`; REQUIREs that it can be opened.
std::string ReadFile(const std::string& path);

// Replaces the file at `path` with `bytes`; REQUIREs that it was written.
void WriteFile(const std::string& path, const std::string& bytes);

// The lines of `text` without their newlines; CHECKs that `text` ends in a newline (or is empty).
std::vector<std::string> Lines(const std::string& text);

// The path of `relative` in the source tree (e.g. "reference/catalog.json").
std::string SourceFile(const std::string& relative);

}  // namespace silian::test
