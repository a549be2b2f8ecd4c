// Pinyin of Chinese text, for finding an item by the initials a village agent types ("zjd" for 宅基地):
// ICU's "Han-Latin" transliterator (Debian's libicu), tones removed. Polyphonic characters get ICU's
// most common reading.
// Thread-safe (one transliterator behind a mutex).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silian::ui {

struct PinyinText {
  std::string spaced;    // "zhai ji di shen qing": ASCII, lower case, one space between syllables and words
  std::string joined;    // "zhaijidishenqing"
  std::string initials;  // "zjdsq": the first letter of each syllable or Latin word; digits kept
};

class Pinyin {
 public:
  // kInternal naming ICU's error when the transliterator cannot be made (ICU data missing).
  static Result<std::unique_ptr<Pinyin>> Create();
  ~Pinyin();
  PinyinText Of(std::string_view utf8);

 private:
  struct Impl;  // ICU's transliterator, kept out of this header
  explicit Pinyin(std::unique_ptr<Impl> impl);
  std::mutex mu_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace silian::ui
