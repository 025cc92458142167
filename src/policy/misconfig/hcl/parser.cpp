// The HCL2 native syntax parser: recursive descent straight over the bytes.
// Newlines end attributes and object items but are ignored inside (), [] and
// template interpolations, so every place that skips whitespace asks the
// innermost bracket whether a newline counts.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "core/utf8.hpp"
#include "policy/misconfig/hcl/hcl.hpp"

namespace bulwark::policy::hcl {

const Attribute* Body::attribute(std::string_view name) const {
  const Attribute* found = nullptr;
  for (const auto& a : attributes)
    if (a.name == name) found = &a;
  return found;
}

namespace {

struct SyntaxError {
  size_t offset;
  std::string message;
};

bool is_ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool is_ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c >= 0x80; }

class Parser {
 public:
  Parser(const std::string& src, const ParseLimits& limits) : s_(src), limits_(limits) {
    line_starts_.push_back(0);
    for (size_t k = 0; k < s_.size(); ++k)
      if (s_[k] == '\n') line_starts_.push_back(k + 1);
  }

  SourcePos pos_at(size_t off) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), off);
    size_t line = static_cast<size_t>(it - line_starts_.begin());
    size_t start = line_starts_[line - 1];
    return SourcePos{static_cast<uint32_t>(line), static_cast<uint32_t>(off - start + 1)};
  }

  void parse_file(Body& body) { parse_body(body, true); }

 private:
  const std::string& s_;
  const ParseLimits& limits_;
  std::vector<size_t> line_starts_;
  size_t i_ = 0;
  int depth_ = 0;
  std::vector<bool> newline_ignored_{false};

  struct Depth {
    Parser& p;
    explicit Depth(Parser& parser) : p(parser) {
      if (++p.depth_ > p.limits_.max_depth) throw SyntaxError{p.i_, "nesting deeper than " + std::to_string(p.limits_.max_depth)};
    }
    ~Depth() { --p.depth_; }
  };
  struct NewlineMode {
    Parser& p;
    NewlineMode(Parser& parser, bool ignored) : p(parser) { p.newline_ignored_.push_back(ignored); }
    ~NewlineMode() { p.newline_ignored_.pop_back(); }
  };

  [[noreturn]] void fail(std::string msg) const { throw SyntaxError{i_, std::move(msg)}; }
  bool eof() const { return i_ >= s_.size(); }
  char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool starts(std::string_view t) const { return s_.compare(i_, t.size(), t) == 0; }

  std::string describe_here() const {
    if (eof()) return "end of file";
    char c = s_[i_];
    if (c == '\n') return "newline";
    if (static_cast<unsigned char>(c) < 0x20) return "control character";
    return std::string("'") + c + "'";
  }

  // Skips blanks and comments, and newlines when `newlines` is true.
  void skip(bool newlines) {
    while (!eof()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
      } else if (c == '\n') {
        if (!newlines) return;
        ++i_;
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        while (!eof() && s_[i_] != '\n') ++i_;
      } else if (c == '/' && peek(1) == '*') {
        size_t close = s_.find("*/", i_ + 2);
        if (close == std::string::npos) fail("unterminated /* comment");
        i_ = close + 2;
      } else {
        return;
      }
    }
  }
  void ws() { skip(newline_ignored_.back()); }

  void expect(char c, const char* what) {
    ws();
    if (peek() != c) fail(std::string("expected ") + what + ", found " + describe_here());
    ++i_;
  }

  std::string read_ident() {
    size_t b = i_;
    while (!eof() && is_ident_char(static_cast<unsigned char>(s_[i_]))) ++i_;
    return s_.substr(b, i_ - b);
  }

  // ---- bodies ------------------------------------------------------------------

  void parse_body(Body& body, bool top) {
    Depth d(*this);
    NewlineMode nl(*this, false);
    for (;;) {
      skip(true);
      if (eof()) {
        if (top) return;
        fail("expected '}' to close the block, found end of file");
      }
      if (s_[i_] == '}') {
        if (top) fail("unexpected '}'");
        return;
      }
      if (!is_ident_start(static_cast<unsigned char>(s_[i_])))
        fail("expected an attribute or block, found " + describe_here());
      size_t name_off = i_;
      std::string name = read_ident();
      skip(false);
      if (peek() == '=' && peek(1) != '=') {
        ++i_;
        Attribute a;
        a.name = std::move(name);
        a.pos = pos_at(name_off);
        a.expr = parse_expr();
        body.attributes.push_back(std::move(a));
      } else {
        Block b;
        b.type = std::move(name);
        b.pos = pos_at(name_off);
        for (;;) {
          skip(false);
          if (peek() == '"') {
            ExprPtr label = parse_quoted();
            if (label->kind != Expr::Kind::kString) fail("a block label cannot contain interpolations");
            b.labels.push_back(std::move(label->text));
          } else if (is_ident_start(static_cast<unsigned char>(peek()))) {
            b.labels.push_back(read_ident());
          } else {
            break;
          }
        }
        if (peek() != '{')
          fail("expected '=' or '{' after \"" + b.type + "\", found " + describe_here());
        ++i_;
        b.body = std::make_unique<Body>();
        parse_body(*b.body, false);
        ++i_;  // the '}' parse_body stopped at
        body.blocks.push_back(std::move(b));
      }
      skip(false);
      if (eof() || s_[i_] == '\n') continue;
      if (s_[i_] == '}' && !top) continue;
      fail("expected a newline after the attribute or block, found " + describe_here());
    }
  }

  // ---- expressions -------------------------------------------------------------

  ExprPtr make(Expr::Kind k, size_t begin) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->begin = static_cast<uint32_t>(begin);
    e->end = static_cast<uint32_t>(i_);
    e->pos = pos_at(begin);
    return e;
  }
  void finish(Expr& e) { e.end = static_cast<uint32_t>(i_); }

 public:
  ExprPtr parse_expr() {
    Depth d(*this);
    ws();
    size_t begin = i_;
    ExprPtr cond = parse_binary(1);
    ws();
    if (peek() == '?') {
      ++i_;
      auto e = make(Expr::Kind::kConditional, begin);
      e->kids.push_back(std::move(cond));
      e->kids.push_back(parse_expr());
      expect(':', "':' of the conditional");
      e->kids.push_back(parse_expr());
      finish(*e);
      return e;
    }
    return cond;
  }

 private:
  std::string match_operator(int level) {
    char c = peek(), n = peek(1);
    switch (level) {
      case 1:
        if (c == '|' && n == '|') return "||";
        break;
      case 2:
        if (c == '&' && n == '&') return "&&";
        break;
      case 3:
        if (c == '=' && n == '=') return "==";
        if (c == '!' && n == '=') return "!=";
        break;
      case 4:
        if (c == '<' && n == '=') return "<=";
        if (c == '>' && n == '=') return ">=";
        if (c == '<' && n != '<') return "<";
        if (c == '>') return ">";
        break;
      case 5:
        if (c == '+') return "+";
        if (c == '-') return "-";
        break;
      case 6:
        if (c == '*') return "*";
        if (c == '/' && n != '/' && n != '*') return "/";
        if (c == '%') return "%";
        break;
    }
    return {};
  }

  ExprPtr parse_binary(int level) {
    if (level > 6) return parse_unary();
    Depth d(*this);
    ws();
    size_t begin = i_;
    ExprPtr lhs = parse_binary(level + 1);
    for (;;) {
      ws();
      std::string op = match_operator(level);
      if (op.empty()) return lhs;
      i_ += op.size();
      auto e = make(Expr::Kind::kBinary, begin);
      e->name = std::move(op);
      e->kids.push_back(std::move(lhs));
      e->kids.push_back(parse_binary(level + 1));
      finish(*e);
      lhs = std::move(e);
    }
  }

  ExprPtr parse_unary() {
    Depth d(*this);
    ws();
    size_t begin = i_;
    if (peek() == '-' || (peek() == '!' && peek(1) != '=')) {
      auto e = make(Expr::Kind::kUnary, begin);
      e->name = std::string(1, s_[i_]);
      ++i_;
      e->kids.push_back(parse_unary());
      finish(*e);
      return e;
    }
    return parse_postfix();
  }

  ExprPtr parse_postfix() {
    ws();
    size_t begin = i_;
    ExprPtr e = parse_term();
    for (;;) {
      ws();
      if (peek() == '.' && peek(1) == '*') {
        i_ += 2;
        e = parse_splat(std::move(e), begin, true);
      } else if (peek() == '[' && after_bracket_is_star()) {
        e = parse_splat(std::move(e), begin, false);
      } else if (!traversal_step(e, begin)) {
        return e;
      }
    }
  }

  bool after_bracket_is_star() {
    size_t save = i_;
    ++i_;
    {
      NewlineMode nl(*this, true);
      ws();
    }
    bool star = peek() == '*';
    if (star) {
      ++i_;
      NewlineMode nl(*this, true);
      ws();
      if (peek() != ']') fail("expected ']' after '[*'");
      ++i_;
      return true;
    }
    i_ = save;
    return false;
  }

  // One `.name`, `.0` or `[key]` step applied to `e`; false when none follows.
  bool traversal_step(ExprPtr& e, size_t begin, bool attr_only = false) {
    if (peek() == '.' && peek(1) != '.') {
      size_t save = i_;
      ++i_;
      if (is_ident_start(static_cast<unsigned char>(peek()))) {
        auto g = make(Expr::Kind::kGetAttr, begin);
        g->name = read_ident();
        g->kids.push_back(std::move(e));
        finish(*g);
        e = std::move(g);
        return true;
      }
      if (std::isdigit(static_cast<unsigned char>(peek()))) {  // legacy index: a.0
        size_t b = i_;
        while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
        auto key = make(Expr::Kind::kNumber, b);
        key->number = std::stod(s_.substr(b, i_ - b));
        auto ix = make(Expr::Kind::kIndex, begin);
        ix->kids.push_back(std::move(e));
        ix->kids.push_back(std::move(key));
        e = std::move(ix);
        return true;
      }
      if (peek() == '*') {
        i_ = save;
        return false;
      }
      fail("expected an attribute name after '.', found " + describe_here());
    }
    if (!attr_only && peek() == '[') {
      ++i_;
      auto ix = make(Expr::Kind::kIndex, begin);
      ix->kids.push_back(std::move(e));
      {
        NewlineMode nl(*this, true);
        ix->kids.push_back(parse_expr());
        expect(']', "']' after the index");
      }
      finish(*ix);
      e = std::move(ix);
      return true;
    }
    return false;
  }

  ExprPtr parse_splat(ExprPtr source, size_t begin, bool attr_only) {
    Depth d(*this);
    auto item = make(Expr::Kind::kSplatItem, i_);
    for (;;) {
      ws();
      if (peek() == '.' && peek(1) == '*') break;
      if (peek() == '[' && !attr_only) {
        size_t save = i_;
        if (after_bracket_is_star()) {
          i_ = save;
          break;
        }
      }
      if (!traversal_step(item, begin, attr_only)) break;
    }
    auto e = make(Expr::Kind::kSplat, begin);
    e->flag = attr_only;
    e->kids.push_back(std::move(source));
    e->kids.push_back(std::move(item));
    return e;
  }

  ExprPtr parse_term() {
    Depth d(*this);
    ws();
    size_t begin = i_;
    if (eof()) fail("expected an expression, found end of file");
    char c = s_[i_];
    if (c == '(') {
      ++i_;
      auto e = make(Expr::Kind::kParens, begin);
      NewlineMode nl(*this, true);
      e->kids.push_back(parse_expr());
      expect(')', "')'");
      finish(*e);
      return e;
    }
    if (c == '[') return parse_bracket();
    if (c == '{') return parse_brace();
    if (c == '"') return parse_quoted();
    if (c == '<' && peek(1) == '<') return parse_heredoc();
    if (std::isdigit(static_cast<unsigned char>(c))) return parse_number();
    if (is_ident_start(static_cast<unsigned char>(c))) {
      std::string name = read_ident();
      while (peek() == ':' && peek(1) == ':' && is_ident_start(static_cast<unsigned char>(peek(2)))) {
        i_ += 2;  // provider::NAME::function
        name += "::" + read_ident();
      }
      if (name == "true" || name == "false") {
        auto e = make(Expr::Kind::kBool, begin);
        e->flag = name == "true";
        return e;
      }
      if (name == "null") return make(Expr::Kind::kNull, begin);
      size_t save = i_;
      skip(false);
      if (peek() == '(') {
        ++i_;
        auto e = make(Expr::Kind::kCall, begin);
        e->name = std::move(name);
        parse_call_args(*e);
        finish(*e);
        return e;
      }
      i_ = save;
      auto e = make(Expr::Kind::kVariable, begin);
      e->name = std::move(name);
      return e;
    }
    fail("expected an expression, found " + describe_here());
  }

  void parse_call_args(Expr& call) {
    NewlineMode nl(*this, true);
    for (;;) {
      ws();
      if (peek() == ')') {
        ++i_;
        return;
      }
      if (call.flag) fail("expected ')' after the expanded argument");
      call.kids.push_back(parse_expr());
      ws();
      if (starts("...")) {
        i_ += 3;
        call.flag = true;
        ws();
      }
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the arguments of " + call.name + "(), found " + describe_here());
      }
    }
  }

  ExprPtr parse_number() {
    size_t begin = i_;
    while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
      ++i_;
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (std::isdigit(static_cast<unsigned char>(peek(1))) ||
         ((peek(1) == '+' || peek(1) == '-') && std::isdigit(static_cast<unsigned char>(peek(2)))))) {
      i_ += 2;
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    }
    auto e = make(Expr::Kind::kNumber, begin);
    double v = 0;
    auto r = std::from_chars(s_.data() + begin, s_.data() + i_, v);
    if (r.ec == std::errc::result_out_of_range) v = HUGE_VAL;
    e->number = v;
    return e;
  }

  // `for` starts a for expression when an identifier follows it.
  bool at_for_keyword() {
    if (!starts("for")) return false;
    unsigned char after = static_cast<unsigned char>(peek(3));
    if (is_ident_char(after)) return false;
    size_t save = i_;
    i_ += 3;
    skip(true);
    bool ident = is_ident_start(static_cast<unsigned char>(peek()));
    i_ = save;
    return ident;
  }

  void parse_for_head(Expr& e) {
    i_ += 3;  // for
    skip(true);
    std::string first = read_ident();
    skip(true);
    if (peek() == ',') {
      ++i_;
      skip(true);
      if (!is_ident_start(static_cast<unsigned char>(peek()))) fail("expected a variable name after ','");
      e.name2 = std::move(first);
      e.name = read_ident();
      skip(true);
    } else {
      e.name = std::move(first);
    }
    if (!starts("in") || is_ident_char(static_cast<unsigned char>(peek(2))))
      fail("expected 'in' in the for expression, found " + describe_here());
    i_ += 2;
    e.kids.push_back(parse_expr());
    expect(':', "':' after the for expression's collection");
  }

  void parse_for_tail(Expr& e, char close) {
    ws();
    if (starts("if") && !is_ident_char(static_cast<unsigned char>(peek(2)))) {
      i_ += 2;
      e.kids.push_back(parse_expr());
      e.has_cond = true;
      ws();
    }
    if (peek() != close) fail(std::string("expected '") + close + "' to end the for expression, found " + describe_here());
    ++i_;
  }

  ExprPtr parse_bracket() {
    Depth d(*this);
    size_t begin = i_;
    ++i_;
    NewlineMode nl(*this, true);
    ws();
    if (at_for_keyword()) {
      auto e = make(Expr::Kind::kForTuple, begin);
      parse_for_head(*e);
      e->kids.push_back(parse_expr());
      parse_for_tail(*e, ']');
      finish(*e);
      return e;
    }
    auto e = make(Expr::Kind::kTuple, begin);
    for (;;) {
      ws();
      if (peek() == ']') {
        ++i_;
        break;
      }
      e->kids.push_back(parse_expr());
      ws();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ']') {
        fail("expected ',' or ']' in the list, found " + describe_here());
      }
    }
    finish(*e);
    return e;
  }

  ExprPtr parse_brace() {
    Depth d(*this);
    size_t begin = i_;
    ++i_;
    skip(true);
    if (at_for_keyword()) {
      NewlineMode nl(*this, true);
      auto e = make(Expr::Kind::kForObject, begin);
      parse_for_head(*e);
      e->kids.push_back(parse_expr());
      ws();
      if (!starts("=>")) fail("expected '=>' in the object for expression, found " + describe_here());
      i_ += 2;
      e->kids.push_back(parse_expr());
      ws();
      if (starts("...")) {
        i_ += 3;
        e->flag = true;
      }
      parse_for_tail(*e, '}');
      finish(*e);
      return e;
    }
    NewlineMode nl(*this, false);
    auto e = make(Expr::Kind::kObject, begin);
    for (;;) {
      skip(true);
      if (peek() == '}') {
        ++i_;
        break;
      }
      size_t key_begin = i_;
      ExprPtr key;
      if (is_ident_start(static_cast<unsigned char>(peek()))) {
        std::string name = read_ident();
        size_t save = i_;
        skip(false);
        if ((peek() == '=' && peek(1) != '=') || peek() == ':') {
          key = make(Expr::Kind::kString, key_begin);
          key->text = std::move(name);
          key->end = static_cast<uint32_t>(key_begin + key->text.size());
        } else {
          i_ = key_begin;
          (void)save;
        }
      }
      if (!key) key = parse_expr();
      skip(false);
      if (peek() == ':' || (peek() == '=' && peek(1) != '=' && peek(1) != '>')) {
        ++i_;
      } else {
        fail("expected '=' or ':' after the object key, found " + describe_here());
      }
      ExprPtr value = parse_expr();
      e->kids.push_back(std::move(key));
      e->kids.push_back(std::move(value));
      skip(false);
      if (peek() == ',') {
        ++i_;
      } else if (peek() != '\n' && peek() != '}') {
        fail("expected ',', a newline or '}' after the object item, found " + describe_here());
      }
    }
    finish(*e);
    return e;
  }

  // ---- templates ---------------------------------------------------------------

  struct TemplateMode {
    bool quoted;          // "..." (escapes, ends at '"') rather than a heredoc
    size_t end;           // heredoc: where the content ends
    size_t indent;        // <<- : leading spaces removed from each line
    size_t content_begin;
  };

  ExprPtr parse_quoted() {
    size_t begin = i_;
    ++i_;
    TemplateMode m{true, std::string::npos, 0, i_};
    auto t = make(Expr::Kind::kTemplate, begin);
    std::string stop = parse_template_seq(*t, m);
    if (!stop.empty()) fail("%{" + stop + "} without a matching %{if} or %{for}");
    ++i_;  // the closing quote
    finish(*t);
    return simplify(std::move(t));
  }

  // A template of literals only is a string; others stay templates.
  ExprPtr simplify(ExprPtr t) {
    if (t->kids.empty()) {
      t->kind = Expr::Kind::kString;
      return t;
    }
    if (t->kids.size() == 1 && t->kids[0]->kind == Expr::Kind::kString) {
      t->kind = Expr::Kind::kString;
      t->text = std::move(t->kids[0]->text);
      t->kids.clear();
    }
    return t;
  }

  bool at_template_end(const TemplateMode& m) const {
    if (m.quoted) return eof() || s_[i_] == '"';
    return i_ >= m.end;
  }

  void add_literal(Expr& t, std::string& lit, size_t lit_begin, bool& trim_next) {
    if (trim_next) {
      size_t k = 0;
      while (k < lit.size() && std::isspace(static_cast<unsigned char>(lit[k]))) ++k;
      lit.erase(0, k);
      trim_next = false;
    }
    if (lit.empty()) return;
    auto e = make(Expr::Kind::kString, lit_begin);
    e->text = std::move(lit);
    lit.clear();
    t.kids.push_back(std::move(e));
  }

  static void trim_previous(Expr& t) {
    if (t.kids.empty() || t.kids.back()->kind != Expr::Kind::kString) return;
    std::string& s = t.kids.back()->text;
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  }

  // Reads template parts into `t` until the template ends or a directive
  // keyword (else, endif, endfor) closes the enclosing directive; returns that
  // keyword, or empty at the end of the template.
  std::string parse_template_seq(Expr& t, const TemplateMode& m, bool trim_first = false) {
    Depth d(*this);
    std::string lit;
    size_t lit_begin = i_;
    bool trim_next = trim_first;
    for (;;) {
      if (at_template_end(m)) {
        if (m.quoted && eof()) fail("unterminated string");
        add_literal(t, lit, lit_begin, trim_next);
        return {};
      }
      char c = s_[i_];
      if (!m.quoted && m.indent > 0 && (i_ == m.content_begin || s_[i_ - 1] == '\n')) {
        size_t k = 0;
        while (k < m.indent && i_ < m.end && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_, ++k;
        if (at_template_end(m)) continue;
        c = s_[i_];
      }
      if ((c == '$' || c == '%') && peek(1) == c && peek(2) == '{') {
        lit += c;
        lit += '{';
        i_ += 3;
        continue;
      }
      if (c == '$' && peek(1) == '{') {
        i_ += 2;
        bool strip_before = peek() == '~';
        if (strip_before) {
          ++i_;
          while (!lit.empty() && std::isspace(static_cast<unsigned char>(lit.back()))) lit.pop_back();
        }
        add_literal(t, lit, lit_begin, trim_next);
        if (strip_before) trim_previous(t);
        ExprPtr inner;
        {
          NewlineMode nl(*this, true);
          inner = parse_expr();
          ws();
        }
        bool strip = false;
        if (peek() == '~') {
          ++i_;
          strip = true;
        }
        if (peek() != '}') fail("expected '}' to close the interpolation, found " + describe_here());
        ++i_;
        t.kids.push_back(std::move(inner));
        trim_next = strip;
        lit_begin = i_;
        continue;
      }
      if (c == '%' && peek(1) == '{') {
        bool strip_before = peek(2) == '~';
        if (strip_before)
          while (!lit.empty() && std::isspace(static_cast<unsigned char>(lit.back()))) lit.pop_back();
        add_literal(t, lit, lit_begin, trim_next);
        if (strip_before) trim_previous(t);
        size_t db = i_;
        i_ += strip_before ? 3 : 2;
        NewlineMode nl(*this, true);
        ws();
        std::string kw = read_ident();
        if (kw == "if") {
          auto e = make(Expr::Kind::kTemplateIf, db);
          e->kids.push_back(parse_expr());
          bool trim_body = close_directive();
          auto then_t = make(Expr::Kind::kTemplate, i_);
          std::string stop = parse_template_seq(*then_t, m, trim_body);
          e->kids.push_back(std::move(then_t));
          if (stop == "else") {
            auto else_t = make(Expr::Kind::kTemplate, i_);
            stop = parse_template_seq(*else_t, m, last_directive_strip_);
            e->kids.push_back(std::move(else_t));
          }
          if (stop != "endif") fail("expected %{endif} for the %{if} at line " + std::to_string(e->pos.line));
          trim_next = last_directive_strip_;
          finish(*e);
          t.kids.push_back(std::move(e));
        } else if (kw == "for") {
          auto e = make(Expr::Kind::kTemplateFor, db);
          ws();
          std::string first = read_ident();
          if (first.empty()) fail("expected a variable name after %{for");
          ws();
          if (peek() == ',') {
            ++i_;
            ws();
            e->name2 = std::move(first);
            e->name = read_ident();
            if (e->name.empty()) fail("expected a variable name after ','");
            ws();
          } else {
            e->name = std::move(first);
          }
          if (read_ident() != "in") fail("expected 'in' in %{for}");
          e->kids.push_back(parse_expr());
          bool trim_body = close_directive();
          auto body = make(Expr::Kind::kTemplate, i_);
          std::string stop = parse_template_seq(*body, m, trim_body);
          if (stop != "endfor") fail("expected %{endfor} for the %{for} at line " + std::to_string(e->pos.line));
          e->kids.push_back(std::move(body));
          trim_next = last_directive_strip_;
          finish(*e);
          t.kids.push_back(std::move(e));
        } else if (kw == "else" || kw == "endif" || kw == "endfor") {
          last_directive_strip_ = close_directive();
          return kw;
        } else {
          fail("unknown template directive %{" + kw + "}");
        }
        lit_begin = i_;
        continue;
      }
      if (m.quoted) {
        if (c == '\n') fail("unterminated string (a quoted string cannot span lines)");
        if (c == '\\') {
          char n = peek(1);
          i_ += 2;
          switch (n) {
            case 'n': lit += '\n'; break;
            case 'r': lit += '\r'; break;
            case 't': lit += '\t'; break;
            case '"': lit += '"'; break;
            case '\\': lit += '\\'; break;
            case 'u':
            case 'U': {
              size_t digits = n == 'u' ? 4 : 8;
              if (i_ + digits > s_.size()) fail("incomplete unicode escape");
              uint32_t cp = 0;
              for (size_t k = 0; k < digits; ++k) {
                char h = s_[i_ + k];
                if (!std::isxdigit(static_cast<unsigned char>(h))) fail("invalid unicode escape");
                cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
              }
              if (cp > 0x10FFFF) fail("unicode escape out of range");
              i_ += digits;
              append_utf8(lit, cp);
              break;
            }
            default:
              i_ -= 2;
              fail("invalid escape sequence in string");
          }
          continue;
        }
      }
      lit += c;
      ++i_;
    }
  }

  bool last_directive_strip_ = false;

  // After a directive's keyword and arguments: optional '~', then '}'.
  // Returns whether the following literal is to be trimmed.
  bool close_directive() {
    ws();
    bool strip = false;
    if (peek() == '~') {
      ++i_;
      strip = true;
    }
    if (peek() != '}') fail("expected '}' to close the template directive, found " + describe_here());
    ++i_;
    return strip;
  }

  ExprPtr parse_heredoc() {
    size_t begin = i_;
    i_ += 2;
    bool flush = false;
    if (peek() == '-') {
      flush = true;
      ++i_;
    }
    if (!is_ident_start(static_cast<unsigned char>(peek()))) fail("expected a heredoc marker after '<<'");
    std::string marker = read_ident();
    while (peek() == ' ' || peek() == '\t' || peek() == '\r') ++i_;
    if (peek() != '\n') fail("expected a newline after the heredoc marker " + marker);
    ++i_;
    size_t content = i_;
    size_t line = content;
    size_t content_end = std::string::npos, after = 0;
    while (line <= s_.size()) {
      size_t nl = s_.find('\n', line);
      size_t line_end = nl == std::string::npos ? s_.size() : nl;
      size_t k = line;
      while (k < line_end && (s_[k] == ' ' || s_[k] == '\t')) ++k;
      size_t e = line_end;
      while (e > k && (s_[e - 1] == '\r' || s_[e - 1] == ' ' || s_[e - 1] == '\t')) --e;
      if (s_.compare(k, e - k, marker) == 0 && e - k == marker.size()) {
        content_end = line;
        after = e;
        break;
      }
      if (nl == std::string::npos) break;
      line = nl + 1;
    }
    if (content_end == std::string::npos) {
      i_ = begin;
      fail("heredoc " + marker + " has no closing marker");
    }
    size_t indent = 0;
    if (flush) {
      indent = std::string::npos;
      size_t l = content;
      while (l < content_end) {
        size_t nl = s_.find('\n', l);
        size_t le = std::min(nl == std::string::npos ? s_.size() : nl, content_end);
        size_t k = l;
        while (k < le && (s_[k] == ' ' || s_[k] == '\t')) ++k;
        bool blank = true;
        for (size_t q = k; q < le; ++q)
          if (s_[q] != '\r') blank = false;
        if (!blank) indent = std::min(indent, k - l);
        l = le + 1;
      }
      if (indent == std::string::npos) indent = 0;
    }
    TemplateMode m{false, content_end, indent, content};
    auto t = make(Expr::Kind::kTemplate, begin);
    {
      NewlineMode nl(*this, true);
      std::string stop = parse_template_seq(*t, m);
      if (!stop.empty()) fail("%{" + stop + "} without a matching %{if} or %{for}");
    }
    if (i_ != content_end) fail("heredoc " + marker + ": an interpolation runs past the closing marker");
    i_ = after;
    finish(*t);
    return simplify(std::move(t));
  }
};

}  // namespace

