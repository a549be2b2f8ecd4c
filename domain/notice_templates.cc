#include "domain/notice_templates.h"

#include <algorithm>
#include <array>
#include <set>

#include "base/text.h"
#include "domain/catalog.h"
#include "domain/validation.h"

namespace silian::sync {
namespace {

// The templates. Placeholders: {application} (zh: the item's name with 申请, never doubled; mn: the name
// in 《》), {item} (mn: 《name》 and a space), {number} (the case number clause), {missing}, {procedure},
// {days}, {amount} (yuan), {department}. The Mongolian is written in the traditional script, logical
// order, with U+202F before case suffixes and U+180E before a separated final vowel.
struct Template {
  NoticeTemplateInfo info;
  const char* zh;
  const char* mn;
};

const std::vector<Template>& Table() {
  static const std::vector<Template> kTable = {
    {{"received", "received", true},
     "【四联政务】您的{application}{number}已收件，请妥善保管收件回执。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠮᠠᠲᠧᠷᠢᠶᠠᠯ ᠢ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠪᠠ᠃{number}"},
    {{"accepted", "accepted", true},
     "【四联政务】您的{application}{number}已受理。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠠᠯᠪᠠᠨ ᠶᠣᠰᠤᠭᠠᠷ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠪᠠ᠃{number}"},
    {{"not_accepted", "not_accepted", true},
     "【四联政务】您的{application}{number}不予受理，理由详见不予受理决定书。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ ᠦᠭᠡᠢ ᠪᠣᠯᠪᠠ᠃ ᠰᠢᠯᠲᠠᠭᠠᠨ ᠢ ᠪᠢᠴᠢᠭ ᠡᠴᠡ ᠦᠵᠡᠨᠦ ᠦᠦ᠃{number}"},
    {{"correction_needed", "correction_needed", true},
     "【四联政务】您的{application}{number}需补正材料：{missing}。请一次性补齐后提交；逾期未补正的，视为撤回申请。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠳᠤ ᠳᠤᠲᠠᠭᠤ ᠮᠠᠲᠧᠷᠢᠶᠠᠯ᠄ {missing}᠃ ᠨᠢᠭᠡ ᠤᠳᠠᠭ᠎ᠠ ᠪᠦᠷᠢᠨ ᠨᠥᠬᠦᠨ ᠥᠭᠬᠦᠨ᠎ᠡ ᠦᠦ᠃ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ ᠳᠣᠲᠣᠷ᠎ᠠ ᠨᠥᠬᠦᠨ ᠥᠭᠬᠡᠭᠦᠢ ᠪᠣᠯ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢᠶᠠᠨ ᠲᠠᠲᠠᠵᠤ ᠠᠪᠤᠭᠰᠠᠨ ᠳᠤ ᠲᠣᠭᠠᠴᠠᠬᠤ᠃{number}"},
    {{"correction_lapsed", "correction_lapsed", true},
     "【四联政务】您的{application}{number}补正期限已过，未收到补正材料，视为撤回申请。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠮᠠᠲᠧᠷᠢᠶᠠᠯ ᠨᠥᠬᠦᠬᠦ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ ᠥᠩᠭᠡᠷᠡᠭᠰᠡᠨ ᠲᠤᠯᠠ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢᠶᠠᠨ ᠲᠠᠲᠠᠵᠤ ᠠᠪᠤᠭᠰᠠᠨ ᠳᠤ ᠲᠣᠭᠠᠴᠠᠪᠠ᠃{number}"},
    {{"suspended", "suspended", true},
     "【四联政务】您的{application}{number}进入{procedure}程序，所需时间不计入办理时限，程序结束后继续办理。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ {procedure} ᠵᠣᠷᠢᠨ ᠤ ᠵᠠᠭᠰᠠᠭᠠᠯ ᠳᠤ ᠣᠷᠤᠯᠪᠠ᠃ ᠡᠨᠡ ᠦᠶ᠎ᠡ ᠱᠢᠢᠳᠪᠦᠷᠢᠯᠡᠬᠦ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ ᠳᠤ ᠲᠣᠭᠠᠴᠠᠬᠤ ᠦᠭᠡᠢ᠃{number}"},
    {{"extended", "extended", true},
     "【四联政务】您的{application}{number}经批准延长办理期限{days}个工作日。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠱᠢᠢᠳᠪᠦᠷᠢᠯᠡᠬᠦ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ ᠶᠢ {days} ᠠᠵᠢᠯ ᠤᠨ ᠡᠳᠦᠷ ᠢᠶᠡᠷ ᠤᠷᠲᠤᠳᠬᠠᠪᠠ᠃{number}"},
    {{"decided_approved", "decided", true},
     "【四联政务】您的{application}{number}已审批通过。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠪᠠᠲᠤᠯᠠᠭᠳᠠᠪᠠ᠃{number}"},
    {{"decided_denied", "decided", true},
     "【四联政务】您的{application}{number}经审查不予许可，理由详见决定书。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠵᠥᠪᠰᠢᠶᠡᠷᠡᠭᠰᠡᠨ ᠦᠭᠡᠢ᠃ ᠰᠢᠯᠲᠠᠭᠠᠨ ᠢ ᠱᠢᠢᠳᠪᠦᠷᠢ ᠶᠢᠨ ᠪᠢᠴᠢᠭ ᠡᠴᠡ ᠦᠵᠡᠨᠦ ᠦᠦ᠃{number}"},
    {{"department_approved", "department_decided", true},
     "【四联政务】您的{application}{number}中由{department}审查的部分已审批通过。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ {department} ᠤᠨ ᠬᠠᠷᠢᠶᠠᠭ᠎ᠠ ᠬᠣᠪᠢ ᠪᠠᠲᠤᠯᠠᠭᠳᠠᠪᠠ᠃{number}"},
    {{"department_denied", "department_decided", true},
     "【四联政务】您的{application}{number}中由{department}审查的部分不予许可，理由详见决定书。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ {department} ᠤᠨ ᠬᠠᠷᠢᠶᠠᠭ᠎ᠠ ᠬᠣᠪᠢ ᠶᠢ ᠵᠥᠪᠰᠢᠶᠡᠷᠡᠭᠰᠡᠨ ᠦᠭᠡᠢ᠃ ᠰᠢᠯᠲᠠᠭᠠᠨ ᠢ ᠱᠢᠢᠳᠪᠦᠷᠢ ᠶᠢᠨ ᠪᠢᠴᠢᠭ ᠡᠴᠡ ᠦᠵᠡᠨᠦ ᠦᠦ᠃{number}"},
    {{"fee_due", "fee_due", true},
     "【四联政务】您的{application}{number}应缴费用{amount}元，请通过银行缴纳，窗口不收取现金。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠬᠤᠷᠢᠶᠠᠮᠵᠢ {amount} ᠶᠤᠸᠠᠨ᠃ ᠪᠠᠨᠬ ᠢᠶᠠᠷ ᠲᠦᠯᠦᠨᠦ ᠦᠦ᠂ ᠴᠣᠨᠬᠤ ᠳᠤ ᠮᠥᠨᠭᠭᠦ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ ᠦᠭᠡᠢ᠃{number}"},
    {{"refunded", "refunded", true},
     "【四联政务】您的{application}{number}已退还费用{amount}元。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠬᠤᠷᠢᠶᠠᠮᠵᠢ ᠠᠴᠠ {amount} ᠶᠤᠸᠠᠨ ᠢ ᠪᠤᠴᠠᠭᠠᠵᠤ ᠥᠭᠪᠡ᠃{number}"},
    {{"subsidy_paid", "subsidy_paid", true},
     "【四联政务】您的{application}{number}补贴{amount}元已拨付至您的银行账户。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ {amount} ᠶᠤᠸᠠᠨ ᠲᠡᠳᠬᠦᠯᠭᠡ ᠶᠢ ᠲᠠᠨ ᠤ ᠪᠠᠨᠬ ᠤᠨ ᠳᠠᠨᠭᠰᠠ ᠳᠤ ᠱᠢᠯᠵᠢᠭᠦᠯᠪᠡ᠃{number}"},
    {{"ready_for_collection", "ready_for_collection", true},
     "【四联政务】您的{application}{number}的证照已制发，请领取或等待送达。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠭᠡᠷᠡᠴᠢᠯᠡᠭᠡ ᠶᠢ ᠭᠠᠷᠭᠠᠪᠠ᠃ ᠠᠪᠴᠤ ᠶᠠᠪᠤᠨᠤ ᠤᠤ᠂ ᠡᠰᠡᠪᠡᠯ ᠬᠦᠷᠭᠡᠵᠦ ᠥᠭᠬᠦ ᠶᠢ ᠬᠦᠯᠢᠶᠡᠨᠦ ᠦᠦ᠃{number}"},
    {{"decision_ready", "ready_for_collection", true},
     "【四联政务】您的{application}{number}的决定书已办结，请领取。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠱᠢᠢᠳᠪᠦᠷᠢ ᠶᠢᠨ ᠪᠢᠴᠢᠭ ᠪᠣᠯᠪᠠ᠃ ᠠᠪᠴᠤ ᠶᠠᠪᠤᠨᠤ ᠤᠤ᠃{number}"},
    {{"delivered", "delivered", true},
     "【四联政务】您的{application}{number}的办理结果已送达。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠦᠷ᠎ᠡ ᠳᠦᠨ ᠢ ᠲᠠᠨ ᠳᠤ ᠬᠦᠷᠭᠡᠵᠦ ᠥᠭᠪᠡ᠃{number}"},
    {{"withdrawn", "withdrawn", true},
     "【四联政务】您的{application}{number}已按您的要求撤回。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠲᠠᠨ ᠤ ᠱᠠᠭᠠᠷᠳᠯᠠᠭ᠎ᠠ ᠶᠢᠨ ᠳᠠᠭᠤ ᠲᠠᠲᠠᠵᠤ ᠠᠪᠤᠪᠠ᠃{number}"},
    {{"revoked", "revoked", true},
     "【四联政务】您的{application}{number}的许可已被撤销，理由详见撤销决定书。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠱᠢᠢᠳᠪᠦᠷᠢ ᠶᠢ ᠬᠦᠴᠦᠨ ᠦᠭᠡᠢ ᠪᠣᠯᠭᠠᠪᠠ᠃ ᠰᠢᠯᠲᠠᠭᠠᠨ ᠢ ᠪᠢᠴᠢᠭ ᠡᠴᠡ ᠦᠵᠡᠨᠦ ᠦᠦ᠃{number}"},
    {{"terminated", "terminated", true},
     "【四联政务】您的{application}{number}已终止办理。",
     "【四联政务】ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠱᠢᠢᠳᠪᠦᠷᠢᠯᠡᠬᠦ ᠶᠢ ᠵᠣᠭᠰᠣᠭᠠᠪᠠ᠃{number}"},
    {{"overdue_apology", "overdue_apology", true},
     "【四联政务】很抱歉，您的{application}{number}已超过承诺办理时限，我们正在加紧办理，办结后将第一时间通知您。",
     "【四联政务】ᠠᠭᠤᠴᠢᠯᠠᠭᠠᠷᠠᠢ᠂ ᠲᠠᠨ ᠤ {item}ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠠᠮᠠᠯᠠᠭᠰᠠᠨ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ ᠠᠴᠠ ᠬᠡᠲᠦᠷᠡᠪᠡ᠃ ᠪᠢᠳᠡ ᠲᠦᠷᠭᠡᠨ ᠱᠢᠢᠳᠪᠦᠷᠢᠯᠡᠵᠦ ᠪᠠᠶᠢᠨ᠎ᠠ᠂ ᠳᠤᠭᠤᠰᠬᠠᠮᠠᠭᠴᠠ ᠲᠠᠨ ᠳᠤ ᠮᠡᠳᠡᠭᠳᠡᠬᠦ᠃{number}"},
  };
  return kTable;
}

struct Procedure {
  const char* name;
  const char* zh;
  const char* mn;
};
constexpr std::array<Procedure, 6> kProcedures = {{
    {"site_inspection", "现场核查", "ᠭᠠᠵᠠᠷ ᠳᠡᠭᠡᠷ᠎ᠡ ᠱᠠᠯᠭᠠᠬᠤ"},
    {"expert_review", "专家评审", "ᠮᠡᠷᠭᠡᠵᠢᠯᠲᠡᠨ ᠦ ᠦᠨᠡᠯᠡᠬᠦ"},
    {"hearing", "听证", "ᠰᠣᠨᠣᠰᠬᠠᠯ"},
    {"public_notice", "公示", "ᠢᠯᠡ ᠲᠤᠨᠭᠬᠠᠭᠯᠠᠬᠤ"},
    {"testing", "检验检测", "ᠱᠢᠨᠴᠢᠯᠡᠨ ᠱᠠᠯᠭᠠᠬᠤ"},
    {"other", "特别", "ᠲᠤᠰᠬᠠᠢ"},
}};

// The Mongolian "case number:" clause before the number.
constexpr const char* kMnNumber = " ᠬᠡᠷᠡᠭ ᠦᠨ ᠳ᠋ᠤᠭᠠᠷ᠄ ";

bool CaseNumberShown(const std::string& n) {
  return !n.empty() && n.size() <= 64 && n.find_first_not_of("0123456789-") == std::string::npos;
}

// "高龄津贴申请" stays as it is, "个体工商户登记" becomes "个体工商户登记申请", no name "申请".
std::string Application(const std::string& item_name) {
  static const std::string kApply = "申请";
  if (item_name.ends_with(kApply)) return item_name;
  return item_name + kApply;
}

void ReplaceAll(std::string& text, std::string_view key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
}

}  // namespace

Result<Language> ParseLanguage(std::string_view text) {
  if (text == "zh") return Language::kChinese;
  if (text == "mn") return Language::kMongolian;
  return InvalidArgument("language " + Quote(text) + " is not one of: zh, mn");
}

const char* LanguageName(Language language) { return language == Language::kMongolian ? "mn" : "zh"; }

Language LanguageOfCase(std::string_view stored) {
  return stored == "mn" ? Language::kMongolian : Language::kChinese;
}

const std::vector<NoticeTemplateInfo>& NoticeTemplates() {
  static const std::vector<NoticeTemplateInfo> kInfos = [] {
    std::vector<NoticeTemplateInfo> out;
    for (const auto& t : Table()) out.push_back(t.info);
    return out;
  }();
  return kInfos;
}

std::string ProcedureName(std::string_view procedure, Language language) {
  for (const auto& p : kProcedures)
    if (procedure == p.name) return language == Language::kMongolian ? p.mn : p.zh;
  return "";
}

namespace {

const Template* FindTemplate(std::string_view id) {
  for (const auto& t : Table())
    if (id == t.info.id) return &t;
  return nullptr;
}

// The "{name}" placeholders of `text`, in order; kInvalidArgument naming `what` for a brace that does not
// open or close one ("{" without "}", "}" alone, "{}" or a name of other than a-z and '_').
Result<std::vector<std::string>> PlaceholdersIn(std::string_view what, std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') return InvalidArgument(std::string(what) + " has a '}' that closes no placeholder");
    if (text[i] != '{') continue;
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos)
      return InvalidArgument(std::string(what) + " has a '{' without a closing '}'");
    std::string_view name = text.substr(i + 1, close - i - 1);
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string_view::npos)
      return InvalidArgument(std::string(what) + " has " + Quote(text.substr(i, close - i + 1)) +
                             ", which is not a placeholder (a name of a-z and _ in braces)");
    out.push_back("{" + std::string(name) + "}");
    i = close;
  }
  return out;
}

}  // namespace

