// Internal header of catalog/lang: reading a text format line by line, with
// the line numbers warnings name.
#pragma once

#include <cstddef>
#include <string_view>

namespace bulwark::catalog {

// The lines of a text, split at '\n' (not part of the line; a '\r' before it
// is, for the caller to drop). A last line without '\n' is a line; a text
// that ends in '\n' has no empty line after it.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  // The next line, or false at the end of the text.
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos) nl = text_.size();
    line = text_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    ++number_;
    return true;
  }
  // The 1-based number of the line next() returned last.
  int number() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int number_ = 0;
};

}  // namespace bulwark::catalog