File parse(std::string text, const std::string& path, std::vector<Diagnostic>& diags, const ParseLimits& limits) {
  File f;
  f.path = path;
  f.text = std::move(text);
  if (f.text.size() > limits.max_bytes) {
    diags.push_back(make_warning(path, 0, "HCL file of " + std::to_string(f.text.size()) + " bytes is over the limit of " +
                                              std::to_string(limits.max_bytes) + "; not read"));
    f.ok = false;
    return f;
  }
  Parser p(f.text, limits);
  try {
    p.parse_file(f.body);
  } catch (const SyntaxError& e) {
    SourcePos pos = p.pos_at(std::min(e.offset, f.text.size()));
    diags.push_back(make_warning(path, static_cast<int>(pos.line),
                                 "HCL syntax error at line " + std::to_string(pos.line) + ", column " +
                                     std::to_string(pos.column) + ": " + e.message));
    f.ok = false;
  }
  return f;
}

std::string expr_text(const File& file, const Expr& e, size_t max) {
  if (e.begin >= file.text.size() || e.end <= e.begin) return {};
  std::string_view v(file.text.data() + e.begin, std::min<size_t>(e.end, file.text.size()) - e.begin);
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
    if (out.size() >= max) {
      out += "...";
      break;
    }
  }
  return out;
}

}  // namespace bulwark::policy::hcl
