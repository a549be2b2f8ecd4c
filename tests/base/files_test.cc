// base/files.h: the one writer of files that may hold personal data, and the bounded reader.
#include "base/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "support/files.h"

namespace silian {
namespace {

using test::TempDir;

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode) & 0777u;
}

size_t Entries(const TempDir& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++n;
  return n;
}

TEST_CASE("Files: a written file is 0600 whatever the umask and replaces the old one whole", "[files]") {
  TempDir dir;
  const std::string path = dir.File("out.bin");
  const mode_t old = ::umask(0);
  REQUIRE(WriteFileAtomically(path, "report", std::string_view("first")).ok());
  test::WriteFile(dir.File("other"), "x");
  ::chmod(path.c_str(), 0666);
  REQUIRE(WriteFileAtomically(path, "report", std::string_view("second")).ok());
  ::umask(old);
  CHECK(test::ReadFile(path) == "second");
  CHECK(ModeOf(path) == 0600u);
  CHECK(Entries(dir) == 2);  // no temporary file left
}

TEST_CASE("Files: a failed write leaves the target and the directory as they were", "[files]") {
  TempDir dir;
  const std::string path = dir.File("out.bin");
  test::WriteFile(path, "old");
  Status s = WriteFileAtomically(path, "bundle", [](std::FILE* out) -> Status {
    std::fputs("partial", out);
    return Internal("disk on fire");
  });
  CHECK(s.message() == "disk on fire");
  CHECK(test::ReadFile(path) == "old");
  CHECK(Entries(dir) == 1);
}

TEST_CASE("Files: a symbolic link or a directory at the target is refused by name, never followed", "[files]") {
  TempDir dir;
  const std::string victim = dir.File("victim");
  test::WriteFile(victim, "precious");
  REQUIRE(::symlink(victim.c_str(), dir.File("link").c_str()) == 0);
  Status s = WriteFileAtomically(dir.File("link"), "bundle", std::string_view("evil"));
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("cannot write bundle \"" + dir.File("link") + "\": it is a symbolic link"));
  CHECK(test::ReadFile(victim) == "precious");
  std::filesystem::create_directory(dir.File("d"));
  CHECK_THAT(WriteFileAtomically(dir.File("d"), "bundle", std::string_view("x")).message(),
             Catch::Contains("it is not a regular file"));
  CHECK_THAT(WriteFileAtomically(dir.File("no-such-dir/x"), "bundle", std::string_view("x")).message(),
             Catch::Contains("No such file or directory"));
}

TEST_CASE("Files: a bounded read refuses a larger file by its size, and what is not a regular file", "[files]") {
  TempDir dir;
  test::WriteFile(dir.File("big"), std::string(101, 'x'));
  auto big = ReadFileBounded(dir.File("big"), "catalogue", 100);
  CHECK(big.status().code() == StatusCode::kResourceExhausted);
  CHECK(big.status().message() == "catalogue \"" + dir.File("big") + "\" has 101 bytes; the limit is 100");
  auto fits = ReadFileBounded(dir.File("big"), "catalogue", 101);
  REQUIRE(fits.ok());
  CHECK(fits->size() == 101);
  CHECK(ReadFileBounded(dir.File("missing"), "catalogue", 100).status().code() == StatusCode::kNotFound);
  CHECK_THAT(ReadFileBounded(dir.path().string(), "catalogue", 100).status().message(),
             Catch::Contains("is not a regular file"));
}

}  // namespace
}  // namespace silian
