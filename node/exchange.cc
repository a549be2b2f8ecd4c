// The exchange commands of silian-node: bundle export, bundle import, frontier export.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "node/commands.h"
#include "node/holder_scope.h"
#include "console/support.h"
#include "base/files.h"
#include "base/hlc.h"
#include "ledger/bundle.h"
#include "ledger/stick_seal.h"
#include "console/node_keys.h"
#include "domain/store.h"

namespace silian::node {
namespace {

using namespace console;  // NOLINT: the shared console helpers are this file's vocabulary

using nlohmann::json;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

void Warn(const std::string& message) { std::cerr << "silian-node: warning: " << Printable(message) << '\n'; }

// Import progress on stderr, about once a second, only when stderr is a terminal.
class Progress {
 public:
  explicit Progress(uint64_t total_bytes)
      : enabled_(::isatty(STDERR_FILENO) == 1), total_bytes_(total_bytes), last_(std::chrono::steady_clock::now()) {}
  ~Progress() { Clear(); }

  void Update(uint64_t entries, uint64_t compressed_bytes) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    unsigned percent = total_bytes_ == 0 ? 100 : static_cast<unsigned>(compressed_bytes * 100 / total_bytes_);
    std::fprintf(stderr, "\rsilian-node: %llu ops read (%u%%)   ", static_cast<unsigned long long>(entries),
                 percent > 100 ? 100 : percent);
    std::fflush(stderr);
    shown_ = true;
  }

  void Clear() {
    if (!shown_) return;
    std::fprintf(stderr, "\r%60s\r", "");
    std::fflush(stderr);
    shown_ = false;
  }

 private:
  bool enabled_;
  uint64_t total_bytes_;
  std::chrono::steady_clock::time_point last_;
  bool shown_ = false;
};

// Who a bundle is sealed for: the node, and its registered Ed25519 key.
struct Recipient {
  std::string node_id;
  std::string public_key;
};

// The recipient of an export: --to, else the node of the --for frontier; none without either. A node named
// with --to must have a registered, active key here; a --for node without one gets an unsealed stick, said.
Result<std::optional<Recipient>> RecipientOf(sync::LedgerStore& store, const BundleExportOptions& o,
                                             const pb::Frontier& holder) {
  if (o.to) {
    auto parsed = sync::ParseNodeId(*o.to);
    if (!parsed.ok()) return InvalidArgument("--to " + Quote(*o.to) + ": " + parsed.status().message());
  }
  const std::string id = o.to ? *o.to : holder.node_id();
  if (id.empty()) return std::optional<Recipient>();
  if (id == store.config().node_id.value)
    return InvalidArgument("--to " + Quote(id) + " is this node: seal a stick for the node that will read it");
  SILIAN_ASSIGN_OR_RETURN(auto key, console::RegistryKeyLookup()(store.ledger(), id));
  if (!key || key->public_key.empty()) {
    const std::string why = "node " + Quote(id) + " has no registered key in this ledger";
    if (o.to) return InvalidArgument(why + " (sync first, so its registration arrives, or name another node)");
    Warn(why + ": the stick is not sealed, anyone who holds it can read it");
    return std::optional<Recipient>();
  }
  if (key->revoked || key->removed) return PermissionDenied("node " + Quote(id) + " is revoked or removed: no stick for it");
  return std::optional<Recipient>(Recipient{id, key->public_key});
}

// Writes the bundle into `file`, sealed for `to` when given; returns the end record. Adds the bytes written
// to `*bytes`.
Result<pb::BundleEnd> WriteBundle(sync::LedgerStore& store, const pb::Frontier& holder,
                                  const std::optional<Recipient>& to, std::FILE* file, uint64_t* bytes) {
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier own, store.GetFrontier());
  pb::BundleHeader header;
  header.set_sender(store.config().node_id.value);
  header.set_sender_scope(store.scope());
  *header.mutable_sender_frontier() = std::move(own);
  header.set_for_node(holder.node_id());
  header.set_created_ms(sync::SystemWallClock().NowMs());
  sync::ByteSink file_sink = sync::FileSink(file);
  sync::ByteSink sink = [file_sink, bytes](const char* data, size_t size) {
    *bytes += size;
    return file_sink(data, size);
  };
  std::unique_ptr<sync::StickSealer> sealer;
  if (to) {
    SILIAN_ASSIGN_OR_RETURN(sealer, sync::StickSealer::Start(std::move(sink), to->node_id, to->public_key));
    sink = sealer->sink();
  }
  sync::BundleWriter::Options options;
  options.attach_heads = [&store](pb::Batch* batch) { return store.ledger().AttachHeads(batch); };
  SILIAN_ASSIGN_OR_RETURN(auto writer, sync::BundleWriter::Start(std::move(sink), std::move(header), options));
  SILIAN_RETURN_IF_ERROR(store.Export(holder, [&writer](pb::Entry entry) { return writer->Add(std::move(entry)); }));
  SILIAN_ASSIGN_OR_RETURN(pb::BundleEnd end, writer->Finish());
  if (sealer) SILIAN_RETURN_IF_ERROR(sealer->Finish());
  return end;
}

