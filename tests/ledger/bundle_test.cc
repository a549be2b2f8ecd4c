#include "ledger/bundle.h"

#include <zstd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <google/protobuf/stubs/logging.h>

#include "support/test_util.h"

namespace silian::sync {
namespace {

// Realistic entries: notes of varied length on one case, by two origins, plus a skip.
std::vector<pb::Entry> SampleEntries(size_t n, uint64_t seed = 1) {
  test::Rng rng(seed);
  std::vector<pb::Entry> out;
  for (size_t i = 0; i < n; ++i) {
    std::string origin = i % 2 == 0 ? "n1" : "n2";
    pb::Op op = test::NoteOp({origin + ":" + std::to_string(i / 2 + 1), test::Stamp(test::kT0Ms + i), {"n1:1"}},
                             "note " + std::to_string(rng.Next()) + std::string(rng.Below(60), 'x'));
    out.push_back(test::OpEntry(op));
  }
  pb::Entry skip;
  skip.mutable_skip()->set_origin("n3");
  skip.mutable_skip()->set_from_seq(1);
  skip.mutable_skip()->set_to_seq(40);
  skip.mutable_skip()->set_hash(std::string(32, '\x5a'));
  out.push_back(skip);
  return out;
}

pb::BundleHeader SampleHeader() {
  pb::BundleHeader h;
  h.set_sender("laptop-7");
  h.set_sender_scope(test::kVillage);
  h.set_created_ms(test::kT0Ms);
  h.mutable_sender_frontier()->set_node_id("laptop-7");
  auto* e = h.mutable_sender_frontier()->add_entries();
  e->set_origin("n1");
  e->set_seq(5);
  e->set_hash(std::string(32, '\x01'));
  return h;
}

std::string Write(const std::vector<pb::Entry>& entries, BundleWriter::Options options = {},
                  pb::BundleEnd* end = nullptr) {
  std::string out;
  auto writer = SILIAN_TAKE(BundleWriter::Start(StringSink(&out), SampleHeader(), options));
  for (const auto& e : entries) SILIAN_REQUIRE_OK(writer->Add(e));
  pb::BundleEnd counts = SILIAN_TAKE(writer->Finish());
  if (end) *end = counts;
  return out;
}

struct ReadResult {
  Status status;  // the first error, or OK
  pb::BundleHeader header;
  std::vector<pb::Batch> batches;
};

// Reads a whole bundle, stopping at the first error.
ReadResult ReadAll(const std::string& bytes, BundleLimits limits = {}) {
  ReadResult r;
  auto reader = BundleReader::Open(StringSource(&bytes), limits);
  if (!reader.ok()) {
    r.status = reader.status();
    return r;
  }
  r.header = (*reader)->header();
  for (;;) {
    pb::Batch batch;
    auto more = (*reader)->Next(&batch);
    if (!more.ok()) {
      r.status = more.status();
      return r;
    }
    if (!*more) return r;
    r.batches.push_back(std::move(batch));
  }
}

std::vector<std::string> Flatten(const std::vector<pb::Batch>& batches) {
  std::vector<std::string> out;
  for (const auto& b : batches)
    for (const auto& e : b.entries()) out.push_back(e.SerializeAsString());
  return out;
}

std::vector<std::string> Serialized(const std::vector<pb::Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.SerializeAsString());
  return out;
}

// ---- Hand-built streams, for what the writer never produces.

std::string Le32(uint32_t n) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

std::string Framed(const pb::Record& r) {
  std::string body = r.SerializeAsString();
  return Le32(static_cast<uint32_t>(body.size())) + body;
}

std::string Compress(const std::string& plain) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string Head(char kind = 'B', uint8_t version = 1) {
  return std::string("SILIAN") + kind + static_cast<char>(version);
}

pb::Record HeaderRecord(uint32_t version = 1) {
  pb::Record r;
  *r.mutable_header() = SampleHeader();
  r.mutable_header()->set_format_version(version);
  return r;
}

pb::Record BatchRecord(const std::vector<pb::Entry>& entries) {
  pb::Record r;
  for (const auto& e : entries) *r.mutable_batch()->add_entries() = e;
  return r;
}

pb::Record EndRecord(uint64_t ops, uint64_t skips, uint64_t batches) {
  pb::Record r;
  r.mutable_end()->set_op_count(ops);
  r.mutable_end()->set_skip_count(skips);
  r.mutable_end()->set_batch_count(batches);
  return r;
}

// ---- Round trips.

TEST_CASE("Bundle: what is written is read back, header, entries and counts", "[bundle]") {
  auto entries = SampleEntries(50);
  pb::BundleEnd end;
  std::string bytes = Write(entries, {}, &end);
  CHECK(bytes.substr(0, 8) == Head());
  CHECK(end.op_count() == 50);
  CHECK(end.skip_count() == 1);
  CHECK(end.batch_count() == 1);

  ReadResult r = ReadAll(bytes);
  SILIAN_REQUIRE_OK(r.status);
  CHECK(r.header.format_version() == kBundleFormatVersion);
  CHECK(r.header.sender() == "laptop-7");
  CHECK(r.header.sender_scope() == test::kVillage);
  CHECK(r.header.created_ms() == test::kT0Ms);
  CHECK(r.header.sender_frontier().SerializeAsString() == SampleHeader().sender_frontier().SerializeAsString());
  CHECK(Flatten(r.batches) == Serialized(entries));
}

TEST_CASE("Bundle: a bundle without entries is valid", "[bundle]") {
  pb::BundleEnd end;
  std::string bytes = Write({}, {}, &end);
  CHECK(end.batch_count() == 0);
  ReadResult r = ReadAll(bytes);
  SILIAN_REQUIRE_OK(r.status);
  CHECK(r.batches.empty());
}

TEST_CASE("Bundle: the reader keeps answering 'no more batches' after the end", "[bundle]") {
  std::string bytes = Write(SampleEntries(3));
  auto reader = SILIAN_TAKE(BundleReader::Open(StringSource(&bytes)));
  pb::Batch batch;
  CHECK(SILIAN_TAKE(reader->Next(&batch)));
  CHECK_FALSE(SILIAN_TAKE(reader->Next(&batch)));
  CHECK_FALSE(SILIAN_TAKE(reader->Next(&batch)));
  CHECK(reader->compressed_bytes() == bytes.size());
  CHECK(reader->decompressed_bytes() > 0);
}

TEST_CASE("Bundle: the writer refuses entries after Finish", "[bundle]") {
  std::string out;
  auto writer = SILIAN_TAKE(BundleWriter::Start(StringSink(&out), SampleHeader()));
  SILIAN_REQUIRE_OK(writer->Finish().status());
  CHECK(writer->Add(SampleEntries(1)[0]).code() == StatusCode::kFailedPrecondition);
  CHECK(writer->Finish().status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("Bundle: a failing sink stops the writer with its error", "[bundle]") {
  ByteSink full = [](const char*, size_t) { return Internal("disk full"); };
  auto writer = BundleWriter::Start(full, SampleHeader());
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().message() == "disk full");
}

TEST_CASE("Bundle: files round-trip through FileSink and FileSource", "[bundle]") {
  test::TempDir dir;
  auto entries = SampleEntries(30);
  std::string path = dir.File("x.silian");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    auto writer = SILIAN_TAKE(BundleWriter::Start(FileSink(f), SampleHeader()));
    for (const auto& e : entries) SILIAN_REQUIRE_OK(writer->Add(e));
    SILIAN_REQUIRE_OK(writer->Finish().status());
    REQUIRE(std::fclose(f) == 0);
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  auto reader = SILIAN_TAKE(BundleReader::Open(FileSource(f)));
  std::vector<pb::Batch> batches;
  pb::Batch batch;
  while (SILIAN_TAKE(reader->Next(&batch))) batches.push_back(batch);
  std::fclose(f);
  CHECK(Flatten(batches) == Serialized(entries));
}

// ---- Batching.

TEST_CASE("Bundle: batches are split by entry count", "[bundle]") {
  auto entries = SampleEntries(50);  // 51 entries
  BundleWriter::Options o;
  o.max_batch_entries = 7;
  pb::BundleEnd end;
  ReadResult r = ReadAll(Write(entries, o, &end));
  SILIAN_REQUIRE_OK(r.status);
  REQUIRE(r.batches.size() == 8);
  CHECK(end.batch_count() == 8);
  for (size_t i = 0; i + 1 < r.batches.size(); ++i) CHECK(r.batches[i].entries_size() == 7);
  CHECK(r.batches.back().entries_size() == 2);
  CHECK(Flatten(r.batches) == Serialized(entries));
}

TEST_CASE("Bundle: batches are split by bytes", "[bundle]") {
  auto entries = SampleEntries(200);
  BundleWriter::Options o;
  o.max_batch_bytes = 2000;
  ReadResult r = ReadAll(Write(entries, o));
  SILIAN_REQUIRE_OK(r.status);
  CHECK(r.batches.size() > 5);
  for (const auto& b : r.batches) {
    CHECK(b.entries_size() > 1);
    CHECK(b.ByteSizeLong() <= o.max_batch_bytes);
  }
  CHECK(Flatten(r.batches) == Serialized(entries));
}

TEST_CASE("Bundle: an entry larger than the batch byte limit travels alone", "[bundle]") {
  std::vector<pb::Entry> entries = SampleEntries(4);
  pb::Entry big = test::OpEntry(test::NoteOp({"n9:1", 1, {}}, std::string(5000, 'b')));
  entries.insert(entries.begin() + 2, big);
  BundleWriter::Options o;
  o.max_batch_bytes = 1000;
  ReadResult r = ReadAll(Write(entries, o));
  SILIAN_REQUIRE_OK(r.status);
  bool alone = false;
  for (const auto& b : r.batches)
    if (b.entries_size() == 1 && b.entries(0).SerializeAsString() == big.SerializeAsString()) alone = true;
  CHECK(alone);
  CHECK(Flatten(r.batches) == Serialized(entries));
}

// ---- Damaged input.

TEST_CASE("Bundle: a truncated stream is data loss at every cut point", "[bundle]") {
  google::protobuf::LogSilencer quiet;  // damaged strings make protobuf log each one
  std::string bytes = Write(SampleEntries(120), [] {
    BundleWriter::Options o;
    o.max_batch_entries = 25;
    return o;
  }());
  for (size_t cut = 8; cut < bytes.size(); ++cut) {
    std::string part = bytes.substr(0, cut);
    ReadResult r = ReadAll(part);
    CAPTURE(cut, bytes.size(), r.status.ToString());
    REQUIRE(r.status.code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("Bundle: a stream cut inside its first eight bytes is not a bundle", "[bundle]") {
  std::string bytes = Write(SampleEntries(3));
  for (size_t cut = 0; cut < 8; ++cut) {
    CAPTURE(cut);
    CHECK(ReadAll(bytes.substr(0, cut)).status.code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Bundle: a corrupted byte is never read back as different entries", "[bundle]") {
  google::protobuf::LogSilencer quiet;  // damaged strings make protobuf log each one
  auto entries = SampleEntries(60);
  std::string bytes = Write(entries);
  const auto expected = Serialized(entries);
  int silently_changed = 0;
  size_t first_bad = 0;
  for (size_t i = 8; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    ReadResult r = ReadAll(damaged);
    if (r.status.ok() && Flatten(r.batches) != expected) {
      if (silently_changed++ == 0) first_bad = i;
    }
  }
  INFO(silently_changed << " of " << bytes.size() - 8 << " single-byte corruptions were read as different "
                        << "entries without an error; the first at byte " << first_bad);
  CHECK(silently_changed == 0);
}

TEST_CASE("Bundle: wrong magic is an invalid argument", "[bundle]") {
  std::string bytes = Write(SampleEntries(3));
  std::string wrong = bytes;
  wrong[0] = 'X';
  ReadResult r = ReadAll(wrong);
  CHECK(r.status.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status.message(), Catch::Contains("not a Silian bundle"));

  ReadResult text = ReadAll(std::string("ops=3 ledger=ab state=cd\n"));
  CHECK(text.status.code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Bundle: a frontier file is not a bundle", "[bundle]") {
  std::string bytes = Write(SampleEntries(3));
  bytes[6] = 'F';
  CHECK(ReadAll(bytes).status.code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Bundle: format version 2 is an invalid argument naming the version", "[bundle]") {
  std::string bytes = Write(SampleEntries(3));
  bytes[7] = 2;
  ReadResult r = ReadAll(bytes);
  REQUIRE(r.status.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status.message(), Catch::Contains("version 2") && Catch::Contains("1"));
}

TEST_CASE("Bundle: a header record claiming version 2 is an invalid argument naming the version", "[bundle]") {
  std::string bytes = Head() + Compress(Framed(HeaderRecord(2)) + Framed(EndRecord(0, 0, 0)));
  ReadResult r = ReadAll(bytes);
  REQUIRE(r.status.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status.message(), Catch::Contains("version 2"));
}

TEST_CASE("Bundle: a hand-built stream in the documented format is read", "[bundle]") {
  auto entries = SampleEntries(4);
  std::string bytes = Head() + Compress(Framed(HeaderRecord()) + Framed(BatchRecord(entries)) +
                                        Framed(EndRecord(4, 1, 1)));
  ReadResult r = ReadAll(bytes);
  SILIAN_REQUIRE_OK(r.status);
  CHECK(Flatten(r.batches) == Serialized(entries));
}

TEST_CASE("Bundle: a record length above max_record_bytes is refused before allocating", "[bundle]") {
  SECTION("a batch record claiming nearly 4 GiB") {
    std::string bytes = Head() + Compress(Framed(HeaderRecord()) + Le32(0xFFFFFFF0u));
    auto reader = SILIAN_TAKE(BundleReader::Open(StringSource(&bytes)));
    pb::Batch batch;
    auto next = reader->Next(&batch);
    REQUIRE(next.status().code() == StatusCode::kResourceExhausted);
    CHECK_THAT(next.status().message(), Catch::Contains("4294967280") && Catch::Contains("16777216"));
    CHECK(reader->decompressed_bytes() < 1000);
  }
  SECTION("a header record claiming nearly 4 GiB") {
    std::string bytes = Head() + Compress(Le32(0xFFFFFFF0u));
    CHECK(ReadAll(bytes).status.code() == StatusCode::kResourceExhausted);
  }
  SECTION("a configured limit below a real batch") {
    BundleLimits limits;
    limits.max_record_bytes = 500;
    ReadResult r = ReadAll(Write(SampleEntries(50)), limits);
    CHECK(r.status.code() == StatusCode::kResourceExhausted);
  }
}

TEST_CASE("Bundle: the total decompressed size is capped", "[bundle]") {
  // Highly compressible: 300 ops of 60 KiB of one letter each decompress to ~18 MiB.
  std::vector<pb::Entry> entries;
  for (int i = 1; i <= 300; ++i)
    entries.push_back(test::OpEntry(test::NoteOp({"n1:" + std::to_string(i), 1, {}}, std::string(60 << 10, 'z'))));
  std::string bytes = Write(entries);
  CHECK(bytes.size() < (1u << 20));
  BundleLimits limits;
  limits.max_total_bytes = 4u << 20;
  ReadResult r = ReadAll(bytes, limits);
  CHECK(r.status.code() == StatusCode::kResourceExhausted);
  CHECK_THAT(r.status.message(), Catch::Contains("4194304"));
  CHECK(r.batches.size() < 300);
  // With the default limit it reads.
  SILIAN_REQUIRE_OK(ReadAll(bytes).status);
}

TEST_CASE("Bundle: per-batch entry and per-op size limits are enforced", "[bundle]") {
  BundleLimits few;
  few.max_entries_per_batch = 10;
  CHECK(ReadAll(Write(SampleEntries(20)), few).status.code() == StatusCode::kResourceExhausted);
  BundleLimits small_ops;
  small_ops.max_op_bytes = 50;
  CHECK(ReadAll(Write(SampleEntries(20)), small_ops).status.code() == StatusCode::kResourceExhausted);
}

TEST_CASE("Bundle: an entry that is neither op nor skip is data loss", "[bundle]") {
  std::vector<pb::Entry> entries = SampleEntries(2);
  entries.push_back(pb::Entry());
  std::string bytes = Head() + Compress(Framed(HeaderRecord()) + Framed(BatchRecord(entries)) +
                                        Framed(EndRecord(2, 1, 1)));
  CHECK(ReadAll(bytes).status.code() == StatusCode::kDataLoss);
}

TEST_CASE("Bundle: a stream without its header, or without its end record, is data loss", "[bundle]") {
  auto entries = SampleEntries(3);
  std::string no_header = Head() + Compress(Framed(BatchRecord(entries)) + Framed(EndRecord(3, 1, 1)));
  CHECK(ReadAll(no_header).status.code() == StatusCode::kDataLoss);
  std::string no_end = Head() + Compress(Framed(HeaderRecord()) + Framed(BatchRecord(entries)));
  CHECK(ReadAll(no_end).status.code() == StatusCode::kDataLoss);
  std::string only_magic = Head();
  CHECK(ReadAll(only_magic).status.code() == StatusCode::kDataLoss);
}

TEST_CASE("Bundle: an end record whose counts do not match is data loss", "[bundle]") {
  auto entries = SampleEntries(3);  // 3 ops, 1 skip
  for (const auto& end : {EndRecord(4, 1, 1), EndRecord(3, 0, 1), EndRecord(3, 1, 2)}) {
    std::string bytes = Head() + Compress(Framed(HeaderRecord()) + Framed(BatchRecord(entries)) + Framed(end));
    CAPTURE(end.ShortDebugString());
    CHECK(ReadAll(bytes).status.code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("Bundle: a second header after the first is data loss", "[bundle]") {
  std::string bytes = Head() + Compress(Framed(HeaderRecord()) + Framed(HeaderRecord()) + Framed(EndRecord(0, 0, 0)));
  CHECK(ReadAll(bytes).status.code() == StatusCode::kDataLoss);
}

TEST_CASE("Bundle: trailing bytes after the end record are an error", "[bundle]") {
  auto entries = SampleEntries(3);
  const std::string records = Framed(HeaderRecord()) + Framed(BatchRecord(entries)) + Framed(EndRecord(3, 1, 1));
  SILIAN_REQUIRE_OK(ReadAll(Head() + Compress(records)).status);

  SECTION("another record inside the compressed stream") {
    std::string bytes = Head() + Compress(records + Framed(BatchRecord(entries)));
    CHECK(ReadAll(bytes).status.code() == StatusCode::kDataLoss);
  }
  SECTION("a few stray bytes inside the compressed stream") {
    std::string bytes = Head() + Compress(records + "xy");
    CHECK(ReadAll(bytes).status.code() == StatusCode::kDataLoss);
  }
  SECTION("garbage after the compressed stream") {
    std::string bytes = Write(entries) + "garbage after the end";
    CHECK_FALSE(ReadAll(bytes).status.ok());
  }
  SECTION("a second compressed frame with data") {
    std::string bytes = Write(entries) + Compress("more data");
    CHECK_FALSE(ReadAll(bytes).status.ok());
  }
  SECTION("an empty compressed frame") {
    std::string bytes = Write(entries) + Compress("");
    CHECK_FALSE(ReadAll(bytes).status.ok());
  }
  SECTION("a zstd skippable frame") {
    // Magic 0x184D2A50, little-endian length, content: a decoder skips it without output.
    std::string skippable = std::string("\x50\x2a\x4d\x18", 4) + Le32(16) + std::string(16, 'S');
    std::string bytes = Write(entries) + skippable;
    CHECK_FALSE(ReadAll(bytes).status.ok());
  }
}

// ---- Frontier files.

TEST_CASE("Bundle: a frontier file round-trips", "[bundle][frontier]") {
  test::TempDir dir;
  pb::Frontier f;
  f.set_node_id("township-hall");
  f.set_scope("152222104");
  for (int i = 0; i < 5; ++i) {
    auto* e = f.add_entries();
    e->set_origin("n" + std::to_string(i));
    e->set_seq(static_cast<uint64_t>(i * 1000 + 1));
    e->set_hash(std::string(32, static_cast<char>('a' + i)));
  }
  std::string path = dir.File("holder.frontier");
  SILIAN_REQUIRE_OK(WriteFrontierFile(path, f));
  pb::Frontier back = SILIAN_TAKE(ReadFrontierFile(path));
  CHECK(back.SerializeAsString() == f.SerializeAsString());
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));

  SECTION("an empty frontier round-trips too") {
    SILIAN_REQUIRE_OK(WriteFrontierFile(path, pb::Frontier()));
    CHECK(SILIAN_TAKE(ReadFrontierFile(path)).entries_size() == 0);
  }
}

TEST_CASE("Bundle: a bundle, a missing file, or another version is not read as a frontier file",
          "[bundle][frontier]") {
  test::TempDir dir;
  std::string bundle_path = dir.File("b.silian");
  {
    std::string bytes = Write(SampleEntries(3));
    std::FILE* f = std::fopen(bundle_path.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  CHECK(ReadFrontierFile(bundle_path).status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(ReadFrontierFile(dir.File("missing")).ok());

  std::string v2 = dir.File("v2.frontier");
  SILIAN_REQUIRE_OK(WriteFrontierFile(v2, pb::Frontier()));
  {
    std::FILE* f = std::fopen(v2.c_str(), "r+b");
    REQUIRE(f != nullptr);
    std::fseek(f, 7, SEEK_SET);
    std::fputc(2, f);
    std::fclose(f);
  }
  auto r = ReadFrontierFile(v2);
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("version 2"));
}

}  // namespace
}  // namespace silian::sync
