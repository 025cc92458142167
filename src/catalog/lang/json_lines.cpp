#include "catalog/lang/json_lines.hpp"

#include <algorithm>
#include <charconv>

#include "core/utf8.hpp"

namespace bulwark::catalog {
namespace {

// A forward-only reader over JSON text that can skip whole values without
// building them. Every step checks the end of the text, so malformed input
// only ends the search.
class JsonCursor {
 public:
  explicit JsonCursor(std::string_view text) : s_(text) {}

  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void advance() { ++pos_; }

  void skip_ws() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  // At an opening quote: reads the string, decoding escapes, and stops after
  // the closing quote.
  bool read_string(std::string& out) {
    out.clear();
    if (peek() != '"') return false;
    ++pos_;
    while (!at_end()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (at_end()) return false;
      char e = s_[pos_++];
      switch (e) {
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (s_.size() - pos_ < 4) return false;
          unsigned cp = 0;
          auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, cp, 16);
          if (ec != std::errc() || p != s_.data() + pos_ + 4) return false;
          pos_ += 4;
          append_utf8(out, cp);
          break;
        }
        default: out.push_back(e);  // \" \\ \/
      }
    }
    return false;
  }

  // Skips one value of any kind; nesting is counted, not recursed into.
  bool skip_value() {
    skip_ws();
    char c = peek();
    if (c == '"') {
      std::string ignored;
      return read_string(ignored);
    }
    if (c == '{' || c == '[') {
      size_t depth = 0;
      std::string ignored;
      while (!at_end()) {
        char d = peek();
        if (d == '"') {
          if (!read_string(ignored)) return false;
          continue;
        }
        ++pos_;
        if (d == '{' || d == '[') ++depth;
        else if ((d == '}' || d == ']') && --depth == 0) return true;
      }
      return false;
    }
    size_t start = pos_;
    while (!at_end() && std::string_view(",}] \t\r\n").find(s_[pos_]) == std::string_view::npos) ++pos_;
    return pos_ > start;
  }

  // Moves to the value of `key` in the object at the cursor.
  bool enter_member(const std::string& key) {
    if (peek() != '{') return false;
    ++pos_;
    std::string name;
    while (true) {
      skip_ws();
      if (!read_string(name)) return false;
      skip_ws();
      if (peek() != ':') return false;
      ++pos_;
      skip_ws();
      if (name == key) return true;
      if (!skip_value()) return false;
      skip_ws();
      if (peek() != ',') return false;
      ++pos_;
    }
  }

  // Moves to element `index` of the array at the cursor.
  bool enter_element(size_t index) {
    if (peek() != '[') return false;
    ++pos_;
    for (size_t i = 0;; ++i) {
      skip_ws();
      if (peek() == ']' || at_end()) return false;
      if (i == index) return true;
      if (!skip_value()) return false;
      skip_ws();
      if (peek() != ',') return false;
      ++pos_;
    }
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

namespace {

// Moves the cursor to the value at `path`; false when the text lacks it.
bool descend(JsonCursor& cur, const std::vector<std::string>& path) {
  cur.skip_ws();
  for (const auto& part : path) {
    if (cur.peek() == '[') {
      size_t index = 0;
      auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc() || p != part.data() + part.size() || !cur.enter_element(index)) return false;
    } else if (!cur.enter_member(part)) {
      return false;
    }
    cur.skip_ws();
  }
  return !cur.at_end();
}

// Counts lines forward as the offsets it is asked about increase.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  int at(size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset < pos_) {
      pos_ = 0;
      line_ = 1;
    }
    line_ += static_cast<int>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                         text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
    pos_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

int json_line_of(std::string_view text, const std::vector<std::string>& path) {
  JsonCursor cur(text);
  if (!descend(cur, path)) return 0;
  return LineCounter(text).at(cur.pos());
}

std::vector<std::pair<std::string, int>> json_child_lines(std::string_view text,
                                                          const std::vector<std::string>& path) {
  std::vector<std::pair<std::string, int>> out;
  JsonCursor cur(text);
  if (!descend(cur, path)) return out;
  LineCounter lines(text);
  char open = cur.peek();
  if (open != '{' && open != '[') return out;
  char close = open == '{' ? '}' : ']';
  cur.advance();
  std::string key;
  for (size_t i = 0;; ++i) {
    cur.skip_ws();
    if (cur.at_end() || cur.peek() == close) break;
    size_t start = cur.pos();
    if (open == '{') {
      if (!cur.read_string(key)) break;
      cur.skip_ws();
      if (cur.peek() != ':') break;
      cur.advance();
      cur.skip_ws();
    } else {
      key = std::to_string(i);
    }
    out.emplace_back(key, lines.at(start));
    if (!cur.skip_value()) break;
    cur.skip_ws();
    if (cur.peek() != ',') break;
    cur.advance();
  }
  return out;
}

Diagnostic json_error_warning(const std::string& path, const Error& error, std::string_view what) {
  // parse_json(text, path) writes "<path>: line L column C" into `where`.
  int line = 0;
  std::string_view where = error.where;
  if (where.substr(0, path.size()) == path && where.substr(path.size()).starts_with(": line ")) {
    where.remove_prefix(path.size() + 7);
    std::from_chars(where.data(), where.data() + where.size(), line);
  }
  std::string message = "not a usable " + std::string(what) + ": " + error.message;
  return make_warning(path, line, std::move(message));
}

}  // namespace bulwark::catalog
