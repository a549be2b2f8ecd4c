#include "net/protocol.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <memory>


namespace silian::sync {

std::string CompressBody(const std::string& plain, int level) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), level);
  SILIAN_CHECK(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

namespace {

// The largest zstd window a body may ask for: CompressBody's levels up to 19 stay within it, and a frame
// that claims more would cost its decoder that much memory before producing a byte.
constexpr int kBodyWindowLogMax = 23;
constexpr size_t kScratchBytes = 128 << 10;

using DCtx = std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)>;

DCtx NewDCtx() {
  DCtx dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  SILIAN_CHECK(dctx != nullptr);
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, kBodyWindowLogMax);
  return dctx;
}

Status ZstdFailure(size_t rc) {
  if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
    return ResourceExhausted("body needs a zstd window larger than the limit of " +
                             std::to_string(1u << kBodyWindowLogMax) + " bytes");
  return InvalidArgument(std::string("body is corrupt: ") + ZSTD_getErrorName(rc));
}

// Streams the frames of `compressed` into `out` (`out_bytes` long), or, when `out` is null, through a
// small scratch buffer, only counting. Returns the decompressed size; kResourceExhausted as soon as it
// passes `max_bytes`.
Result<uint64_t> Stream(const std::string& compressed, char* out, uint64_t out_bytes, uint64_t max_bytes) {
  DCtx dctx = NewDCtx();
  std::string scratch(out == nullptr ? kScratchBytes : 0, '\0');
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  uint64_t produced = 0;
  for (;;) {
    const size_t in_before = in.pos;
    ZSTD_outBuffer ob = out == nullptr ? ZSTD_outBuffer{scratch.data(), scratch.size(), 0}
                                       : ZSTD_outBuffer{out + produced, out_bytes - produced, 0};
    size_t rc = ZSTD_decompressStream(dctx.get(), &ob, &in);
    if (ZSTD_isError(rc)) return ZstdFailure(rc);
    produced += ob.pos;
    if (produced > max_bytes)
      return ResourceExhausted("body decompresses to more than the limit of " + std::to_string(max_bytes) +
                               " bytes");
    if (rc == 0 && in.pos == in.size) return produced;  // the last frame is complete
    if (in.pos == in.size && ob.pos < ob.size) return InvalidArgument("body is truncated: its zstd frame is incomplete");
    if (ob.pos == 0 && in.pos == in_before) return Internal("body decompressed differently twice");
  }
}

}  // namespace

// Two passes: the first only counts (memory: the window and a 128 KiB scratch buffer), so a body that
// passes the limit is refused without its output ever being held; the second decompresses into a buffer of
// exactly the counted size. What a frame header claims is never trusted for an allocation.
Result<std::string> DecompressBody(const std::string& compressed, uint64_t max_bytes) {
  unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) return InvalidArgument("body is not zstd-compressed");
  if (size != ZSTD_CONTENTSIZE_UNKNOWN && size > max_bytes)
    return ResourceExhausted("body decompresses to " + std::to_string(size) + " bytes; the limit is " +
                             std::to_string(max_bytes));
  SILIAN_ASSIGN_OR_RETURN(uint64_t total, Stream(compressed, nullptr, 0, max_bytes));
  std::string out(total, '\0');
  SILIAN_ASSIGN_OR_RETURN(uint64_t again, Stream(compressed, out.data(), out.size(), max_bytes));
  SILIAN_CHECK(again == total);
  return out;
}

}  // namespace silian::sync
