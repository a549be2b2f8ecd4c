#include "ledger/peers.h"

#include "base/text.h"
#include "ledger/db.h"

namespace silian::sync {
namespace {

Peer ReadPeer(const Stmt& s) {
  Peer p;
  p.node_id = NodeId{s.Text(0)};
  auto level = ParseLevel(s.Text(1));
  p.level = level.ok() ? *level : Level::kVillage;
  p.division = DivisionCode{s.Text(2)};
  p.added_ms = static_cast<uint64_t>(s.Int(3));
  p.last_contact_ms = static_cast<uint64_t>(s.Int(4));
  p.ops_received = static_cast<uint64_t>(s.Int(5));
  p.ops_sent = static_cast<uint64_t>(s.Int(6));
  p.errors = static_cast<uint64_t>(s.Int(7));
  p.last_error = s.Text(8);
  return p;
}

constexpr const char* kPeerColumns =
    "node_id, level, division, added_ms, last_contact_ms, ops_received, ops_sent, errors, last_error";

}  // namespace

Status PeerRegistry::Add(const Peer& peer) {
  SILIAN_ASSIGN_OR_RETURN(auto existing, Find(peer.node_id.value));
  if (existing) {
    if (existing->level == peer.level && existing->division == peer.division) return Status::Ok();
    return FailedPrecondition("node " + Quote(peer.node_id.value) + " is already registered as " +
                              LevelName(existing->level) + " " + existing->division.value +
                              "; remove it first to change it");
  }
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, "INSERT INTO peers(node_id, level, division, added_ms) VALUES(?,?,?,?)"));
  return s.Bind(1, peer.node_id.value)
      .Bind(2, std::string_view(LevelName(peer.level)))
      .Bind(3, peer.division.value)
      .Bind(4, wall_.NowMs())
      .Run();
}

Status PeerRegistry::Remove(const NodeId& node_id) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, "DELETE FROM peers WHERE node_id=?"));
  SILIAN_RETURN_IF_ERROR(s.Bind(1, node_id.value).Run());
  if (sqlite3_changes(db_) == 0) return NotFound("no registered node " + Quote(node_id.value));
  return Status::Ok();
}

Result<std::vector<Peer>> PeerRegistry::List() {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, (std::string("SELECT ") + kPeerColumns + " FROM peers ORDER BY node_id").c_str()));
  return CollectRows<Peer>(s, ReadPeer);
}

Result<std::optional<Peer>> PeerRegistry::Find(const std::string& node_id) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(db_, (std::string("SELECT ") + kPeerColumns + " FROM peers WHERE node_id=?").c_str()));
  s.Bind(1, node_id);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Peer>();
  return std::optional<Peer>(ReadPeer(s));
}

Status PeerRegistry::RecordContact(const std::string& node_id, uint64_t ops_received, uint64_t ops_sent,
                                  const std::string& error) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_,
                                   "UPDATE peers SET last_contact_ms=?, ops_received=ops_received+?, "
                                   "ops_sent=ops_sent+?, errors=errors+?, last_error=CASE WHEN ?='' THEN "
                                   "last_error ELSE ? END WHERE node_id=?"));
  return s.Bind(1, wall_.NowMs())
      .Bind(2, ops_received)
      .Bind(3, ops_sent)
      .Bind(4, static_cast<int64_t>(error.empty() ? 0 : 1))
      .Bind(5, error)
      .Bind(6, error)
      .Bind(7, node_id)
      .Run();
}

}  // namespace silian::sync
