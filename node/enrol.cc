#include "node/enrol.h"

#include <iostream>

#include "base/files.h"
#include "base/text.h"
#include "domain/registry.h"
#include "domain/validation.h"
#include "http/curl_transport.h"

namespace silian::node {

using console::AnswerDevice;
using console::ApplyEnrolAnswer;
namespace {

constexpr uint64_t kMaxAnswerBytes = 16 * 1024;

bool ParseUnsigned(const std::string& text, uint64_t* out) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = std::stoull(text);
  return true;
}

Result<uint64_t> OwnSeq(sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(auto st, store.GetStatus());
  for (const auto& e : st.frontier.entries())
    if (e.origin() == store.config().node_id.value) return e.seq();
  return uint64_t{0};
}

}  // namespace

Status RunEnrol(const console::GlobalOptions& g, const std::string& file) {
  SILIAN_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(file, "enrolment answer", kMaxAnswerBytes));
  auto answer = nlohmann::json::parse(text, nullptr, false);
  if (answer.is_discarded() || !answer.is_object())
    return InvalidArgument("enrolment answer " + Quote(file) + " is not a JSON object");
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::string device, AnswerDevice(answer, store->config().node_id.value));
  SILIAN_ASSIGN_OR_RETURN(auto pending, store->GetSetting(kEnrolPendingSetting));
  if (!pending || pending->empty())
    return FailedPrecondition("ledger " + Quote(g.db_path) + " has no enrolment request out (init --enrol-request)");
  SILIAN_ASSIGN_OR_RETURN(uint64_t own, OwnSeq(*store));
  if (own != 0) return FailedPrecondition("ledger " + Quote(g.db_path) + " already authored ops; its device stays");
  // Signed by the hub, for this node's key, by the pinned hub key when init was given one (--hub-key).
  SILIAN_ASSIGN_OR_RETURN(auto pinned, store->GetSetting(console::kHubKeyPinSetting));
  SILIAN_RETURN_IF_ERROR(console::VerifyEnrolAnswer(answer, store->ledger().signing_key().public_key(),
                                                    pinned.value_or("")));
  SILIAN_RETURN_IF_ERROR(ApplyEnrolAnswer(*store, answer));
  // Nothing was authored yet, so no case number used the provisional device.
  SILIAN_RETURN_IF_ERROR(store->ledger().SetMeta("device", device));
  SILIAN_RETURN_IF_ERROR(store->SetSetting(kEnrolPendingSetting, ""));
  if (g.json) {
    console::PrintJson({{"node", store->config().node_id.value}, {"device", device}, {"enrolled", true}});
  } else {
    std::cout << console::Said(g, console::said::kEnrolledNode, store->config().node_id.value, device) << '\n';
  }
  return Status::Ok();
}

std::string SentMarkPath(const std::string& db_path) { return db_path + ".sent"; }

Status RecordSent(const std::string& db_path, sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(uint64_t own, OwnSeq(store));
  if (own == 0) return Status::Ok();
  return WriteFileAtomically(SentMarkPath(db_path), "sent mark",
                                   "silian-sent-v1\n" + store.config().node_id.value + " " + std::to_string(own) + "\n");
}

Result<uint64_t> ReadSentMark(const std::string& db_path, sync::LedgerStore& store) {
  const std::string path = SentMarkPath(db_path);
  auto text = ReadFileBounded(path, "sent mark", 256);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) return uint64_t{0};
  if (!text.ok()) return text.status();
  const std::string prefix = "silian-sent-v1\n" + store.config().node_id.value + " ";
  uint64_t sent = 0;
  if (text->rfind(prefix, 0) != 0 || text->back() != '\n' ||
      !ParseUnsigned(text->substr(prefix.size(), text->size() - prefix.size() - 1), &sent))
    return DataLoss("sent mark " + Quote(path) + " is not this node's (" + Quote(store.config().node_id.value) + ")");
  return sent;
}

Status CheckNotRestored(const std::string& db_path, sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(auto pending, store.GetSetting(kEnrolPendingSetting));
  if (pending && !pending->empty())
    return FailedPrecondition("node " + Quote(store.config().node_id.value) +
                              " waits for its enrolment answer: run `silian-node enrol FILE` with the hub's answer first");
  const std::string path = SentMarkPath(db_path);
  SILIAN_ASSIGN_OR_RETURN(uint64_t sent, ReadSentMark(db_path, store));
  SILIAN_ASSIGN_OR_RETURN(uint64_t own, OwnSeq(store));
  if (own >= sent) return Status::Ok();
  return FailedPrecondition("ledger " + Quote(db_path) + " looks restored from an older copy: its own ops end at seq " +
                            std::to_string(own) + ", but seq " + std::to_string(sent) + " was already sent to the hub (" +
                            path + "); run `silian-node sync` first to fetch this node's own ops back, then try again");
}

Status CheckBeforeAuthoring(const console::GlobalOptions& g) {
  if (g.db_path.empty()) return Status::Ok();
  auto store = console::OpenLedger(g);
  if (!store.ok()) return Status::Ok();  // the command itself reports the ledger's problem
  return CheckNotRestored(g.db_path, **store);
}

}  // namespace silian::node
