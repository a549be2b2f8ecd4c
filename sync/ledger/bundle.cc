#include "ledger/bundle.h"

#include <zstd.h>

#include <cstring>
#include <vector>

#include "base/files.h"
#include "base/text.h"

namespace silian::sync {
namespace {

constexpr char kMagic[6] = {'S', 'I', 'L', 'I', 'A', 'N'};
constexpr char kBundleKind = 'B';
constexpr char kFrontierKind = 'F';
constexpr uint32_t kFrontierFormatVersion = 1;
constexpr size_t kMaxFrontierBytes = 16u << 20;

Status CheckMagic(const char* head, char kind, uint32_t supported, const char* what) {
  if (std::memcmp(head, kMagic, sizeof kMagic) != 0 || head[6] != kind)
    return InvalidArgument(std::string("not a Silian ") + what + " (its first bytes are wrong)");
  uint32_t version = static_cast<unsigned char>(head[7]);
  if (version != supported)
    return InvalidArgument(std::string("the ") + what + " has format version " + std::to_string(version) +
                           "; this program reads version " + std::to_string(supported));
  return Status::Ok();
}

}  // namespace

ByteSink FileSink(std::FILE* file) {
  return [file](const char* data, size_t size) -> Status {
    if (size > 0 && std::fwrite(data, 1, size, file) != size) return Internal("write failed: " + std::string(std::strerror(errno)));
    return Status::Ok();
  };
}

ByteSource FileSource(std::FILE* file) {
  return [file](char* data, size_t size) -> Result<size_t> {
    size_t n = std::fread(data, 1, size, file);
    if (n == 0 && std::ferror(file)) return Internal("read failed: " + std::string(std::strerror(errno)));
    return n;
  };
}

ByteSink StringSink(std::string* out) {
  return [out](const char* data, size_t size) -> Status {
    out->append(data, size);
    return Status::Ok();
  };
}

ByteSource StringSource(const std::string* in) {
  auto pos = std::make_shared<size_t>(0);
  return [in, pos](char* data, size_t size) -> Result<size_t> {
    size_t n = std::min(size, in->size() - *pos);
    std::memcpy(data, in->data() + *pos, n);
    *pos += n;
    return n;
  };
}

// ---------------------------------------------------------------------------------------------- writer

struct BundleWriter::Impl {
  ByteSink sink;
  Options options;
  ZSTD_CCtx* cctx = nullptr;
  std::vector<char> out_buf;
  pb::Batch batch;
  size_t batch_bytes = 0;
  pb::BundleEnd end;
  std::string scratch;
  bool finished = false;

  ~Impl() { ZSTD_freeCCtx(cctx); }

  Status Compress(const char* data, size_t size, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data, size, 0};
    for (;;) {
      ZSTD_outBuffer out{out_buf.data(), out_buf.size(), 0};
      size_t rc = ZSTD_compressStream2(cctx, &out, &in, mode);
      if (ZSTD_isError(rc)) return Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(rc));
      SILIAN_RETURN_IF_ERROR(sink(out_buf.data(), out.pos));
      bool done = mode == ZSTD_e_continue ? in.pos == in.size : rc == 0;
      if (done) return Status::Ok();
    }
  }

  Status WriteRecord(const pb::Record& record) {
    scratch.clear();
    if (!record.SerializeToString(&scratch)) return Internal("cannot serialize a bundle record");
    uint32_t n = static_cast<uint32_t>(scratch.size());
    char len[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                   static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
    SILIAN_RETURN_IF_ERROR(Compress(len, 4, ZSTD_e_continue));
    return Compress(scratch.data(), scratch.size(), ZSTD_e_continue);
  }

  Status FlushBatch() {
    if (batch.entries_size() == 0) return Status::Ok();
    if (options.attach_heads) SILIAN_RETURN_IF_ERROR(options.attach_heads(&batch));
    pb::Record record;
    record.mutable_batch()->Swap(&batch);
    SILIAN_RETURN_IF_ERROR(WriteRecord(record));
    end.set_batch_count(end.batch_count() + 1);
    batch.Clear();
    batch_bytes = 0;
    return Status::Ok();
  }
};

BundleWriter::BundleWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BundleWriter::~BundleWriter() = default;

