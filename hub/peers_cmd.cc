// `node add | list | remove | revoke | enrol`: the nodes allowed to sync with this hub. Adding or removing
// one also publishes its registration to the node registry (domain/registry.h) that every replica of its
// area holds; adding one without its key issues an enrolment code (hub/enrol.h).
#include <filesystem>
#include <iostream>
#include <map>

#include "base/files.h"
#include "base/keys.h"
#include "base/text.h"
#include "console/render.h"
#include "domain/local_time.h"
#include "domain/projection.h"
#include "hub/commands.h"
#include "hub/enrol.h"

namespace silian::hub {
namespace {

// "72h", "30m", "3d", "90s" as milliseconds. kInvalidArgument naming the value otherwise.
Result<uint64_t> ParseDuration(const std::string& text) {
  const std::string bad = "--expires " + Quote(text) + " must be a number of s, m, h or d, like 72h";
  if (text.size() < 2 || text.size() > 8) return InvalidArgument(bad);
  uint64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return InvalidArgument(bad);
    n = n * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  uint64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1000; break;
    case 'm': unit = 60'000; break;
    case 'h': unit = 3'600'000; break;
    case 'd': unit = 86'400'000; break;
    default: return InvalidArgument(bad);
  }
  if (n == 0 || n * unit > 365ull * 86'400'000) return InvalidArgument(bad + ", between 1s and 365d");
  return n * unit;
}

Status PrintIssuedCode(const GlobalOptions& g, const sync::Peer& peer, const std::string& scope, const IssuedCode& c) {
  const std::string expires = sync::HlcToIso(c.expires_ms << 16);
  if (g.json) {
    console::PrintJson({{"node", peer.node_id.value}, {"level", sync::LevelName(peer.level)},
                        {"division", peer.division.value}, {"scope", scope}, {"device", c.device},
                        {"enrol_code", c.code}, {"expires", expires}});
  } else {
    std::cout << "added " << sync::LevelName(peer.level) << " node " << peer.node_id.value << " for area " << scope
              << ", device " << c.device << "\n"
              << "enrolment code " << c.code << " (single use, expires " << sync::CstDateTime(c.expires_ms) << ")\n";
  }
  return Status::Ok();
}

}  // namespace

Status RunNodeAdd(const GlobalOptions& g, const PeerOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  sync::LedgerStore::Peer peer;
  SILIAN_ASSIGN_OR_RETURN(peer.node_id, sync::ParseNodeId(o.id));
  SILIAN_ASSIGN_OR_RETURN(peer.level, sync::ParseLevel(o.level));
  SILIAN_ASSIGN_OR_RETURN(peer.division, sync::ParseDivisionCode(o.division));
  std::string peer_scope = sync::ScopeOf(peer.level, peer.division);
  if (o.public_key.empty()) {
    SILIAN_ASSIGN_OR_RETURN(uint64_t ttl_ms, ParseDuration(o.expires));
    SILIAN_ASSIGN_OR_RETURN(IssuedCode code,
                            IssueEnrolCode(*store, peer, ttl_ms, store->ledger().wall().NowMs()));
    return PrintIssuedCode(g, peer, peer_scope, code);
  }
  SILIAN_ASSIGN_OR_RETURN(std::string key, sync::FromBase64(o.public_key, "--public-key"));
  SILIAN_ASSIGN_OR_RETURN(std::string device, DeviceFor(*store, peer));
  SILIAN_RETURN_IF_ERROR(store->RegisterNode(peer, device, store->config().node_id.value, key).status());
  if (g.json) {
    console::PrintJson({{"node", peer.node_id.value}, {"level", o.level}, {"division", peer.division.value},
                        {"scope", peer_scope}, {"device", device}, {"key_fingerprint", sync::KeyFingerprint(key)}});
  } else {
    std::cout << "registered " << o.level << " node " << peer.node_id.value << " for area " << peer_scope
              << ", device " << device << ", key " << sync::KeyFingerprint(key) << "\n";
  }
  return Status::Ok();
}

