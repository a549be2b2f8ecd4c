#include "domain/validation.h"

#include "base/message_keys.h"

#include "domain/registry.h"
#include "domain/staff.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/text.h"
#include "domain/case_model.h"
#include "domain/catalog.h"
#include "domain/enums.h"
#include "domain/internal/fold.h"
#include "domain/notice_templates.h"

namespace silian::sync {
namespace {

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // U+3000

// A value as a message shows it: quoted, and cut after 60 characters so that a 20 MB note does not become
// a 20 MB message.
std::string Shown(std::string_view value) {
  constexpr size_t kShownChars = 60;
  size_t pos = 0, chars = 0;
  while (pos < value.size() && chars < kShownChars) {
    NextCodePoint(value, &pos);
    ++chars;
  }
  if (pos >= value.size()) return Quote(value);
  return Quote(value.substr(0, pos)) + "... (" + std::to_string(value.size()) + " bytes)";
}

std::string Hex(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// White space and characters that take no column: a text made only of these shows as nothing.
bool Invisible(char32_t cp) {
  return cp == ' ' || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000 || CodePointWidth(cp) == 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpperAlnum(char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z'); }
bool AllDigits(std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// Province-level codes of GB/T 2260, and 71 (Taiwan), 81 (Hong Kong), 82 (Macao), 83 (residence permits of
// Taiwan residents).
bool ProvinceCode(std::string_view two) {
  static constexpr std::array<int, 35> kCodes = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                                 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                                 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83};
  if (two.size() != 2 || !AllDigits(two)) return false;
  int code = (two[0] - '0') * 10 + (two[1] - '0');
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

// A date written YYYYMMDD that exists.
Result<Date> CompactDate(std::string_view eight) {
  if (eight.size() != 8 || !AllDigits(eight))
    return InvalidArgument("date " + Quote(eight) + " must be YYYYMMDD").With(msg::kDateForm, eight);
  std::string iso = std::string(eight.substr(0, 4)) + "-" + std::string(eight.substr(4, 2)) + "-" +
                    std::string(eight.substr(6, 2));
  return ParseDate(iso);
}

char ResidentIdCheck(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[12] = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

// GB 32100: 18 characters of the 31-character set, the last a check character over the first 17.
Status CheckCreditCode(std::string_view value) {
  static constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  if (value.size() != 18 || value.find_first_not_of(kChars) != std::string_view::npos)
    return InvalidArgument("unified social credit code " + Shown(value) +
                           " must have 18 characters of 0-9 and A-Y without I, O, S, V and Z")
        .With(msg::kCreditCodeForm, value);
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += static_cast<int>(kChars.find(value[i])) * kWeights[i];
  char expected = kChars[static_cast<size_t>((31 - sum % 31) % 31)];
  if (value[17] != expected)
    return InvalidArgument("unified social credit code " + Shown(value) + " has check character '" +
                           std::string(1, value[17]) + "', expected '" + std::string(1, expected) + "'")
        .With(msg::kCreditCodeCheck, value, std::string(1, value[17]), std::string(1, expected));
  return Status::Ok();
}

// A passport or a permit: 5 to 20 of A-Z and 0-9.
Status CheckDocumentNumber(std::string_view id_type, std::string_view value) {
  if (value.size() < 5 || value.size() > 20 || !std::all_of(value.begin(), value.end(), IsUpperAlnum))
    return InvalidArgument(std::string(id_type) + " number " + Shown(value) + " must have 5 to 20 of A-Z and 0-9")
        .With(msg::kDocumentNumberForm, id_type, value);
  return Status::Ok();
}

// A normal form is the only form an import accepts: name both.
Status NotNormal(std::string_view what, std::string_view value, std::string_view normal) {
  return InvalidArgument(std::string(what) + " " + Shown(value) + " is not in normal form; it is written " +
                         Shown(normal))
      .With(msg::kNotNormal, what, value, normal);
}

// Phone digits with the country prefix removed and a landline's leading 0 restored.
Result<std::string> PhoneDigits(std::string_view value) {
  std::string digits;
  std::string_view v = TrimText(value);
  bool plus = !v.empty() && v.front() == '+';
  if (plus) v.remove_prefix(1);
  for (char c : v) {
    if (IsDigit(c)) {
      digits += c;
    } else if (c != ' ' && c != '-') {
      return InvalidArgument("phone " + Shown(value) + " may use only digits, spaces, '-' and a leading '+'")
          .With(msg::kPhoneChars, value);
    }
  }
  bool country = false;
  if (plus) {
    if (digits.rfind("86", 0) != 0)
      return InvalidArgument("phone " + Shown(value) + " must be a mainland number (+86)").With(msg::kPhoneMainland, value);
    digits.erase(0, 2);
    country = true;
  } else if (digits.rfind("0086", 0) == 0) {
    digits.erase(0, 4);
    country = true;
  }
  if (country && !digits.empty() && digits.front() == '0') digits.erase(0, 1);
  if (country && !digits.empty() && digits.front() != '1') digits.insert(0, "0");
  return digits;
}

Status BadPhone(std::string_view value) {
  return InvalidArgument("phone " + Shown(value) +
                         " must be a mainland mobile number (11 digits starting 13 to 19) or a landline with its "
                         "area code, e.g. 0482-1234567")
      .With(msg::kPhoneForm, value);
}

}  // namespace

std::string_view TrimText(std::string_view s) {
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
      s.remove_prefix(1);
    } else if (s.starts_with(kIdeographicSpace)) {
      s.remove_prefix(kIdeographicSpace.size());
    } else if (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
      s.remove_suffix(1);
    } else if (s.ends_with(kIdeographicSpace)) {
      s.remove_suffix(kIdeographicSpace.size());
    } else {
      return s;
    }
  }
}

Status CheckText(std::string_view what, std::string_view value, size_t max_chars, bool required) {
  size_t chars = 0;
  bool visible = false;
  for (size_t pos = 0; pos < value.size();) {
    int32_t cp = NextCodePoint(value, &pos);
    if (cp < 0)
      return InvalidArgument(std::string(what) + " " + Shown(value) + " is not valid UTF-8")
          .With(msg::kTextNotUtf8, what, value);
    char32_t c = static_cast<char32_t>(cp);
    if (IsUnsafeForTerminal(c))  // base/text.h: the characters no value may hold
      return InvalidArgument(std::string(what) + " " + Shown(value) + " contains the control character " + Hex(c))
          .With(msg::kTextControl, what, value, Hex(c));
    if (!Invisible(c)) visible = true;
    ++chars;
  }
  if (chars > max_chars)
    return InvalidArgument(std::string(what) + " " + Shown(value) + " has " + std::to_string(chars) +
                           " characters; at most " + std::to_string(max_chars) + " are allowed")
        .With(msg::kTextTooLong, what, value, std::to_string(chars), std::to_string(max_chars));
  if (required && !visible)
    return InvalidArgument(std::string(what) + " " + Shown(value) +
                           " must not be empty or only spaces and zero-width characters")
        .With(msg::kTextEmpty, what, value);
  if (TrimText(value).size() != value.size()) return NotNormal(what, value, TrimText(value));
  return Status::Ok();
}

Result<std::string> NormalizeText(std::string_view what, std::string_view value, size_t max_chars, bool required) {
  std::string out(TrimText(value));
  SILIAN_RETURN_IF_ERROR(CheckText(what, out, max_chars, required));
  return out;
}

Status CheckToken(std::string_view what, std::string_view value) {
  bool ok = !value.empty() && value.size() <= kMaxTokenChars &&
            std::all_of(value.begin(), value.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_' || c == '-';
            });
  if (!ok)
    return InvalidArgument(std::string(what) + " " + Shown(value) + " must be 1 to " +
                           std::to_string(kMaxTokenChars) + " of a-z, 0-9, '_' and '-'")
        .With(msg::kTokenForm, what, value, std::to_string(kMaxTokenChars));
  return Status::Ok();
}

Status CheckResidentId(std::string_view value, Date not_after) {
  auto bad = [&](const std::string& why) { return InvalidArgument("resident ID number " + Shown(value) + " " + why); };
  if (value.size() != 18) return bad("must have 18 characters").With(msg::kResidentIdLength, value);
  if (!AllDigits(value.substr(0, 17))) return bad("must start with 17 digits").With(msg::kResidentIdDigits, value);
  if (!ProvinceCode(value.substr(0, 2)))
    return bad("starts with " + std::string(value.substr(0, 2)) + ", which is not a province-level region code")
        .With(msg::kResidentIdProvince, value, value.substr(0, 2));
  auto birth = CompactDate(value.substr(6, 8));
  if (!birth.ok())
    return bad("has birth date " + std::string(value.substr(6, 8)) + ", which is not a real date")
        .With(msg::kResidentIdBirthDate, value, value.substr(6, 8));
  if (*birth < Date{-25567} || *birth > not_after)  // 1900-01-01
    return bad("has birth date " + FormatDate(*birth) + ", which is before 1900 or after " + FormatDate(not_after))
        .With(msg::kResidentIdBirthRange, value, FormatDate(*birth), FormatDate(not_after));
  char expected = ResidentIdCheck(value);
  if (value[17] == 'x') return NotNormal("resident ID number", value, std::string(value.substr(0, 17)) + "X");
  if (value[17] != expected)
    return bad("has check character '" + std::string(1, value[17]) + "', expected '" + std::string(1, expected) + "'")
        .With(msg::kResidentIdCheck, value, std::string(1, value[17]), std::string(1, expected));
  return Status::Ok();
}

Result<std::string> NormalizeResidentId(std::string_view value, Date not_after) {
  std::string out(TrimText(value));
  if (out.size() == 18 && out[17] == 'x') out[17] = 'X';
  SILIAN_RETURN_IF_ERROR(CheckResidentId(out, not_after));
  return out;
}

Status CheckIdNumber(std::string_view id_type, std::string_view value, Date not_after) {
  SILIAN_ASSIGN_OR_RETURN(IdType type, ParseIdType(id_type));
  switch (type) {
    case IdType::kResidentId:
      return CheckResidentId(value, not_after);
    case IdType::kUnifiedSocialCreditCode:
      return CheckCreditCode(value);
    case IdType::kPassport:
    case IdType::kHkMacaoPermit:
    case IdType::kTaiwanPermit:
    case IdType::kForeignPermanentResidence:
      return CheckDocumentNumber(id_type, value);
    case IdType::kOther:
      return CheckText("applicant_id", value, kMaxIdNumberChars, true);
  }
  return InvalidArgument("applicant ID type " + Quote(id_type) + " is not known").With(msg::kIdTypeUnknown, id_type);
}

Result<std::string> NormalizeIdNumber(std::string_view id_type, std::string_view value, Date not_after) {
  SILIAN_ASSIGN_OR_RETURN(IdType type, ParseIdType(id_type));
  std::string out(TrimText(value));
  if (type == IdType::kResidentId) return NormalizeResidentId(out, not_after);
  if (type != IdType::kOther) out = Upper(out);
  SILIAN_RETURN_IF_ERROR(CheckIdNumber(id_type, out, not_after));
  return out;
}

Result<std::string> NormalizePhone(std::string_view value) {
  SILIAN_ASSIGN_OR_RETURN(std::string digits, PhoneDigits(value));
  if (digits.size() == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9') return digits;
  if (digits.size() < 3 || digits[0] != '0' || digits[1] == '0') return BadPhone(value);
  size_t area = (digits[1] == '1' || digits[1] == '2') ? 3 : 4;
  if (digits[1] == '1' && digits[2] != '0') return BadPhone(value);  // 010 is the only 01x area
  std::string number = digits.substr(std::min(area, digits.size()));
  if (number.size() < 7 || number.size() > 8 || number[0] == '0') return BadPhone(value);
  return digits.substr(0, area) + "-" + number;
}

Status CheckPhone(std::string_view value) {
  SILIAN_ASSIGN_OR_RETURN(std::string normal, NormalizePhone(value));
  if (normal != value) return NotNormal("phone", value, normal);
  return Status::Ok();
}

Status CheckDeviceNumber(std::string_view value) {
  if (value.size() != 2 || !AllDigits(value) || value == "00")
    return InvalidArgument("device number " + Shown(value) + " must be two digits, 01 to 99");
  return Status::Ok();
}

Status CheckItemCode(std::string_view value) {
  bool ok = !value.empty() && value.size() <= 50 && std::all_of(value.begin(), value.end(), [](char c) {
    return IsUpperAlnum(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '.' || c == '-';
  });
  if (!ok)
    return InvalidArgument("item code " + Shown(value) + " must be 1 to 50 characters of A-Z a-z 0-9 _ . -")
        .With(msg::kItemCodeForm, value);
  return Status::Ok();
}

Status CheckCaseNumber(std::string_view value) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("case number " + Shown(value) + " " + why +
                           " (DIVISION12-DEVICE-YYYYMMDD-NNNN, e.g. 152222104200-01-20261130-0001)");
  };
  if (value.size() < 29 || value.size() > 40 || value[12] != '-' || value[15] != '-' || value[24] != '-')
    return bad("is not written as a case number");
  std::string_view division = value.substr(0, 12), device = value.substr(13, 2), date = value.substr(16, 8),
                   counter = value.substr(25);
  if (!AllDigits(division)) return bad("must start with a 12-digit division code");
  if (!CheckDeviceNumber(device).ok()) return bad("has device number " + Quote(device) + ", not 01 to 99");
  if (!CompactDate(date).ok()) return bad("has date " + Quote(date) + ", which is not a real date");
  if (!AllDigits(counter) || counter.find_first_not_of('0') == std::string_view::npos)
    return bad("must end in a counter of 4 or more digits, not all zero");
  return Status::Ok();
}

Status CheckFieldValue(std::string_view field, std::string_view value, std::string_view id_type, Date not_after) {
  SILIAN_ASSIGN_OR_RETURN(std::string normal, NormalizeField(field, value, id_type, not_after));
  if (normal != value) return NotNormal(field, value, normal);
  return Status::Ok();
}

Result<std::string> NormalizeField(std::string_view field, std::string_view value, std::string_view id_type,
                                   Date not_after) {
  if (!IsGuardedField(field) && !IsPlainField(field)) {
    std::string all;
    for (const auto& f : AllFieldNames()) all += std::string(all.empty() ? "" : ", ") + f;
    return InvalidArgument("field " + Quote(field) + " is not one of: " + all).With(msg::kFieldUnknown, field);
  }
  const std::string what(field);
  if (field == "applicant_id_type") {
    std::string type(TrimText(value));
    SILIAN_RETURN_IF_ERROR(ParseIdType(type).status());
    return type;
  }
  if (field == "applicant_id") {
    if (TrimText(value).empty()) return InvalidArgument("applicant_id must not be empty").With(msg::kIdNumberEmpty);
    return NormalizeIdNumber(id_type, value, not_after);
  }
  if (field == "item_code") {
    std::string code(TrimText(value));
    SILIAN_RETURN_IF_ERROR(CheckItemCode(code));
    return code;
  }
  if (field == "phone") {
    if (TrimText(value).empty()) return std::string();
    return NormalizePhone(value);
  }
  size_t max_chars = field == "summary" ? kMaxSummaryChars : field == "address" ? kMaxAddressChars : kMaxNameChars;
  return NormalizeText(what, value, max_chars, IsGuardedField(field));
}

namespace {

// The checks of one op's body, by kind. Every message is prefixed with the op's id by CheckOpContent.
class OpContent {
 public:
  explicit OpContent(const pb::Op& op) : op_(op), not_after_(DateOfUnixMs(op.hlc() >> 16)) {}

  Status Envelope() const {
    SILIAN_RETURN_IF_ERROR(CheckText("actor", op_.actor(), kMaxActorChars, true));
    for (const auto& p : op_.parents())
      SILIAN_RETURN_IF_ERROR(Ref("parent", p));
    if (IsReferenceOp(op_)) return Status::Ok();
    if (Status s = ParseOpId(op_.case_id()).status(); !s.ok()) return InvalidArgument("case id: " + s.message());
    std::string own = op_.origin() + ":" + std::to_string(op_.seq());
    if (op_.has_case_created() && op_.case_id() != own)
      return InvalidArgument("case id " + Shown(op_.case_id()) + " of a creation op must be its own id " + Quote(own));
    return Status::Ok();
  }

  Status Body() const {
    switch (op_.body_case()) {
      case pb::Op::kCaseCreated: return Created(op_.case_created());
      case pb::Op::kFieldsSet: return Fields(op_.fields_set());
      case pb::Op::kMaterialReceived: return Material(op_.material_received());
      case pb::Op::kNoteAdded: return CheckText("note text", op_.note_added().text(), kMaxNoteChars, true);
      case pb::Op::kTransition: return Transition(op_.transition());
      case pb::Op::kConflictResolved: return Resolved(op_.conflict_resolved());
      case pb::Op::kDepartmentDecision: return Department(op_.department_decision());
      case pb::Op::kFeeRecorded: return Fee(op_.fee_recorded());
      case pb::Op::kEvaluationGiven: return Evaluation(op_.evaluation_given());
      case pb::Op::kRectificationStep: return Rectification(op_.rectification_step());
      case pb::Op::kReviewStep: return ReviewStep(op_.review_step());
      case pb::Op::kCorrectionLapse: return Lapse(op_.correction_lapse());
      case pb::Op::kSubsidyPaid: return Subsidy(op_.subsidy_paid());
      case pb::Op::kItemPublished: return ValidateItem(op_.item_published());
      case pb::Op::kCalendarPublished: return ValidateCalendar(op_.calendar_published());
      case pb::Op::kNodeRegistered: return ValidateRegistration(op_);
      case pb::Op::kStaffRegistered: return ValidateStaff(op_);
      case pb::Op::kStaffAudit: return ValidateAudit(op_);
      case pb::Op::BODY_NOT_SET: return Status::Ok();  // a kind of a newer version: kept, not interpreted
    }
    return Status::Ok();
  }

 private:
  static Status Ref(const char* what, const pb::OpRef& ref) {
    if (!ParseNodeId(ref.origin()).ok() || ref.seq() == 0)
      return InvalidArgument(std::string(what) + " " + Shown(ref.origin() + ":" + std::to_string(ref.seq())) +
                             " is not an op id");
    return Status::Ok();
  }

  static Status Optional(const char* what, const std::string& value, size_t max_chars) {
    return CheckText(what, value, max_chars, false);
  }

  // The catalogue terms a case carries follow the rules of the item they were copied from.
  static Status Terms(const pb::ItemTerms& terms, const std::string& item_code) {
    pb::Item item;
    item.set_code(item_code);
    item.set_version(terms.version());
    item.set_name(terms.name());
    item.set_exercise_level(terms.exercise_level());
    item.set_instant(terms.instant());
    *item.mutable_legal_limit() = terms.legal_limit();
    *item.mutable_promised_limit() = terms.promised_limit();
    item.set_lead_department(terms.lead_department());
    for (const auto& d : terms.departments()) item.add_departments(d);
    item.set_extension_limit_wd(terms.extension_limit_wd());
    for (const auto& step : terms.steps()) item.add_steps(step);
    Status s = ValidateItem(item);
    if (!s.ok()) return InvalidArgument("terms: " + s.message());
    return Status::Ok();
  }

  Status Created(const pb::CaseCreated& c) const {
    SILIAN_RETURN_IF_ERROR(CheckCaseNumber(c.case_number()));
    const std::pair<const char*, const std::string*> fields[] = {
        {"item_code", &c.item_code()}, {"applicant_name", &c.applicant_name()},
        {"applicant_id_type", &c.applicant_id_type()}, {"applicant_id", &c.applicant_id()},
        {"phone", &c.phone()}, {"address", &c.address()}, {"summary", &c.summary()}, {"channel", &c.channel()}};
    for (const auto& [field, value] : fields)
      SILIAN_RETURN_IF_ERROR(CheckFieldValue(field, *value, c.applicant_id_type(), not_after_));
    if (c.has_terms()) SILIAN_RETURN_IF_ERROR(Terms(c.terms(), c.item_code()));
    if (!c.language().empty()) SILIAN_RETURN_IF_ERROR(ParseLanguage(c.language()).status());
    return Status::Ok();
  }

  Status Fields(const pb::FieldsSet& f) const {
    if (f.values_size() == 0) return InvalidArgument("fields_set sets no field").With(msg::kFieldsNone);
    std::map<std::string, std::string> values;
    for (const auto& v : f.values())
      if (!values.emplace(v.field(), v.value()).second)
        return InvalidArgument("field " + Shown(v.field()) + " is set twice").With(msg::kFieldTwice, v.field());
    auto type = values.find("applicant_id_type");
    if (values.count("applicant_id") && type == values.end())
      return InvalidArgument("fields_set writes applicant_id " + Shown(values["applicant_id"]) +
                             " without applicant_id_type, so the number cannot be checked");
    for (const auto& [field, value] : values) {
      if (IsGuardedField(field) || IsPlainField(field)) {
        SILIAN_RETURN_IF_ERROR(CheckFieldValue(field, value, type == values.end() ? "" : type->second, not_after_));
      } else {  // a field of a newer version: kept as text, not interpreted
        SILIAN_RETURN_IF_ERROR(CheckToken("field name", field));
        SILIAN_RETURN_IF_ERROR(Optional(field.c_str(), value, kMaxSummaryChars));
      }
    }
    if (f.has_terms()) {
      auto code = values.find("item_code");
      if (code == values.end()) return InvalidArgument("fields_set carries item terms without an item_code");
      SILIAN_RETURN_IF_ERROR(Terms(f.terms(), code->second));
    }
    return Status::Ok();
  }

  static Status Material(const pb::MaterialReceived& m) {
    SILIAN_RETURN_IF_ERROR(CheckText("material name", m.name(), kMaxMaterialChars, true));
    if (m.copies() < 1 || m.copies() > kMaxMaterialCopies)
      return InvalidArgument("copies " + std::to_string(m.copies()) + " of material " + Shown(m.name()) +
                             " must be 1 to " + std::to_string(kMaxMaterialCopies))
          .With(msg::kCopiesRange, std::to_string(m.copies()), std::to_string(kMaxMaterialCopies));
    return Status::Ok();
  }

  static Status Transition(const pb::Transition& t) {
    SILIAN_RETURN_IF_ERROR(CheckToken("action", t.action()));
    SILIAN_RETURN_IF_ERROR(Optional("reason", t.reason(), kMaxReasonChars));
    if (!t.level().empty()) SILIAN_RETURN_IF_ERROR(CheckToken("level", t.level()));
    if (!t.due_date().empty()) {
      if (Status s = ParseDate(t.due_date()).status(); !s.ok()) return InvalidArgument("due_date: " + s.message());
    }
    std::vector<std::pair<std::string, std::string>> details;
    for (const auto& d : t.details()) {
      SILIAN_RETURN_IF_ERROR(CheckToken("detail name", d.field()));
      SILIAN_RETURN_IF_ERROR(Optional(("detail " + d.field()).c_str(), d.value(), kMaxDetailChars));
      details.emplace_back(d.field(), d.value());
    }
    auto action = ParseAction(t.action());
    if (!action.ok()) return Status::Ok();  // an action of a newer version: kept, shown as ignored
    if (ReasonRequired(*action) && TrimText(t.reason()).empty())
      return InvalidArgument("action " + Quote(t.action()) + " needs a reason").With(msg::kReasonRequired, t.action());
    return CheckDetails(*action, details);
  }

  Status Resolved(const pb::ConflictResolved& r) const {
    auto parsed = fold::ParseConflictId(CaseId{op_.case_id()}, r.conflict_id());
    if (!parsed) return InvalidArgument("conflict id " + Shown(r.conflict_id()) + " is not one of case " +
                                        Quote(op_.case_id()) + "'s");
    if (r.has_keep() == r.has_value())
      return InvalidArgument("a resolution of " + Shown(r.conflict_id()) + " keeps an op or gives a value, not both or neither");
    if (r.has_keep()) return Ref("kept op", r.keep());
    if (parsed->kind != fold::ConflictKind::kField)
      return InvalidArgument("conflict " + Shown(r.conflict_id()) + " is resolved by keeping an op, not by a value");
    if (parsed->name == "applicant_id")  // the type in force is the case's, not the op's: the generic rule
      return CheckText("applicant_id", r.value(), kMaxIdNumberChars, true);
    if (IsGuardedField(parsed->name) || IsPlainField(parsed->name))
      return CheckFieldValue(parsed->name, r.value(), "", not_after_);
    return Optional("value", r.value(), kMaxSummaryChars);
  }

  static Status Department(const pb::DepartmentDecision& d) {
    SILIAN_RETURN_IF_ERROR(CheckText("department", d.department(), kMaxDepartmentChars, true));
    SILIAN_RETURN_IF_ERROR(CheckToken("decision", d.decision()));
    SILIAN_RETURN_IF_ERROR(CheckText("opinion", d.opinion(), kMaxOpinionChars, d.decision() == "deny"));
    if (!d.level().empty()) SILIAN_RETURN_IF_ERROR(CheckToken("level", d.level()));
    return Status::Ok();
  }

  static Status Fee(const pb::FeeRecorded& f) {
    SILIAN_RETURN_IF_ERROR(CheckToken("fee kind", f.kind()));
    SILIAN_RETURN_IF_ERROR(Optional("fee name", f.name(), kMaxMaterialChars));
    if (f.amount_fen() <= 0 || f.amount_fen() > kMaxFeeFen)
      return InvalidArgument("fee amount " + std::to_string(f.amount_fen()) + " fen must be 1 to " +
                             std::to_string(kMaxFeeFen))
          .With(msg::kAmountRange, std::to_string(f.amount_fen()), std::to_string(kMaxFeeFen));
    SILIAN_RETURN_IF_ERROR(CheckText("bank receipt", f.bank_receipt(), kMaxBankReceiptChars, f.kind() == "payment"));
    return CheckText("fee reason", f.reason(), kMaxReasonChars, f.kind() == "refund");
  }

  static Status Evaluation(const pb::EvaluationGiven& e) {
    SILIAN_RETURN_IF_ERROR(CheckToken("rating", e.rating()));
    SILIAN_RETURN_IF_ERROR(CheckToken("evaluation channel", e.channel()));
    SILIAN_RETURN_IF_ERROR(CheckToken("target kind", e.target_kind()));
    SILIAN_RETURN_IF_ERROR(CheckToken("stage", e.stage()));
    SILIAN_RETURN_IF_ERROR(CheckText("evaluation target", e.target(), kMaxActorChars, true));
    return Optional("comment", e.comment(), kMaxOpinionChars);
  }

  static Status Rectification(const pb::RectificationStep& r) {
    SILIAN_RETURN_IF_ERROR(Ref("evaluation", r.evaluation()));
    SILIAN_RETURN_IF_ERROR(CheckToken("rectification step", r.step()));
    SILIAN_RETURN_IF_ERROR(Optional("rectification note", r.note(), kMaxOpinionChars));
    if (!r.due_date().empty()) SILIAN_RETURN_IF_ERROR(ParseDate(r.due_date()).status());
    return Status::Ok();
  }

  // Names of outcomes and decisions need only be tokens (a newer version may add one); texts are bounded.
  static Status ReviewStep(const pb::ReviewStepRecorded& r) {
    SILIAN_RETURN_IF_ERROR(CheckToken("review step", r.step()));
    SILIAN_RETURN_IF_ERROR(CheckToken("review outcome", r.outcome()));
    SILIAN_RETURN_IF_ERROR(CheckText("review opinion", r.opinion(), kMaxOpinionChars, r.outcome() == "return"));
    if (!r.level().empty()) SILIAN_RETURN_IF_ERROR(CheckToken("level", r.level()));
    return Status::Ok();
  }

  static Status Lapse(const pb::CorrectionLapse& l) {
    SILIAN_RETURN_IF_ERROR(CheckToken("lapse decision", l.decision()));
    SILIAN_RETURN_IF_ERROR(CheckText("lapse reason", l.reason(), kMaxReasonChars, true));
    if (!l.new_due().empty()) {
      if (Status s = ParseDate(l.new_due()).status(); !s.ok()) return InvalidArgument("new_due: " + s.message());
    }
    if (l.decision() == "continue" && l.new_due().empty())
      return InvalidArgument("a correction continued after its deadline needs new_due");
    if (!l.level().empty()) SILIAN_RETURN_IF_ERROR(CheckToken("level", l.level()));
    return Status::Ok();
  }

  static Status Subsidy(const pb::SubsidyPaid& s) {
    SILIAN_RETURN_IF_ERROR(CheckText("subsidy name", s.name(), kMaxMaterialChars, true));
    if (s.amount_fen() <= 0 || s.amount_fen() > kMaxFeeFen)
      return InvalidArgument("subsidy amount " + std::to_string(s.amount_fen()) + " fen must be 1 to " +
                             std::to_string(kMaxFeeFen))
          .With(msg::kAmountRange, std::to_string(s.amount_fen()), std::to_string(kMaxFeeFen));
    SILIAN_RETURN_IF_ERROR(CheckText("bank transfer", s.bank_transfer(), kMaxBankReceiptChars, true));
    SILIAN_RETURN_IF_ERROR(Optional("subsidy note", s.note(), kMaxOpinionChars));
    if (!s.level().empty()) SILIAN_RETURN_IF_ERROR(CheckToken("level", s.level()));
    return Status::Ok();
  }

  const pb::Op& op_;
  Date not_after_;
};

}  // namespace

bool IsReferenceOp(const pb::Op& op) {
  return op.has_item_published() || op.has_calendar_published() || op.has_node_registered() ||
         op.has_staff_registered() || op.has_staff_audit();
}

Status CheckOpContent(const pb::Op& op) {
  OpContent content(op);
  Status s = content.Envelope();
  if (s.ok()) s = content.Body();
  if (s.ok()) return s;
  const std::string message = "op " + Quote(op.origin() + ":" + std::to_string(op.seq())) + ": " + s.message();
  if (s.code() != StatusCode::kInvalidArgument) return InvalidArgument(message);
  return s.WithMessage(message);
}

}  // namespace silian::sync
