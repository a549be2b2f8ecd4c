#include "sim/exchange.h"

#include "base/text.h"
#include "console/node_keys.h"
#include "ledger/bundle.h"
#include "net/client.h"

namespace silian::sim {
namespace {


bool Contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

Exchanges::Exchanges(Network& net, Wire& wire, Faults& faults, Rng& rng, SimStats& stats, Violations& violations)
    : net_(net), wire_(wire), faults_(faults), rng_(rng), stats_(stats), violations_(violations) {}

void Exchanges::CheckWarnings(const std::string& where, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) {
    if (Contains(w, "differ between this ledger and the sender's"))
      violations_.Add(7, "integrity", where + ": " + w);
    else if (Contains(w, "refused it on its case"))
      ++stats_.refused["hub_refused_pushed_op"];
    else if (Contains(w, "wait for earlier ops"))
      ++stats_.refused["push_waits_for_gap"];
  }
}

Result<Exchanges::SessionResult> Exchanges::Sync(int client, int hub) {
  ++stats_.sessions;
  auto c = static_cast<size_t>(client);
  net_.Advance(1000);
  net_.Tick(c);
  SimTransport transport(wire_, client, hub);
  sync::SyncOptions options;
  options.node_keys = console::RegistryKeyLookup();
  options.push_batch_entries = faults_.DrawBatchEntries(options.push_batch_entries);
  options.pull_batch_entries = faults_.DrawBatchEntries(options.pull_batch_entries);
  Result<sync::SyncSummary> summary = Unavailable("the node crashed mid-session");
  bool crashed = false;
  try {
    summary = sync::SyncClient(*net_.at(c).access, transport, net_.at(static_cast<size_t>(hub)).hub_key(), options)
                  .SyncOnce();
  } catch (const ClientCrashed&) {
    crashed = true;
  }
  if (!transport.fatal().ok()) return transport.fatal();
  if (crashed) SILIAN_RETURN_IF_ERROR(net_.Restart(c));
  SessionResult result;
  if (!summary.ok()) {
    ++stats_.sessions_failed;
    // A failover to the city before the node's registration reached it is refused until it does (Deliver).
    const bool unverifiable = hub == Network::kCity &&
                              summary.status().message().find("HTTP 401 unknown_node") != std::string::npos;
    if (summary.status().code() != StatusCode::kUnavailable && !unverifiable)
      violations_.Add(7, "integrity",
                      "session of " + Quote(net_.at(c).id()) + " with " + Quote(net_.at(static_cast<size_t>(hub)).id()) +
                          " failed: " + summary.status().ToString());
    return result;
  }
  CheckWarnings("session of " + Quote(net_.at(c).id()) + " with " + Quote(net_.at(static_cast<size_t>(hub)).id()),
                summary->warnings);
  stats_.ops_pushed += summary->pushed;
  stats_.ops_pulled += summary->pulled;
  result.ok = true;
  result.moved = summary->pushed + summary->pulled;
  return result;
}

// `bundle export FILE --for FRONTIER` at `from`, with the frontier file `to` wrote, into memory.
Result<std::string> Exchanges::WriteBundle(int from, int to) {
  sync::LedgerStore& sender = net_.store(static_cast<size_t>(from));
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier holder, net_.store(static_cast<size_t>(to)).GetFrontier());
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier own, sender.GetFrontier());
  pb::BundleHeader header;
  header.set_sender(sender.config().node_id.value);
  header.set_sender_scope(sender.scope());
  *header.mutable_sender_frontier() = std::move(own);
  header.set_for_node(holder.node_id());
  header.set_created_ms(net_.at(static_cast<size_t>(from)).wall.NowMs());
  std::string bytes;
  sync::BundleWriter::Options options;
  options.attach_heads = [&sender](pb::Batch* batch) { return sender.ledger().AttachHeads(batch); };
  SILIAN_ASSIGN_OR_RETURN(auto writer, sync::BundleWriter::Start(sync::StringSink(&bytes), std::move(header), options));
  SILIAN_RETURN_IF_ERROR(sender.Export(holder, [&writer](pb::Entry e) { return writer->Add(std::move(e)); }));
  SILIAN_RETURN_IF_ERROR(writer->Finish().status());
  return bytes;
}

