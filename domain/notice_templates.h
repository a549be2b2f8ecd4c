// The texts sent to applicants at every stage of a case, in the applicant's language: Chinese ("zh") or
// Mongolian in the traditional script ("mn"), chosen by CaseCreated.language. This file and its .cc are the
// one place the texts live (docs/notices.md lists them). Pure, thread-safe.
//
// A text is made only of a template and values the hub vouches for: the catalogue's item name, the case
// number (digits and dashes only, else left out), the catalogue's missing materials and department names,
// a special procedure's name, a number of days, an amount. Never text written inside a case (reasons,
// opinions, terms a forged case carries): an SMS that the government sends must not carry a stranger's words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace silian::sync {

enum class Language { kChinese, kMongolian };

// "zh" or "mn". kInvalidArgument naming the value: language "en" is not one of: zh, mn
Result<Language> ParseLanguage(std::string_view text);
const char* LanguageName(Language language);
// The language of a case as stored (CaseProjection::language, a view's "language"): "mn" is Mongolian,
// anything else (including "" of cases created before the field) Chinese.
Language LanguageOfCase(std::string_view stored);

// One template: its id, the outbox kind of the notices made from it (several ids share one kind, e.g.
// decided_approved and decided_denied are both "decided"), and whether the programs make notices from it
// today (every template is wired now; see docs/notices.md).
struct NoticeTemplateInfo {
  const char* id;
  const char* kind;
  bool wired;
};
// Every template, in the order of a case's life.
const std::vector<NoticeTemplateInfo>& NoticeTemplates();

// What a notice may name (see the file comment). Empty values are left out of the text.
struct NoticeFacts {
  std::string item_name;    // the catalogue's name of the case's item
  std::string case_number;
  std::string missing;      // "材料A（原件1份）、材料B（复印件2份）"
  std::string procedure;    // a SpecialProcedure name ("site_inspection", ...)
  int64_t days = 0;         // extension days
  int64_t amount_fen = 0;   // fee, refund or subsidy
  std::string department;   // a department of the catalogue item
};

// The text of template `id` in `language` for `facts`. kNotFound naming the id when there is no such
// template.
Result<std::string> RenderNotice(std::string_view id, Language language, const NoticeFacts& facts);

// The name of a special procedure in `language` ("现场核查"; "" for an unknown name).
std::string ProcedureName(std::string_view procedure, Language language);

}  // namespace silian::sync
