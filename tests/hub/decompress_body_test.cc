// DecompressBody (net/protocol.h): the hub's one decompression of what a stranger sends. It must never
// hold more than the limit, whatever a zstd frame claims, and must refuse by name what it refuses.
#include <zstd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "net/protocol.h"

namespace silian::sync {
namespace {

constexpr uint64_t kLimit = 1 << 20;

// `plain` as one zstd frame: with its content size in the header or not, with the window log given (0: the
// level's own).
std::string Frame(const std::string& plain, bool state_size, int window_log = 0) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, state_size ? 1 : 0);
  if (window_log != 0) ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_windowLog, window_log);
  std::string out(ZSTD_compressBound(plain.size()) + 64, '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer in{plain.data(), plain.size(), 0};
  if (!state_size) {  // stream it, so that zstd cannot learn the size from a single call
    while (in.pos < in.size) REQUIRE_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx.get(), &ob, &in, ZSTD_e_continue)));
  }
  size_t left = 0;
  do {
    left = ZSTD_compressStream2(cctx.get(), &ob, &in, ZSTD_e_end);
    REQUIRE_FALSE(ZSTD_isError(left));
  } while (left != 0);
  out.resize(ob.pos);
  return out;
}

TEST_CASE("DecompressBody: a body within the limit comes back whole, stated size or not", "[edge][decompress]") {
  const std::string plain = std::string(1000, 'a') + "end";
  CHECK(*DecompressBody(CompressBody(plain, 3), kLimit) == plain);
  CHECK(*DecompressBody(Frame(plain, false), kLimit) == plain);
  CHECK(*DecompressBody(CompressBody("", 3), kLimit) == "");
  CHECK(*DecompressBody(Frame(plain, true) + Frame("tail", false), kLimit) == plain + "tail");
}

TEST_CASE("DecompressBody: exactly the limit passes and one byte more is refused", "[edge][decompress]") {
  const std::string at_limit(kLimit, 'z');
  CHECK(DecompressBody(Frame(at_limit, false), kLimit)->size() == kLimit);
  for (bool state_size : {true, false}) {
    auto refused = DecompressBody(Frame(at_limit + "z", state_size), kLimit);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kResourceExhausted);
    CHECK_THAT(refused.status().message(), Catch::Contains(std::to_string(kLimit)));
  }
}

TEST_CASE("DecompressBody: a small bomb that states no size is refused by name, not decompressed whole",
          "[edge][decompress]") {
  const std::string bomb = Frame(std::string(64u << 20, '\0'), false);
  REQUIRE(bomb.size() < 8192);
  auto refused = DecompressBody(bomb, kLimit);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kResourceExhausted);
  CHECK(refused.status().message() == "body decompresses to more than the limit of 1048576 bytes");
  auto stated = DecompressBody(Frame(std::string(64u << 20, '\0'), true), kLimit);
  CHECK(stated.status().message() == "body decompresses to 67108864 bytes; the limit is 1048576");
}

TEST_CASE("DecompressBody: a frame asking for a window over 8 MiB is refused", "[edge][decompress]") {
  auto refused = DecompressBody(Frame(std::string(100, 'w'), false, 27), 256u << 20);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kResourceExhausted);
  CHECK_THAT(refused.status().message(), Catch::Contains("zstd window larger than the limit of 8388608 bytes"));
}

TEST_CASE("DecompressBody: garbage, a truncated frame and bytes after the frame are refused as invalid",
          "[edge][decompress]") {
  CHECK(DecompressBody("not zstd at all", kLimit).status().message() == "body is not zstd-compressed");
  CHECK(DecompressBody("", kLimit).status().code() == StatusCode::kInvalidArgument);
  const std::string frame = Frame(std::string(5000, 'q') + "xyz", false);
  auto truncated = DecompressBody(frame.substr(0, frame.size() - 3), kLimit);
  CHECK(truncated.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(truncated.status().message(), Catch::Contains("truncated"));
  auto trailing = DecompressBody(CompressBody("fine", 3) + "junk after the frame", kLimit);
  CHECK(trailing.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(trailing.status().message(), Catch::StartsWith("body is corrupt: "));
}

}  // namespace
}  // namespace silian::sync
