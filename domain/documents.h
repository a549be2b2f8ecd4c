// Printable documents of a case (issue 11, item 8): the receipt voucher (收件回执), the acceptance notice
// (受理通知书), the decision not to accept (不予受理决定书), the one-time notice of missing materials
// (一次性告知书) and the decision (准予/不予许可决定书), as one self-contained HTML page sized for a
// browser's print on A4, in Chinese or in Mongolian (traditional script, written vertically:
// `writing-mode: vertical-lr`, font "Noto Sans Mongolian", Debian's fonts-noto-core). `silian-node case
// print` and `silian-hub case print` print it; the web interface calls the same function.
//
// Every value from the case is HTML-escaped: a name, a reason or an opinion cannot add markup or script.
// The organ named is the lead department of the catalogue item the case was received under (the case's
// own terms when the catalogue lacks it). Times are China Standard Time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "base/status.h"
#include "domain/calendar.h"
#include "domain/notice_templates.h"

namespace silian::sync {

class LedgerStore;

enum class DocumentKind { kReceipt, kAcceptance, kNotAccepted, kOneTimeNotice, kDecision };

// "receipt", "acceptance", "not-accepted", "one-time-notice" or "decision"; kInvalidArgument naming the
// value and the choices otherwise.
Result<DocumentKind> ParseDocumentKind(std::string_view text);
const char* DocumentKindName(DocumentKind kind);

// What a document is made of. Pure input: RenderDocumentHtml does no I/O.
struct DocumentInput {
  nlohmann::json view;             // the case view with history (LedgerStore::ShowCase)
  std::optional<pb::Item> item;    // the catalogue entry of the case's item and version, when held
  std::string legal_due;           // YYYY-MM-DD, the clocks' due days ("" when not started)
  std::string promised_due;
  std::string correction_due;      // YYYY-MM-DD, by when the missing materials are to be supplied
  Language language = Language::kChinese;
};

// The HTML page. kFailedPrecondition naming the case and its status when the case has not reached the
// document's stage: a receipt needs the case received, an acceptance notice accepted, a decision not to
// accept status not_accepted, a one-time notice a catalogue item, a decision a decided case.
Result<std::string> RenderDocumentHtml(DocumentKind kind, const DocumentInput& input);

// Reads case `case_ref` from `store` (its view, catalogue item, calendar and clocks as of `today`) and
// renders document `kind` in `language`, or the case's own language (CaseCreated.language) when nullopt.
// The store's error (kNotFound naming the case) or RenderDocumentHtml's.
Result<std::string> RenderDocument(LedgerStore& store, const std::string& case_ref, DocumentKind kind,
                                   std::optional<Language> language, Date today);

// `text` with & < > " ' as HTML character references.
std::string EscapeHtml(std::string_view text);

}  // namespace silian::sync