std::string NoticeTemplateSetting(std::string_view id, Language language) {
  return std::string(kNoticeTemplateSettingPrefix) + std::string(id) + "." + LanguageName(language);
}

bool IsNoticeTemplateSetting(std::string_view key) { return key.starts_with(kNoticeTemplateSettingPrefix); }

Result<NoticeTemplateKey> ParseNoticeTemplateSetting(std::string_view key) {
  const std::string usage = "setting " + Quote(key) + " must be notice-template.ID.LANG with LANG zh or mn";
  if (!IsNoticeTemplateSetting(key)) return InvalidArgument(usage);
  std::string_view rest = key.substr(kNoticeTemplateSettingPrefix.size());
  size_t dot = rest.rfind('.');
  if (dot == std::string_view::npos) return InvalidArgument(usage);
  auto language = ParseLanguage(rest.substr(dot + 1));
  if (!language.ok()) return InvalidArgument(usage + ": " + language.status().message());
  std::string_view id = rest.substr(0, dot);
  if (FindTemplate(id) == nullptr) {
    std::string ids;
    for (const auto& t : Table()) ids += (ids.empty() ? "" : ", ") + std::string(t.info.id);
    return InvalidArgument("setting " + Quote(key) + ": notice template " + Quote(id) + " is not one of: " + ids);
  }
  return NoticeTemplateKey{std::string(id), *language};
}

