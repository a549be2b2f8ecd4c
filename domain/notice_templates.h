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
#include <functional>
#include <map>
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

// ---- Overrides: a county or the city replaces the text of one template in one language with a hub setting,
// `silian-hub config set notice-template.ID.LANG TEXT` (docs/notices.md, "Overriding a text"). The text is
// the hub administrator's own words; the values put into it are the same vouched values as above.

inline constexpr std::string_view kNoticeTemplateSettingPrefix = "notice-template.";
// The longest override, in characters (code points): about four SMS segments.
inline constexpr size_t kMaxNoticeTemplateChars = 280;

// The template an override replaces: its id and language.
struct NoticeTemplateKey {
  std::string id;
  Language language = Language::kChinese;
  auto operator<=>(const NoticeTemplateKey&) const = default;
};
// Overrides by template and language (a hub's settings, read by Outbox::Reload).
using NoticeTemplateOverrides = std::map<NoticeTemplateKey, std::string>;

// "notice-template.accepted.zh" for {accepted, zh}.
std::string NoticeTemplateSetting(std::string_view id, Language language);
// Whether `key` names a notice template setting at all (starts with kNoticeTemplateSettingPrefix).
bool IsNoticeTemplateSetting(std::string_view key);
// The template and language of setting `key`. kInvalidArgument naming the key when it is not
// "notice-template.ID.LANG" with a template id of NoticeTemplates() and a language zh or mn.
Result<NoticeTemplateKey> ParseNoticeTemplateSetting(std::string_view key);

// The placeholders template `id` may use, "{name}" each: those its built-in texts use, and {application},
// {item} and {number}, which every notice has. Empty for an unknown id.
std::vector<std::string> NoticeTemplatePlaceholders(std::string_view id);

// OK when `text` may replace template `key`: the text rules of domain/validation.h (valid UTF-8, no
// control, bidirectional-control or separator character, not blank, no surrounding white space), at most
// kMaxNoticeTemplateChars, braces only around a placeholder, and every placeholder one that the template has
// a value for. kInvalidArgument naming the template, the language and the fault (`notice template
// accepted.zh uses placeholder {amount}, which accepted has no value for; it may use: ...`) otherwise.
Status CheckNoticeTemplate(const NoticeTemplateKey& key, std::string_view text);

// The overrides a hub's settings hold: `get_setting(NoticeTemplateSetting(id, language))` for every template
// and language. An empty value means none. A stored value that breaks CheckNoticeTemplate (written by hand
// into the ledger, or under older rules) is left out, so the built-in text is used: `config show` flags it.
Result<NoticeTemplateOverrides> ReadNoticeTemplateOverrides(
    const std::function<Result<std::optional<std::string>>(const std::string& key)>& get_setting);

// The text of template `id` in `language` for `facts`: the override for (id, language) in `overrides` when
// there is one that passes CheckNoticeTemplate (checked again where it is used), else the built-in text.
// kNotFound naming the id when there is no such template.
Result<std::string> RenderNotice(std::string_view id, Language language, const NoticeFacts& facts,
                                 const NoticeTemplateOverrides* overrides = nullptr);

// The name of a special procedure in `language` ("现场核查"; "" for an unknown name).
std::string ProcedureName(std::string_view procedure, Language language);

}  // namespace silian::sync
