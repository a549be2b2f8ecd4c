#include "ui/pinyin.h"

#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <unicode/utypes.h>

namespace silian::ui {

struct Pinyin::Impl {
  std::unique_ptr<icu::Transliterator> transliterator;
};

Result<std::unique_ptr<Pinyin>> Pinyin::Create() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> t(icu::Transliterator::createInstance(
      icu::UnicodeString::fromUTF8("Han-Latin; Latin-ASCII; Lower"), UTRANS_FORWARD, status));
  if (U_FAILURE(status) || !t)
    return Internal(std::string("cannot make ICU's Han-Latin transliterator: ") + u_errorName(status));
  return std::unique_ptr<Pinyin>(new Pinyin(std::make_unique<Impl>(Impl{std::move(t)})));
}

Pinyin::Pinyin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pinyin::~Pinyin() = default;

PinyinText Pinyin::Of(std::string_view utf8) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  {
    std::lock_guard<std::mutex> lock(mu_);
    impl_->transliterator->transliterate(u);
  }
  std::string latin;
  u.toUTF8String(latin);
  PinyinText out;
  bool in_word = false;
  for (char c : latin) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (letter || digit) {
      char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      if (!in_word) {
        if (!out.spaced.empty()) out.spaced += ' ';
        out.initials += lower;
      } else if (digit) {
        out.initials += lower;
      }
      out.spaced += lower;
      out.joined += lower;
      in_word = true;
    } else {
      in_word = false;
    }
  }
  return out;
}

}  // namespace silian::ui