Result<sync::ImportStats> Exchanges::ImportBundle(int to, const std::string& bytes, const std::string& what) {
  auto t = static_cast<size_t>(to);
  sync::LedgerStore& store = net_.store(t);
  SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest before, store.Digest(std::nullopt));
  Result<sync::ImportStats> result = [&]() -> Result<sync::ImportStats> {
    SILIAN_ASSIGN_OR_RETURN(auto reader, sync::BundleReader::Open(sync::StringSource(&bytes)));
    SILIAN_ASSIGN_OR_RETURN(auto import, store.ledger().BeginImport(sync::BundleSender(reader->header())));
    pb::Batch batch;
    for (;;) {
      batch.Clear();
      SILIAN_ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
      if (!more) break;
      SILIAN_RETURN_IF_ERROR(import->Add(batch));
    }
    return import->Commit(&reader->header().sender_frontier());
  }();
  std::string where = what + " imported at " + Quote(net_.at(t).id());
  if (!result.ok()) {
    SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest after, store.Digest(std::nullopt));
    if (after.ToLine() != before.ToLine())
      violations_.Add(7, "integrity", where + " failed (" + result.status().ToString() +
                                          ") but changed the ledger: " + before.ToLine() + " -> " + after.ToLine());
    return result;
  }
  if (result->equivocations > 0)
    violations_.Add(7, "integrity", where + ": " + std::to_string(result->equivocations) + " equivocating ops");
  CheckWarnings(where, result->warnings);
  return result;
}

// Starts importing the stick, applies part of it, and crashes before the commit; the node restarts.
Status Exchanges::CrashMidImport(int to, const std::string& bytes) {
  auto t = static_cast<size_t>(to);
  {
    auto reader = sync::BundleReader::Open(sync::StringSource(&bytes));
    auto import = net_.store(t).BeginImport();
    if (reader.ok() && import.ok()) {
      pb::Batch batch;
      auto more = (*reader)->Next(&batch);
      if (more.ok() && *more) (*import)->Add(batch).IgnoreError();
    }
  }
  stats_.Fault("crash_mid_bundle_import");
  return net_.Restart(t);
}

Result<uint64_t> Exchanges::CarryBundle(int from, int to) {
  net_.Advance(60 * 1000);
  net_.Tick(static_cast<size_t>(from));
  net_.Tick(static_cast<size_t>(to));
  auto bytes = WriteBundle(from, to);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kInternal) return bytes.status();
    violations_.Add(7, "integrity", "bundle export at " + Quote(net_.at(static_cast<size_t>(from)).id()) +
                                        " failed: " + bytes.status().ToString());
    return uint64_t{0};
  }
  const std::string what = "bundle from " + Quote(net_.at(static_cast<size_t>(from)).id());
  if (faults_.enabled()) {
    auto old = last_bundle_.find(to);
    if (old != last_bundle_.end() && rng_.Percent(10)) {
      stats_.Fault("bundle_stale_reimported");
      std::string stale = old->second;
      ImportBundle(to, stale, "an old " + what).status().IgnoreError();
    }
    if (rng_.Percent(5) && bytes->size() > 8) {
      stats_.Fault("bundle_truncated");
      std::string cut = bytes->substr(0, static_cast<size_t>(rng_.Between(8, static_cast<int64_t>(bytes->size()) - 1)));
      auto refused = ImportBundle(to, cut, "a truncated " + what);
      if (refused.ok()) violations_.Add(7, "integrity", "a truncated " + what + " was imported without an error");
    }
    if (rng_.Percent(5)) SILIAN_RETURN_IF_ERROR(CrashMidImport(to, *bytes));
  }
  auto imported = ImportBundle(to, *bytes, what);
  if (!imported.ok()) {
    if (imported.status().code() == StatusCode::kInternal) return imported.status();
    violations_.Add(7, "integrity", what + " could not be imported at " + Quote(net_.at(static_cast<size_t>(to)).id()) +
                                        ": " + imported.status().ToString());
    return uint64_t{0};
  }
  last_bundle_[to] = std::move(*bytes);
  ++stats_.bundles;
  stats_.bundle_ops += imported->new_ops;
  return imported->new_ops;
}

}  // namespace silian::sim