Result<std::unique_ptr<BundleWriter>> BundleWriter::Start(ByteSink sink, pb::BundleHeader header, Options options) {
  auto impl = std::make_unique<Impl>();
  impl->sink = std::move(sink);
  impl->options = options;
  impl->cctx = ZSTD_createCCtx();
  if (impl->cctx == nullptr) return Internal("cannot create a zstd context");
  ZSTD_CCtx_setParameter(impl->cctx, ZSTD_c_compressionLevel, options.zstd_level);
  // A checksum per frame: a flipped bit on a USB stick must fail the import, not become another op.
  ZSTD_CCtx_setParameter(impl->cctx, ZSTD_c_checksumFlag, 1);
  impl->out_buf.resize(ZSTD_CStreamOutSize());
  char head[8];
  std::memcpy(head, kMagic, sizeof kMagic);
  head[6] = kBundleKind;
  head[7] = static_cast<char>(kBundleFormatVersion);
  SILIAN_RETURN_IF_ERROR(impl->sink(head, sizeof head));
  header.set_format_version(kBundleFormatVersion);
  pb::Record record;
  *record.mutable_header() = std::move(header);
  SILIAN_RETURN_IF_ERROR(impl->WriteRecord(record));
  return std::unique_ptr<BundleWriter>(new BundleWriter(std::move(impl)));
}

Status BundleWriter::Add(pb::Entry entry) {
  Impl& m = *impl_;
  if (m.finished) return FailedPrecondition("bundle already finished");
  size_t size = entry.ByteSizeLong();
  if (m.batch.entries_size() > 0 &&
      (static_cast<size_t>(m.batch.entries_size()) >= m.options.max_batch_entries ||
       m.batch_bytes + size > m.options.max_batch_bytes))
    SILIAN_RETURN_IF_ERROR(m.FlushBatch());
  if (entry.has_op()) {
    m.end.set_op_count(m.end.op_count() + 1);
  } else {
    m.end.set_skip_count(m.end.skip_count() + 1);
  }
  *m.batch.add_entries() = std::move(entry);
  m.batch_bytes += size + 4;
  return Status::Ok();
}

Result<pb::BundleEnd> BundleWriter::Finish() {
  Impl& m = *impl_;
  if (m.finished) return FailedPrecondition("bundle already finished");
  SILIAN_RETURN_IF_ERROR(m.FlushBatch());
  pb::Record record;
  *record.mutable_end() = m.end;
  SILIAN_RETURN_IF_ERROR(m.WriteRecord(record));
  SILIAN_RETURN_IF_ERROR(m.Compress(nullptr, 0, ZSTD_e_end));
  m.finished = true;
  return m.end;
}

// ---------------------------------------------------------------------------------------------- reader

struct BundleReader::Impl {
  ByteSource source;
  BundleLimits limits;
  ZSTD_DCtx* dctx = nullptr;
  std::vector<char> in_buf;
  ZSTD_inBuffer in{nullptr, 0, 0};
  bool source_done = false;
  bool frame_done = true;  // no frame started yet
  std::vector<char> out_buf;
  size_t out_pos = 0;
  size_t out_len = 0;
  uint64_t decompressed = 0;
  uint64_t compressed = 8;
  pb::BundleHeader header;
  pb::BundleEnd counted;
  uint64_t batches = 0;
  bool ended = false;
  std::string record_bytes;

  ~Impl() { ZSTD_freeDCtx(dctx); }

  // Produces more decompressed bytes into out_buf. Returns false at the clean end of input.
  Result<bool> Refill() {
    out_pos = 0;
    out_len = 0;
    for (;;) {
      if (in.pos == in.size && !source_done) {
        SILIAN_ASSIGN_OR_RETURN(size_t n, source(in_buf.data(), in_buf.size()));
        compressed += n;
        in = ZSTD_inBuffer{in_buf.data(), n, 0};
        if (n == 0) source_done = true;
      }
      if (in.pos == in.size && source_done) {
        if (!frame_done) return DataLoss("bundle is truncated: its compressed stream ends in the middle");
        return false;
      }
      ZSTD_outBuffer out{out_buf.data(), out_buf.size(), 0};
      size_t rc = ZSTD_decompressStream(dctx, &out, &in);
      if (ZSTD_isError(rc)) return DataLoss(std::string("bundle is corrupt: ") + ZSTD_getErrorName(rc));
      frame_done = rc == 0;
      if (out.pos > 0) {
        decompressed += out.pos;
        if (decompressed > limits.max_total_bytes)
          return ResourceExhausted("bundle decompresses to more than the limit of " +
                                   std::to_string(limits.max_total_bytes) + " bytes");
        out_len = out.pos;
        return true;
      }
    }
  }

