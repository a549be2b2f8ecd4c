// The bundle codec: ops (and skips) as a zstd-compressed stream of length-delimited protobuf records.
// Used for files carried between replicas (USB stick) and, in the hub issue, for sync bodies on the wire.
// docs/protocol.md ("Bundle format") is the normative description; in short:
//
//   bytes 0..5  "SILIAN"             magic
//   byte  6     'B'                  kind: bundle ('F' is a frontier file, see frontier_file.h)
//   byte  7     format version       kBundleFormatVersion
//   then one zstd stream holding records, each: u32 little-endian length, then a pb::Record of that many
//   bytes. The first record is a header, then any number of batches, then exactly one end record whose
//   counts must match what came before. Nothing may follow the end record.
//
// Every length is checked against BundleLimits before anything is allocated for it, and the total number
// of decompressed bytes is capped, so a hostile or corrupt file cannot exhaust memory.
// Not thread-safe; one reader or writer per stream.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "silian.pb.h"
#include "base/status.h"

namespace silian::sync {

inline constexpr uint32_t kBundleFormatVersion = 1;

struct BundleLimits {
  uint64_t max_record_bytes = 16ull << 20;      // one record (a batch) after decompression
  uint64_t max_total_bytes = 8ull << 30;        // the whole decompressed stream
  uint64_t max_entries_per_batch = 100000;
  uint64_t max_op_bytes = 64ull << 10;          // one serialized op (kMaxOpBytes, ledger/ledger.h)
};

// Receives compressed output. Returns non-OK to abort writing.
using ByteSink = std::function<Status(const char* data, size_t size)>;
// Fills up to `size` bytes; returns how many were read, 0 at the end of input.
using ByteSource = std::function<Result<size_t>(char* data, size_t size)>;

// Sinks and sources over stdio files (borrowed, not closed) and memory.
ByteSink FileSink(std::FILE* file);
ByteSource FileSource(std::FILE* file);
ByteSink StringSink(std::string* out);
ByteSource StringSource(const std::string* in);

class BundleWriter {
 public:
  struct Options {
    size_t max_batch_entries = 20000;
    size_t max_batch_bytes = 4u << 20;
    int zstd_level = 6;
    // Called on each batch before it is written: the exporter's ledger attaches the signed heads that
    // cover it (Ledger::AttachHeads). Null: batches carry no heads (receivers then hold their entries in
    // pending until heads arrive by another path).
    std::function<Status(pb::Batch*)> attach_heads;
  };

  // Writes the magic and the header record. `header.format_version` is set here.
  static Result<std::unique_ptr<BundleWriter>> Start(ByteSink sink, pb::BundleHeader header, Options options);
  static Result<std::unique_ptr<BundleWriter>> Start(ByteSink sink, pb::BundleHeader header) {
    return Start(std::move(sink), std::move(header), Options());
  }
  ~BundleWriter();

  // Adds one entry; writes a batch record when the batch is full.
  Status Add(pb::Entry entry);
  // Writes the last batch and the end record and flushes. Returns the counts written.
  Result<pb::BundleEnd> Finish();

 private:
  struct Impl;
  explicit BundleWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class BundleReader {
 public:
  // Reads and checks the magic, the format version and the header record.
  // Errors: kInvalidArgument for a file that is not a bundle or has another format version,
  // kDataLoss for corrupt or truncated data, kResourceExhausted for a limit exceeded.
  static Result<std::unique_ptr<BundleReader>> Open(ByteSource source, BundleLimits limits);
  static Result<std::unique_ptr<BundleReader>> Open(ByteSource source) {
    return Open(std::move(source), BundleLimits());
  }
  ~BundleReader();

  const pb::BundleHeader& header() const;
  // Reads the next batch into `batch`. Returns true for a batch, false once the end record has been read
  // and checked (counts match, nothing follows it).
  Result<bool> Next(pb::Batch* batch);
  uint64_t decompressed_bytes() const;
  uint64_t compressed_bytes() const;

 private:
  struct Impl;
  explicit BundleReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A frontier file: "SILIAN" 'F' version, then a serialized pb::Frontier (at most 16 MiB).
// Written with WriteFileAtomically (base/files.h: mode 0600, never through a planted link); read with a
// size limit checked before reading. Decode checks only the format: what the frontier claims (its scope)
// is for the exporter to judge.
std::string EncodeFrontierFile(const pb::Frontier& frontier);
// `name` names the file in messages.
Result<pb::Frontier> DecodeFrontierFile(std::string_view data, const std::string& name);
Status WriteFrontierFile(const std::string& path, const pb::Frontier& frontier);
Result<pb::Frontier> ReadFrontierFile(const std::string& path);

}  // namespace silian::sync
