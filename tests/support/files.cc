#include "support/files.h"

#include <cstdlib>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include <catch2/catch.hpp>

namespace silian::test {

TempDir::TempDir(Where where) {
  std::filesystem::path base = std::filesystem::temp_directory_path();
  std::error_code ec;
  if (where == Where::kMemory && std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0)
    base = "/dev/shm";
  std::string pattern = (base / "silian-test-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("SILIAN_KEEP_TEMP")) std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("reading " << path);
  REQUIRE(in.good());
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  INFO("writing " << path);
  REQUIRE(out.good());
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  CHECK(start == text.size());
  return lines;
}

std::string SourceFile(const std::string& relative) { return std::string(SILIAN_SOURCE_DIR) + "/" + relative; }

}  // namespace silian::test