  // After the end record: the zstd frame must finish with no further output, and no byte may follow it
  // (not even an empty or skippable frame).
  Status ExpectEnd() {
    const Status trailing = DataLoss("bundle has data after its end record");
    if (out_pos < out_len) return trailing;
    while (!frame_done) {
      if (in.pos == in.size) {
        if (source_done) return DataLoss("bundle is truncated: its compressed stream ends in the middle");
        SILIAN_ASSIGN_OR_RETURN(size_t n, source(in_buf.data(), in_buf.size()));
        compressed += n;
        in = ZSTD_inBuffer{in_buf.data(), n, 0};
        if (n == 0) source_done = true;
        continue;
      }
      ZSTD_outBuffer out{out_buf.data(), out_buf.size(), 0};
      size_t rc = ZSTD_decompressStream(dctx, &out, &in);
      if (ZSTD_isError(rc)) return DataLoss(std::string("bundle is corrupt: ") + ZSTD_getErrorName(rc));
      if (out.pos > 0) return trailing;
      frame_done = rc == 0;
    }
    if (in.pos < in.size) return trailing;
    if (!source_done) {
      char extra;
      SILIAN_ASSIGN_OR_RETURN(size_t n, source(&extra, 1));
      if (n > 0) return trailing;
    }
    return Status::Ok();
  }

  // Reads exactly `n` bytes. Returns false if the stream ended cleanly before the first byte.
  Result<bool> ReadExact(char* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      if (out_pos == out_len) {
        SILIAN_ASSIGN_OR_RETURN(bool more, Refill());
        if (!more) {
          if (got == 0) return false;
          return DataLoss("bundle is truncated in the middle of a record");
        }
      }
      size_t take = std::min(n - got, out_len - out_pos);
      std::memcpy(dst + got, out_buf.data() + out_pos, take);
      out_pos += take;
      got += take;
    }
    return true;
  }

  // Reads one record. Returns false at a clean end of stream.
  Result<bool> ReadRecord(pb::Record* record) {
    char len[4];
    SILIAN_ASSIGN_OR_RETURN(bool more, ReadExact(len, 4));
    if (!more) return false;
    uint64_t n = static_cast<uint64_t>(static_cast<unsigned char>(len[0])) |
                 static_cast<uint64_t>(static_cast<unsigned char>(len[1])) << 8 |
                 static_cast<uint64_t>(static_cast<unsigned char>(len[2])) << 16 |
                 static_cast<uint64_t>(static_cast<unsigned char>(len[3])) << 24;
    if (n > limits.max_record_bytes)
      return ResourceExhausted("bundle record of " + std::to_string(n) + " bytes exceeds the limit of " +
                               std::to_string(limits.max_record_bytes) + " bytes");
    record_bytes.resize(n);
    SILIAN_ASSIGN_OR_RETURN(bool body, ReadExact(record_bytes.data(), n));
    if (!body && n > 0) return DataLoss("bundle is truncated after a record length");
    if (!record->ParseFromString(record_bytes)) return DataLoss("bundle record is not a valid record");
    return true;
  }
};

BundleReader::BundleReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BundleReader::~BundleReader() = default;

Result<std::unique_ptr<BundleReader>> BundleReader::Open(ByteSource source, BundleLimits limits) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::move(source);
  impl->limits = limits;
  impl->dctx = ZSTD_createDCtx();
  if (impl->dctx == nullptr) return Internal("cannot create a zstd context");
  // Bounds the decoder's window so a crafted frame cannot make it allocate more than 128 MiB.
  ZSTD_DCtx_setParameter(impl->dctx, ZSTD_d_windowLogMax, 27);
  impl->in_buf.resize(ZSTD_DStreamInSize());
  impl->out_buf.resize(ZSTD_DStreamOutSize());
  char head[8];
  size_t got = 0;
  while (got < sizeof head) {
    SILIAN_ASSIGN_OR_RETURN(size_t n, impl->source(head + got, sizeof head - got));
    if (n == 0) break;
    got += n;
  }
  if (got == 0) return InvalidArgument("bundle is empty");
  if (got < sizeof head) return InvalidArgument("not a Silian bundle (only " + std::to_string(got) + " bytes)");
  SILIAN_RETURN_IF_ERROR(CheckMagic(head, kBundleKind, kBundleFormatVersion, "bundle"));
  impl->frame_done = true;
  pb::Record record;
  SILIAN_ASSIGN_OR_RETURN(bool more, impl->ReadRecord(&record));
  if (!more || !record.has_header()) return DataLoss("bundle does not start with a header record");
  if (record.header().format_version() != kBundleFormatVersion)
    return InvalidArgument("bundle header says format version " +
                           std::to_string(record.header().format_version()) + "; this program reads version " +
                           std::to_string(kBundleFormatVersion));
  impl->header = std::move(*record.mutable_header());
  return std::unique_ptr<BundleReader>(new BundleReader(std::move(impl)));
}

