#include "net/protocol.h"

#include <zstd.h>

#include "base/ids.h"

namespace silian::sync {

std::string CompressBody(const std::string& plain, int level) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), level);
  SILIAN_CHECK(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

Result<std::string> DecompressBody(const std::string& compressed, uint64_t max_bytes) {
  unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) return InvalidArgument("body is not zstd-compressed");
  if (size != ZSTD_CONTENTSIZE_UNKNOWN && size > max_bytes)
    return ResourceExhausted("body decompresses to " + std::to_string(size) + " bytes; the limit is " +
                             std::to_string(max_bytes));
  // Streaming with a cap also covers frames that do not state their size.
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  SILIAN_CHECK(dctx != nullptr);
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 27);
  std::string out;
  out.reserve(size != ZSTD_CONTENTSIZE_UNKNOWN ? size : compressed.size() * 4);
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  size_t rc = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
    rc = ZSTD_decompressStream(dctx, &ob, &in);
    if (ZSTD_isError(rc)) {
      ZSTD_freeDCtx(dctx);
      return InvalidArgument(std::string("body is corrupt: ") + ZSTD_getErrorName(rc));
    }
    if (out.size() + ob.pos > max_bytes) {
      ZSTD_freeDCtx(dctx);
      return ResourceExhausted("body decompresses to more than the limit of " + std::to_string(max_bytes) + " bytes");
    }
    out.append(chunk.data(), ob.pos);
    if (ob.pos == 0 && rc != 0 && in.pos == in.size) break;
  }
  ZSTD_freeDCtx(dctx);
  if (rc != 0) return InvalidArgument("body is truncated: its zstd frame is incomplete");
  return out;
}

Result<std::string> ParseAuthorization(const std::string& header) {
  const std::string prefix = std::string(kAuthScheme) + " node=";
  if (header.rfind(prefix, 0) != 0)
    return InvalidArgument("Authorization header \"" + header.substr(0, 80) + "\" must be \"" + prefix + "NODE_ID\"");
  std::string id = header.substr(prefix.size());
  auto comma = id.find(',');
  if (comma != std::string::npos) id = id.substr(0, comma);
  auto parsed = ParseNodeId(id);
  if (!parsed.ok()) return InvalidArgument("Authorization header: " + parsed.status().message());
  return parsed->value;
}

std::string MakeAuthorization(const std::string& node_id) { return std::string(kAuthScheme) + " node=" + node_id; }

}  // namespace silian::sync