std::vector<std::string> NoticeTemplatePlaceholders(std::string_view id) {
  const Template* t = FindTemplate(id);
  if (t == nullptr) return {};
  std::set<std::string> names = {"{application}", "{item}", "{number}"};
  for (const char* text : {t->zh, t->mn}) {
    auto found = PlaceholdersIn(id, text);
    SILIAN_CHECK(found.ok());  // a built-in template
    names.insert(found->begin(), found->end());
  }
  return {names.begin(), names.end()};
}

Status CheckNoticeTemplate(const NoticeTemplateKey& key, std::string_view text) {
  const std::string what = "notice template " + key.id + "." + LanguageName(key.language);
  if (FindTemplate(key.id) == nullptr) return InvalidArgument(what + ": no notice template " + Quote(key.id));
  SILIAN_RETURN_IF_ERROR(CheckText(what, text, kMaxNoticeTemplateChars, /*required=*/true));
  SILIAN_ASSIGN_OR_RETURN(auto used, PlaceholdersIn(what, text));
  const std::vector<std::string> allowed = NoticeTemplatePlaceholders(key.id);
  for (const auto& p : used) {
    if (std::find(allowed.begin(), allowed.end(), p) != allowed.end()) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return InvalidArgument(what + " uses placeholder " + p + ", which " + key.id + " has no value for; it may use: " +
                           list);
  }
  return Status::Ok();
}