Status RunNodeList(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto peers, store->ListPeers());
  SILIAN_ASSIGN_OR_RETURN(auto registrations, store->Registrations());
  SILIAN_ASSIGN_OR_RETURN(auto promised, PromisedDevicesByNode(*store));
  std::map<std::string, sync::Registration> by_id;
  for (auto& r : registrations) by_id[r.node_id.value] = r;
  nlohmann::json arr = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {{"NODE", "LEVEL", "DIVISION", "DEVICE", "STATUS", "KEY",
                                                 "LAST CONTACT", "OPS IN", "OPS OUT", "ERRORS"}};
  for (const auto& p : peers) {
    std::string contact = p.last_contact_ms ? sync::HlcToIso(p.last_contact_ms << 16) : "never";
    auto it = by_id.find(p.node_id.value);
    const bool known = it != by_id.end();
    std::string status = !known ? (promised.count(p.node_id.value) ? "code issued" : "not enrolled")
                         : it->second.revoked ? "revoked after " + std::to_string(it->second.revoked_after_seq)
                         : it->second.active  ? "active"
                                              : "removed";
    std::string device = known ? it->second.device : promised.count(p.node_id.value) ? promised[p.node_id.value] : "";
    std::string key = known && !it->second.public_key.empty() ? sync::KeyFingerprint(it->second.public_key) : "";
    arr.push_back({{"node", p.node_id.value}, {"level", sync::LevelName(p.level)}, {"division", p.division.value},
                   {"device", device}, {"status", status}, {"key_fingerprint", key},
                   {"last_contact", contact}, {"ops_received", p.ops_received}, {"ops_sent", p.ops_sent},
                   {"errors", p.errors}, {"last_error", p.last_error}});
    rows.push_back({p.node_id.value, sync::LevelName(p.level), p.division.value, device, status, key,
                    p.last_contact_ms ? sync::CstDateTime(p.last_contact_ms) : "never",
                    std::to_string(p.ops_received), std::to_string(p.ops_sent), std::to_string(p.errors)});
  }
  if (g.json) {
    console::PrintJson(arr);
  } else if (peers.empty()) {
    std::cout << "no nodes registered (silian-hub node add ID --level L --division CODE)\n";
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

Status RunNodeRemove(const GlobalOptions& g, const std::string& id_text) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId id, sync::ParseNodeId(id_text));
  SILIAN_RETURN_IF_ERROR(store->DeregisterNode(id, store->config().node_id.value));
  if (!g.json) std::cout << "removed node " << id.value << "\n";
  return Status::Ok();
}

Status RunNodeRevoke(const GlobalOptions& g, const PeerOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId id, sync::ParseNodeId(o.id));
  SILIAN_RETURN_IF_ERROR(store->RevokeNode(id, o.after_seq, store->config().node_id.value));
  if (g.json) {
    console::PrintJson({{"node", id.value}, {"status", "revoked"}, {"revoked_after_seq", o.after_seq}});
  } else {
    std::cout << "revoked node " << id.value << ": its ops after seq " << o.after_seq << " are refused\n";
  }
  return Status::Ok();
}

Status RunNodeEnrol(const GlobalOptions& g, const PeerOptions& o) {
  if (std::filesystem::exists(o.out)) return InvalidArgument("--out " + Quote(o.out) + " exists; it is never overwritten");
  SILIAN_RETURN_IF_ERROR(CheckWriteTarget(o.out, "enrolment answer"));
  SILIAN_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(o.file, "enrolment request", kMaxEnrolBodyBytes));
  SILIAN_ASSIGN_OR_RETURN(EnrolRequest request, ParseEnrolRequestFile(text));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  EnrolOutcome out = Enrol(*store, request, store->ledger().wall().NowMs());
  if (out.http_status != 200) return PermissionDenied(out.reason + ": " + out.message);
  SILIAN_RETURN_IF_ERROR(WriteFileAtomically(o.out, "enrolment answer", out.answer.dump(2) + "\n"));
  if (g.json) {
    console::PrintJson(out.answer);
  } else {
    std::cout << "enrolled node " << request.node_id << " (device " << out.answer["device"].get<std::string>()
              << ", key " << sync::KeyFingerprint(request.public_key) << "); answer written to " << o.out << "\n";
  }
  return Status::Ok();
}

}  // namespace silian::hub