// The holder to export for: the frontier file's, its scope checked (node/holder_scope.h), or this node's own
// scope and no frontier when there is no --for.
Result<pb::Frontier> HolderOf(sync::LedgerStore& store, const BundleExportOptions& o) {
  pb::Frontier holder;
  if (!o.for_frontier_file) {
    if (o.holder_scope) return InvalidArgument("--holder-scope " + Quote(*o.holder_scope) + " needs --for FRONTIER");
    holder.set_scope(store.scope());
    return holder;
  }
  const std::string& file = *o.for_frontier_file;
  auto read = sync::ReadFrontierFile(file);
  if (!read.ok()) return WithContext(read.status(), file, "frontier file " + Quote(file));
  holder = std::move(read).value();
  HolderFacts facts;
  facts.exporter_scope = store.scope();
  facts.vouched_scope = o.holder_scope;
  if (sync::ParseNodeId(holder.node_id()).ok()) {
    SILIAN_ASSIGN_OR_RETURN(std::optional<sync::Peer> peer, store.FindPeer(holder.node_id()));
    if (peer) facts.known = KnownHolder{peer->level, peer->division, "peer registry"};
  }
  SILIAN_ASSIGN_OR_RETURN(std::string scope, CheckHolderScope(holder, facts, file));
  holder.set_scope(scope);
  return holder;
}

Result<uint64_t> CountCases(sync::LedgerStore& store, const std::string& scope) {
  uint64_t cases = 0;
  SILIAN_RETURN_IF_ERROR(store.ForEachCaseView(scope, [&cases](const nlohmann::json&) {
    ++cases;
    return Status::Ok();
  }));
  return cases;
}

}  // namespace

Status RunBundleExport(const GlobalOptions& g, const BundleExportOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier holder, HolderOf(*store, o));
  SILIAN_ASSIGN_OR_RETURN(uint64_t cases, CountCases(*store, holder.scope()));
  SILIAN_ASSIGN_OR_RETURN(std::optional<Recipient> to, RecipientOf(*store, o, holder));
  SILIAN_RETURN_IF_ERROR(CheckWriteTarget(o.file, "bundle"));
  // Said before anything is written, so that a clerk sees what goes onto the stick.
  const std::string target = holder.node_id().empty() ? "" : " for node " + Quote(holder.node_id());
  std::cerr << "silian-node: exporting scope " << Quote(holder.scope()) << " (" << cases
            << (cases == 1 ? " case)" : " cases)") << target << " to " << Quote(o.file)
            << (to ? ", sealed for node " + Quote(to->node_id) : std::string()) << '\n';
  if (!to && cases > 0)
    Warn("the stick is not sealed: anyone who holds it can read its cases; name the node it is for with --to NODE");
  uint64_t bytes = 0;
  pb::BundleEnd end;
  Status written = WriteFileAtomically(o.file, "bundle", [&](std::FILE* out) -> Status {
    SILIAN_ASSIGN_OR_RETURN(end, WriteBundle(*store, holder, to, out, &bytes));
    return Status::Ok();
  });
  if (!written.ok()) return WithContext(written, o.file, "bundle " + Quote(o.file));

  if (g.json) {
    PrintJson({{"file", o.file},
               {"ops", end.op_count()},
               {"skips", end.skip_count()},
               {"batches", end.batch_count()},
               {"bytes", bytes},
               {"for_node", holder.node_id()},
               {"sealed_for", to ? to->node_id : std::string()},
               {"scope", holder.scope()},
               {"cases", cases}});
  } else {
    const std::string more = (holder.node_id().empty() ? "" : Said(g, said::kExportedFor, holder.node_id())) +
                             (to ? Said(g, said::kExportedSealed, to->node_id) : std::string());
    std::cout << Said(g, said::kExported, end.op_count(), end.skip_count(), o.file, bytes, more) << '\n';
  }
  return Status::Ok();
}

