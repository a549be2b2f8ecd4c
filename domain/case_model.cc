#include "domain/case_model.h"

#include <algorithm>
#include <map>

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/calendar.h"
#include "domain/enums.h"
#include "domain/internal/name_table.h"
#include "domain/validation.h"

namespace silian::sync {
namespace {

constexpr int32_t kLastDate = 2932896;  // 9999-12-31: ValidateField knows no today

constexpr internal::NameTable<CaseStatus, kCaseStatusCount> kStatuses(
    "status", {"draft", "received", "forwarded", "accepted", "correction_pending", "not_accepted", "in_review",
               "suspended", "decided_approved", "decided_approved_tolerance", "decided_denied", "completed",
               "certificate_issued", "delivered", "withdrawn", "revoked", "terminated"});

constexpr internal::NameTable<Action, kActionCount> kActions(
    "action", {"receive", "forward", "accept", "request-correction", "supply-correction", "not-accept",
               "start-review", "suspend", "resume", "approve", "approve-tolerant", "deny", "complete",
               "issue-certificate", "deliver", "withdraw", "revoke", "terminate", "extend"});

using S = CaseStatus;

bool In(S s, std::initializer_list<S> set) {
  for (S x : set)
    if (x == s) return true;
  return false;
}

// Before a decision: the applicant may withdraw, the organ may terminate.
bool Undecided(S s) {
  return In(s, {S::kDraft, S::kReceived, S::kForwarded, S::kAccepted, S::kCorrectionPending, S::kInReview,
                S::kSuspended});
}

bool Terminal(S s) { return In(s, {S::kNotAccepted, S::kDelivered, S::kWithdrawn, S::kRevoked, S::kTerminated}); }

bool Allowed(S from, Action a) {
  switch (a) {
    case Action::kReceive: return from == S::kDraft;
    case Action::kForward: return from == S::kReceived;
    case Action::kAccept:
    case Action::kRequestCorrection:
      return In(from, {S::kReceived, S::kForwarded});
    case Action::kSupplyCorrection: return from == S::kCorrectionPending;
    case Action::kNotAccept: return In(from, {S::kReceived, S::kForwarded, S::kCorrectionPending});
    case Action::kStartReview: return from == S::kAccepted;
    case Action::kSuspend: return from == S::kInReview;
    case Action::kResume: return from == S::kSuspended;
    // Instant items are decided on the spot, straight from accepted.
    case Action::kApprove:
    case Action::kApproveTolerant:
    case Action::kDeny:
      return In(from, {S::kAccepted, S::kInReview});
    case Action::kComplete:
      return In(from, {S::kDecidedApproved, S::kDecidedApprovedTolerance, S::kDecidedDenied});
    case Action::kIssueCertificate: return from == S::kCompleted;
    // A denial is delivered as a decision letter, straight from completed.
    case Action::kDeliver: return In(from, {S::kCompleted, S::kCertificateIssued});
    case Action::kWithdraw:
    case Action::kTerminate:
      return Undecided(from);
    case Action::kRevoke: return !Terminal(from) && from != S::kDraft;
    case Action::kExtend: return In(from, {S::kAccepted, S::kInReview, S::kSuspended});
  }
  return false;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

const std::vector<std::string> kGuarded = {"applicant_name", "applicant_id_type", "applicant_id", "item_code"};
const std::vector<std::string> kPlain = {"phone", "address", "summary", "channel"};

}  // namespace

const char* CaseStatusName(CaseStatus status) { return kStatuses.Name(status); }

Result<CaseStatus> ParseCaseStatus(std::string_view text) { return kStatuses.Parse(text); }

const char* ActionName(Action action) { return kActions.Name(action); }

Result<Action> ParseAction(std::string_view text) { return kActions.Parse(text); }

CaseStatus TargetStatus(Action action) {
  switch (action) {
    case Action::kReceive: return S::kReceived;
    case Action::kForward: return S::kForwarded;
    case Action::kAccept: return S::kAccepted;
    case Action::kRequestCorrection: return S::kCorrectionPending;
    case Action::kSupplyCorrection: return S::kReceived;
    case Action::kNotAccept: return S::kNotAccepted;
    case Action::kStartReview: return S::kInReview;
    case Action::kSuspend: return S::kSuspended;
    case Action::kResume: return S::kInReview;
    case Action::kApprove: return S::kDecidedApproved;
    case Action::kApproveTolerant: return S::kDecidedApprovedTolerance;
    case Action::kDeny: return S::kDecidedDenied;
    case Action::kComplete: return S::kCompleted;
    case Action::kIssueCertificate: return S::kCertificateIssued;
    case Action::kDeliver: return S::kDelivered;
    case Action::kWithdraw: return S::kWithdrawn;
    case Action::kRevoke: return S::kRevoked;
    case Action::kTerminate: return S::kTerminated;
    case Action::kExtend: return S::kInReview;
  }
  return S::kDraft;
}

std::optional<CaseStatus> NextStatus(CaseStatus from, Action action) {
  if (!Allowed(from, action)) return std::nullopt;
  if (action == Action::kExtend) return from;
  return TargetStatus(action);
}

std::vector<Action> AllowedActions(CaseStatus status) {
  std::vector<Action> out;
  for (int i = 0; i < kActionCount; ++i)
    if (Allowed(status, static_cast<Action>(i))) out.push_back(static_cast<Action>(i));
  return out;
}

bool ReasonRequired(Action action) {
  switch (action) {
    case Action::kRequestCorrection:
    case Action::kNotAccept:
    case Action::kSuspend:
    case Action::kDeny:
    case Action::kWithdraw:
    case Action::kRevoke:
    case Action::kTerminate:
    case Action::kExtend:
      return true;
    default:
      return false;
  }
}

Status CheckTransition(CaseStatus from, Action action, std::string_view reason) {
  if (!Allowed(from, action)) {
    std::string allowed;
    for (Action a : AllowedActions(from)) allowed += std::string(allowed.empty() ? "" : ", ") + ActionName(a);
    if (allowed.empty()) allowed = "none (the case is closed)";
    return FailedPrecondition("action \"" + std::string(ActionName(action)) + "\" is not allowed in status \"" +
                              CaseStatusName(from) + "\"; allowed there: " + allowed)
        .With(msg::kStatusForbids, ActionName(action), CaseStatusName(from));
  }
  if (ReasonRequired(action) && reason.empty())
    return InvalidArgument("action \"" + std::string(ActionName(action)) + "\" needs --reason")
        .With(msg::kReasonRequired, ActionName(action));
  if (Utf8Length(reason) > 2000)
    return InvalidArgument("reason is longer than 2000 characters").With(msg::kReasonTooLong, "2000");
  if (!ValidUtf8(reason)) return InvalidArgument("reason is not valid UTF-8");
  return Status::Ok();
}

Status CheckDetails(Action action, const std::vector<std::pair<std::string, std::string>>& details) {
  static const std::map<Action, std::vector<std::string>> kTaken = {
      {Action::kIssueCertificate, {"certificate_name", "certificate_number", "valid_until"}},
      {Action::kDeliver, {"method", "tracking_number"}},
      {Action::kExtend, {"days"}},
      {Action::kSuspend, {"procedure"}},
      {Action::kAccept, {"owed", "owed_due"}},
      {Action::kApproveTolerant, {"owed", "owed_due"}},
  };
  auto taken_it = kTaken.find(action);
  const std::vector<std::string> none;
  const auto& taken = taken_it == kTaken.end() ? none : taken_it->second;
  std::map<std::string, std::string> d;
  for (const auto& [name, value] : details) {
    if (std::find(taken.begin(), taken.end(), name) == taken.end()) {
      std::string list;
      for (const auto& t : taken) list += std::string(list.empty() ? "" : ", ") + t;
      return InvalidArgument("action \"" + std::string(ActionName(action)) + "\" takes no detail " + Quote(name) +
                             (list.empty() ? std::string() : "; it takes: " + list))
          .With(msg::kDetailNotTaken, ActionName(action), name);
    }
    if (!d.emplace(name, value).second)
      return InvalidArgument("detail " + Quote(name) + " is given twice").With(msg::kDetailTwice, name);
    if (!ValidUtf8(value) || Utf8Length(value) > 200)
      return InvalidArgument("detail " + Quote(name) + " must be valid UTF-8 of at most 200 characters")
          .With(msg::kDetailTooLong, name);
  }
  auto need = [&](const char* name) -> Status {
    if (d[name].empty())
      return InvalidArgument("action \"" + std::string(ActionName(action)) + "\" needs the detail " + Quote(name))
          .With(msg::kDetailMissing, ActionName(action), name);
    return Status::Ok();
  };
  auto date = [&](const char* name) -> Status {
    if (d[name].empty()) return Status::Ok();
    auto parsed = ParseDate(d[name]);
    if (!parsed.ok())
      return InvalidArgument("detail " + Quote(name) + ": " + parsed.status().message()).With(msg::kDetailDate, name, d[name]);
    return Status::Ok();
  };
  switch (action) {
    case Action::kIssueCertificate:
      if (!d["certificate_number"].empty()) SILIAN_RETURN_IF_ERROR(need("certificate_name"));
      return date("valid_until");
    case Action::kDeliver: {
      const std::string& m = d["method"];
      if (m.empty()) return d["tracking_number"].empty() ? Status::Ok() : need("method");
      SILIAN_ASSIGN_OR_RETURN(DeliveryMethod method, ParseDeliveryMethod(m));
      if (method == DeliveryMethod::kPost) return need("tracking_number");
      return Status::Ok();
    }
    case Action::kExtend: {
      SILIAN_RETURN_IF_ERROR(need("days"));
      const std::string& v = d["days"];
      int days = 0;
      for (char c : v) {
        if (c < '0' || c > '9' || days > 1000)
          return InvalidArgument("extension days " + Quote(v) + " must be a number 1 to 30").With(msg::kExtensionDays, v);
        days = days * 10 + (c - '0');
      }
      if (days < 1 || days > 30)
        return InvalidArgument("extension days " + Quote(v) + " must be a number 1 to 30").With(msg::kExtensionDays, v);
      return Status::Ok();
    }
    case Action::kSuspend: {
      if (d["procedure"].empty()) return Status::Ok();
      return ParseSpecialProcedure(d["procedure"]).status();
    }
    case Action::kAccept:
    case Action::kApproveTolerant:
      if (!d["owed"].empty()) SILIAN_RETURN_IF_ERROR(need("owed_due"));
      if (!d["owed_due"].empty()) SILIAN_RETURN_IF_ERROR(need("owed"));
      return date("owed_due");
    default:
      return Status::Ok();
  }
}

bool IsGuardedField(std::string_view field) {
  for (const auto& f : kGuarded)
    if (f == field) return true;
  return false;
}

bool IsPlainField(std::string_view field) {
  for (const auto& f : kPlain)
    if (f == field) return true;
  return false;
}

const std::vector<std::string>& AllFieldNames() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v = kGuarded;
    v.insert(v.end(), kPlain.begin(), kPlain.end());
    return v;
  }();
  return all;
}

Status ValidateField(std::string_view field, std::string_view value, std::string_view id_type) {
  return NormalizeField(field, value, id_type, Date{kLastDate}).status();
}

}  // namespace silian::sync