const pb::BundleHeader& BundleReader::header() const { return impl_->header; }
uint64_t BundleReader::decompressed_bytes() const { return impl_->decompressed; }
uint64_t BundleReader::compressed_bytes() const { return impl_->compressed; }

Result<bool> BundleReader::Next(pb::Batch* batch) {
  Impl& m = *impl_;
  if (m.ended) return false;
  pb::Record record;
  SILIAN_ASSIGN_OR_RETURN(bool more, m.ReadRecord(&record));
  if (!more)
    return DataLoss("bundle is truncated: it ends after " + std::to_string(m.batches) +
                    " batches without its end record");
  if (record.has_batch()) {
    const pb::Batch& b = record.batch();
    if (static_cast<uint64_t>(b.entries_size()) > m.limits.max_entries_per_batch)
      return ResourceExhausted("bundle batch of " + std::to_string(b.entries_size()) +
                               " entries exceeds the limit of " + std::to_string(m.limits.max_entries_per_batch));
    for (const auto& e : b.entries()) {
      if (e.has_op()) {
        if (e.op().size() > m.limits.max_op_bytes)
          return ResourceExhausted("bundle op of " + std::to_string(e.op().size()) + " bytes exceeds the limit of " +
                                   std::to_string(m.limits.max_op_bytes));
        m.counted.set_op_count(m.counted.op_count() + 1);
      } else if (e.has_skip()) {
        m.counted.set_skip_count(m.counted.skip_count() + 1);
      } else {
        return DataLoss("bundle entry " + std::to_string(m.counted.op_count() + m.counted.skip_count()) +
                        " is neither an op nor a skip");
      }
    }
    ++m.batches;
    *batch = std::move(*record.mutable_batch());
    return true;
  }
  if (record.has_end()) {
    const pb::BundleEnd& e = record.end();
    if (e.op_count() != m.counted.op_count() || e.skip_count() != m.counted.skip_count() ||
        e.batch_count() != m.batches)
      return DataLoss("bundle end record says " + std::to_string(e.op_count()) + " ops in " +
                      std::to_string(e.batch_count()) + " batches, but " + std::to_string(m.counted.op_count()) +
                      " ops in " + std::to_string(m.batches) + " batches were read");
    SILIAN_RETURN_IF_ERROR(m.ExpectEnd());
    m.ended = true;
    return false;
  }
  return DataLoss("bundle has an unexpected record after its header");
}

// ---------------------------------------------------------------------------------------------- frontier

std::string EncodeFrontierFile(const pb::Frontier& frontier) {
  std::string out(kMagic, sizeof kMagic);
  out.push_back(kFrontierKind);
  out.push_back(static_cast<char>(kFrontierFormatVersion));
  SILIAN_CHECK(frontier.AppendToString(&out));
  return out;
}

Result<pb::Frontier> DecodeFrontierFile(std::string_view data, const std::string& name) {
  if (data.size() < 8) return InvalidArgument(Quote(name) + " is not a Silian frontier file (too short)");
  if (data.size() > kMaxFrontierBytes + 8)
    return ResourceExhausted("frontier file " + Quote(name) + " has " + std::to_string(data.size()) +
                             " bytes; the limit is " + std::to_string(kMaxFrontierBytes));
  Status s = CheckMagic(data.data(), kFrontierKind, kFrontierFormatVersion, "frontier file");
  if (!s.ok()) return InvalidArgument(Quote(name) + ": " + s.message());
  pb::Frontier frontier;
  if (!frontier.ParseFromArray(data.data() + 8, static_cast<int>(data.size() - 8)))
    return DataLoss("frontier file " + Quote(name) + " is corrupt");
  return frontier;
}

Status WriteFrontierFile(const std::string& path, const pb::Frontier& frontier) {
  return WriteFileAtomically(path, "frontier file", EncodeFrontierFile(frontier));
}

Result<pb::Frontier> ReadFrontierFile(const std::string& path) {
  SILIAN_ASSIGN_OR_RETURN(std::string data, ReadFileBounded(path, "frontier file", kMaxFrontierBytes + 8));
  return DecodeFrontierFile(data, path);
}

}  // namespace silian::sync