Result<NoticeTemplateOverrides> ReadNoticeTemplateOverrides(
    const std::function<Result<std::optional<std::string>>(const std::string& key)>& get_setting) {
  NoticeTemplateOverrides out;
  for (const auto& t : Table())
    for (Language language : {Language::kChinese, Language::kMongolian}) {
      NoticeTemplateKey key{t.info.id, language};
      SILIAN_ASSIGN_OR_RETURN(auto value, get_setting(NoticeTemplateSetting(key.id, language)));
      if (value && !value->empty() && CheckNoticeTemplate(key, *value).ok()) out[key] = *value;
    }
  return out;
}

Result<std::string> RenderNotice(std::string_view id, Language language, const NoticeFacts& f,
                                 const NoticeTemplateOverrides* overrides) {
  const Template* found = FindTemplate(id);
  if (found == nullptr) return NotFound("no notice template " + Quote(id));
  const bool mn = language == Language::kMongolian;
  std::string text = mn ? found->mn : found->zh;
  if (overrides != nullptr) {
    NoticeTemplateKey key{std::string(id), language};
    if (auto it = overrides->find(key); it != overrides->end() && CheckNoticeTemplate(key, it->second).ok())
      text = it->second;
  }
  std::string number;
  if (CaseNumberShown(f.case_number))
    number = mn ? std::string(kMnNumber) + f.case_number + "\u1803" : "（办件编号" + f.case_number + "）";
  ReplaceAll(text, "{application}", Application(f.item_name));
  ReplaceAll(text, "{item}", f.item_name.empty() ? "" : "《" + f.item_name + "》 ");
  ReplaceAll(text, "{number}", number);
  ReplaceAll(text, "{missing}", f.missing.empty() ? (mn ? "—" : "详见一次性告知书") : f.missing);
  std::string procedure = ProcedureName(f.procedure, language);
  ReplaceAll(text, "{procedure}", procedure.empty() ? ProcedureName("other", language) : procedure);
  ReplaceAll(text, "{days}", std::to_string(f.days));
  ReplaceAll(text, "{amount}", FormatFen(f.amount_fen));
  ReplaceAll(text, "{department}", f.department.empty() ? (mn ? "—" : "有关部门") : f.department);
  return text;
}

}  // namespace silian::sync