Status RunBundleImport(const GlobalOptions& g, const std::string& file) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  auto in_context = [&file](const Status& s) { return WithContext(s, file, "bundle " + Quote(file)); };
  // What the agent reads when the stick's file is refused (in the app, too: it runs this command): the
  // file cannot be read as a bundle, it is damaged, or its content was refused. Only what the file's bytes
  // say is keyed so; a refusal the core keyed itself (a stick sealed for another node, a changed file)
  // keeps its key, and a failure of this machine (kInternal, kUnavailable, a permission) its own message.
  auto unreadable = [&](const Status& s) {
    Status out = in_context(s);
    if (!out.key().empty()) return out;
    if (out.code() == StatusCode::kDataLoss || out.code() == StatusCode::kResourceExhausted)
      return std::move(out).With(msg::kBundleDamaged, file);
    if (out.code() == StatusCode::kInvalidArgument) return std::move(out).With(msg::kBundleUnreadable, file);
    return out;
  };
  auto refused = [&](const Status& s) {
    Status out = in_context(s);
    if (!out.key().empty() || out.code() == StatusCode::kInternal || out.code() == StatusCode::kUnavailable) return out;
    return std::move(out).With(msg::kBundleRefused, file);
  };

  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    int err = errno;
    std::string message = "cannot read bundle " + Quote(file) + ": " + std::strerror(err);
    // Not found is said as such; another reason (a permission, a stick pulled out) keeps the system's words.
    return err == ENOENT ? NotFound(message).With(msg::kBundleMissing, file) : InvalidArgument(message);
  }
  if (!S_ISREG(st.st_mode)) return unreadable(InvalidArgument("bundle " + Quote(file) + " is not a regular file"));
  File in(std::fopen(file.c_str(), "rb"));
  if (!in) return InvalidArgument("cannot read bundle " + Quote(file) + ": " + std::strerror(errno));

  // A sealed stick opens only with this node's key; inside is a plain bundle.
  char first[8] = {};
  const size_t head = std::fread(first, 1, sizeof first, in.get());
  std::rewind(in.get());
  std::unique_ptr<sync::StickOpener> opener;
  sync::ByteSource source = sync::FileSource(in.get());
  if (sync::IsSealedBundle(std::string_view(first, head))) {
    auto unsealed = sync::StickOpener::Open(std::move(source), store->config().node_id.value,
                                            store->ledger().signing_key());
    if (!unsealed.ok()) return unreadable(unsealed.status());
    opener = std::move(unsealed).value();
    source = opener->source();
  }
  auto opened = sync::BundleReader::Open(std::move(source));
  if (!opened.ok()) return unreadable(opened.status());
  std::unique_ptr<sync::BundleReader> reader = std::move(opened).value();
  const pb::BundleHeader& header = reader->header();
  const std::string& own_id = store->config().node_id.value;
  if (!header.for_node().empty() && header.for_node() != own_id)
    Warn("bundle " + Quote(file) + " was cut for node " + Quote(header.for_node()) + ", not " + Quote(own_id) +
         "; ops this node lacks may be missing from it");

  // Destroying `import` before Commit() rolls back everything it applied.
  auto begun = store->ledger().BeginImport(sync::BundleSender(header));
  if (!begun.ok()) return begun.status();
  std::unique_ptr<sync::LedgerStore::Import> import = std::move(begun).value();
  Progress progress(static_cast<uint64_t>(st.st_size));
  uint64_t entries = 0;
  pb::Batch batch;
  for (;;) {
    batch.Clear();
    auto more = reader->Next(&batch);
    if (!more.ok()) return unreadable(more.status());
    if (!*more) break;
    entries += static_cast<uint64_t>(batch.entries_size());
    Status added = import->Add(batch);
    if (!added.ok()) return refused(added);
    progress.Update(entries, reader->compressed_bytes());
  }
  auto committed = import->Commit(&header.sender_frontier());
  progress.Clear();
  if (!committed.ok()) return refused(committed.status());
  const sync::ImportStats& stats = *committed;

  for (const auto& w : stats.warnings) Warn(w);
  if (stats.pending > 0)
    Warn(std::to_string(stats.pending) +
         " entries wait for earlier ops of their origin; import a bundle that holds those ops");
  if (stats.equivocations > 0)
    Warn(std::to_string(stats.equivocations) +
         " ops reuse a known op id with other content; they were refused and kept as evidence");
  if (g.json) {
    PrintJson({{"file", file},
               {"sender", header.sender()},
               {"new", stats.new_ops},
               {"known", stats.known},
               {"out_of_scope", stats.out_of_scope},
               {"skipped_runs", stats.skipped_runs},
               {"pending", stats.pending},
               {"equivocations", stats.equivocations},
               {"cases_touched", stats.cases_touched},
               {"warnings", stats.warnings}});
  } else {
    std::cout << Said(g, said::kImported, stats.new_ops, stats.known, stats.out_of_scope, stats.pending,
                      stats.equivocations, stats.cases_touched)
              << '\n';
  }
  return Status::Ok();
}

Status RunFrontierExport(const GlobalOptions& g, const std::string& file) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier frontier, store->GetFrontier());
  if (frontier.node_id().empty()) frontier.set_node_id(store->config().node_id.value);
  if (frontier.scope().empty()) frontier.set_scope(store->scope());
  Status written = sync::WriteFrontierFile(file, frontier);
  if (!written.ok()) return WithContext(written, file, "frontier file " + Quote(file));
  if (g.json) {
    PrintJson({{"file", file}, {"node", frontier.node_id()}, {"scope", frontier.scope()},
               {"origins", frontier.entries_size()}});
  } else {
    std::cout << "wrote the frontier of node " << frontier.node_id() << " (" << frontier.entries_size()
              << (frontier.entries_size() == 1 ? " origin" : " origins") << ") to " << file << '\n';
  }
  return Status::Ok();
}

}  // namespace silian::node
