// Lexer and recursive-descent parser for the CEL grammar (cel-spec
// langdef.md, "Syntax"). Recursion is bounded by max_nesting and every node
// records its height, so no input can exhaust the stack here or in the
// passes that walk the tree later.
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "policy/cel/ast.hpp"

namespace bulwark::cel::detail {

namespace {

enum class Tok : uint8_t {
  kEof, kIdent, kQuotedIdent, kInt, kUint, kDouble, kString, kBytes,
  kTrue, kFalse, kNull, kIn,
  kLParen, kRParen, kLBracket, kRBracket, kLBrace, kRBrace,
  kDot, kComma, kColon, kQuestion,
  kPlus, kMinus, kStar, kSlash, kPercent, kBang,
  kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr,
};

struct Token {
  Tok kind = Tok::kEof;
  uint32_t offset = 0;
  uint64_t u = 0;    // integer literals (magnitude)
  double d = 0;      // double literals
  std::string text;  // identifiers, decoded strings and bytes
};

struct Failure {
  std::string message;
  uint32_t offset;
};

[[noreturn]] void fail(std::string message, size_t offset) { throw Failure{std::move(message), uint32_t(offset)}; }

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_reserved(std::string_view s) {
  static constexpr std::string_view kReserved[] = {"as", "break", "const", "continue", "else", "for", "function", "if",
                                                   "import", "let", "loop", "package", "namespace", "return", "var",
                                                   "void", "while"};
  for (auto r : kReserved)
    if (s == r) return true;
  return false;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      out.push_back(next());
      if (out.back().kind == Tok::kEof) return out;
    }
  }

 private:
  std::string_view s_;
  size_t i_ = 0;

  char at(size_t k) const { return k < s_.size() ? s_[k] : '\0'; }

  void skip_space() {
    for (;;) {
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\f'))
        ++i_;
      if (at(i_) == '/' && at(i_ + 1) == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        continue;
      }
      return;
    }
  }

  Token tok(Tok k, size_t start) {
    Token t;
    t.kind = k;
    t.offset = uint32_t(start);
    return t;
  }

  Token next() {
    skip_space();
    size_t start = i_;
    if (i_ >= s_.size()) return tok(Tok::kEof, start);
    char c = s_[i_];
    // String and bytes literals with their prefixes.
    if (c == '"' || c == '\'') return string_literal(start, false, false);
    if ((c == 'r' || c == 'R') && (at(i_ + 1) == '"' || at(i_ + 1) == '\'')) {
      ++i_;
      return string_literal(start, true, false);
    }
    if (c == 'b' || c == 'B') {
      char n = at(i_ + 1);
      if (n == '"' || n == '\'') {
        ++i_;
        return string_literal(start, false, true);
      }
      if ((n == 'r' || n == 'R') && (at(i_ + 2) == '"' || at(i_ + 2) == '\'')) {
        i_ += 2;
        return string_literal(start, true, true);
      }
    }
    if ((c == 'r' || c == 'R') && (at(i_ + 1) == 'b' || at(i_ + 1) == 'B') && (at(i_ + 2) == '"' || at(i_ + 2) == '\'')) {
      i_ += 2;
      return string_literal(start, true, true);
    }
    if (is_ident_start(c)) {
      while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
      std::string_view word = s_.substr(start, i_ - start);
      if (word == "true") return tok(Tok::kTrue, start);
      if (word == "false") return tok(Tok::kFalse, start);
      if (word == "null") return tok(Tok::kNull, start);
      if (word == "in") return tok(Tok::kIn, start);
      Token t = tok(Tok::kIdent, start);
      t.text = std::string(word);
      return t;
    }
    if (is_digit(c) || (c == '.' && is_digit(at(i_ + 1)))) return number(start);
    if (c == '`') {
      ++i_;
      while (i_ < s_.size() && s_[i_] != '`') {
        char q = s_[i_];
        if (!(is_ident_char(q) || q == '.' || q == '-' || q == '/' || q == ' '))
          fail("invalid character in quoted field name", i_);
        ++i_;
      }
      if (i_ >= s_.size()) fail("unterminated quoted field name", start);
      if (i_ == start + 1) fail("empty quoted field name", start);
      Token t = tok(Tok::kQuotedIdent, start);
      t.text = std::string(s_.substr(start + 1, i_ - start - 1));
      ++i_;
      return t;
    }
    ++i_;
    switch (c) {
      case '(': return tok(Tok::kLParen, start);
      case ')': return tok(Tok::kRParen, start);
      case '[': return tok(Tok::kLBracket, start);
      case ']': return tok(Tok::kRBracket, start);
      case '{': return tok(Tok::kLBrace, start);
      case '}': return tok(Tok::kRBrace, start);
      case '.': return tok(Tok::kDot, start);
      case ',': return tok(Tok::kComma, start);
      case ':': return tok(Tok::kColon, start);
      case '?': return tok(Tok::kQuestion, start);
      case '+': return tok(Tok::kPlus, start);
      case '-': return tok(Tok::kMinus, start);
      case '*': return tok(Tok::kStar, start);
      case '/': return tok(Tok::kSlash, start);
      case '%': return tok(Tok::kPercent, start);
      case '!':
        if (at(i_) == '=') {
          ++i_;
          return tok(Tok::kNe, start);
        }
        return tok(Tok::kBang, start);
      case '=':
        if (at(i_) == '=') {
          ++i_;
          return tok(Tok::kEq, start);
        }
        fail("unexpected '=' (equality is '==')", start);
      case '<':
        if (at(i_) == '=') {
          ++i_;
          return tok(Tok::kLe, start);
        }
        return tok(Tok::kLt, start);
      case '>':
        if (at(i_) == '=') {
          ++i_;
          return tok(Tok::kGe, start);
        }
        return tok(Tok::kGt, start);
      case '&':
        if (at(i_) == '&') {
          ++i_;
          return tok(Tok::kAnd, start);
        }
        fail("unexpected '&' (logical and is '&&')", start);
      case '|':
        if (at(i_) == '|') {
          ++i_;
          return tok(Tok::kOr, start);
        }
        fail("unexpected '|' (logical or is '||')", start);
      default: break;
    }
    if (static_cast<unsigned char>(c) >= 0x80) fail("unexpected character", start);
    fail(std::string("unexpected character '") + c + "'", start);
  }

  Token number(size_t start) {
    // Hexadecimal integers.
    if (s_[i_] == '0' && (at(i_ + 1) == 'x' || at(i_ + 1) == 'X')) {
      i_ += 2;
      size_t digits = i_;
      uint64_t v = 0;
      while (hex_value(at(i_)) >= 0) {
        if (v > (std::numeric_limits<uint64_t>::max() >> 4)) fail("integer literal out of range", start);
        v = (v << 4) | uint64_t(hex_value(s_[i_]));
        ++i_;
      }
      if (i_ == digits) fail("hexadecimal literal without digits", start);
      return int_suffix(start, v);
    }
    size_t int_end = i_;
    while (is_digit(at(int_end))) ++int_end;
    bool is_float = false;
    size_t end = int_end;
    if (at(end) == '.' && is_digit(at(end + 1))) {
      is_float = true;
      ++end;
      while (is_digit(at(end))) ++end;
    }
    if (at(end) == 'e' || at(end) == 'E') {
      size_t e = end + 1;
      if (at(e) == '+' || at(e) == '-') ++e;
      if (is_digit(at(e))) {
        is_float = true;
        while (is_digit(at(e))) ++e;
        end = e;
      } else if (is_float || int_end > i_) {
        fail("malformed exponent", end);
      }
    }
    if (is_float) {
      std::string_view lit = s_.substr(i_, end - i_);
      Token t = tok(Tok::kDouble, start);
      auto r = std::from_chars(lit.data(), lit.data() + lit.size(), t.d);
      if (r.ec == std::errc::result_out_of_range) {
        // Too large is infinity, too small is zero, as strtod has it.
        size_t epos = lit.find_first_of("eE");
        bool neg_exp = epos != std::string_view::npos && epos + 1 < lit.size() && lit[epos + 1] == '-';
        t.d = neg_exp ? 0.0 : std::numeric_limits<double>::infinity();
      } else if (r.ec != std::errc() || r.ptr != lit.data() + lit.size()) {
        fail("malformed floating-point literal", start);
      }
      i_ = end;
      return t;
    }
    uint64_t v = 0;
    for (; i_ < int_end; ++i_) {
      uint64_t digit = uint64_t(s_[i_] - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) fail("integer literal out of range", start);
      v = v * 10 + digit;
    }
    return int_suffix(start, v);
  }

  Token int_suffix(size_t start, uint64_t v) {
    Token t = tok(Tok::kInt, start);
    t.u = v;
    if (at(i_) == 'u' || at(i_) == 'U') {
      ++i_;
      t.kind = Tok::kUint;
    }
    if (is_ident_char(at(i_)) || (at(i_) == '.' && is_digit(at(i_ + 1)))) fail("malformed number", start);
    return t;
  }

  // At the opening quote; the prefix (r, b) has been consumed.
  Token string_literal(size_t start, bool raw, bool bytes) {
    char q = s_[i_];
    bool triple = at(i_ + 1) == q && at(i_ + 2) == q;
    i_ += triple ? 3 : 1;
    Token t = tok(bytes ? Tok::kBytes : Tok::kString, start);
    std::string& out = t.text;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string literal", start);
      char c = s_[i_];
      if (c == q && (!triple || (at(i_ + 1) == q && at(i_ + 2) == q))) {
        i_ += triple ? 3 : 1;
        return t;
      }
      if (!triple && (c == '\n' || c == '\r')) fail("newline in string literal (use a triple-quoted string)", i_);
      if (c != '\\' || raw) {
        out += c;
        ++i_;
        continue;
      }
      escape(out, bytes);
    }
  }

  void escape(std::string& out, bool bytes) {
    size_t at_escape = i_;
    ++i_;  // the backslash
    if (i_ >= s_.size()) fail("unterminated escape sequence", at_escape);
    char c = s_[i_++];
    switch (c) {
      case 'a': out += '\a'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'v': out += '\v'; return;
      case '\\': case '?': case '"': case '\'': case '`': out += c; return;
      case 'x': case 'X': {
        int h1 = hex_value(at(i_)), h2 = hex_value(at(i_ + 1));
        if (h1 < 0 || h2 < 0) fail("invalid \\x escape (two hexadecimal digits expected)", at_escape);
        i_ += 2;
        unsigned v = unsigned(h1 * 16 + h2);
        if (bytes)
          out += char(v);
        else
          append_utf8(out, v);
        return;
      }
      case 'u': case 'U': {
        int n = c == 'u' ? 4 : 8;
        if (c == 'U' && bytes) fail("\\U escapes are not allowed in bytes literals", at_escape);
        uint32_t v = 0;
        for (int k = 0; k < n; ++k) {
          int h = hex_value(at(i_));
          if (h < 0) fail(std::string("invalid \\") + c + " escape (" + std::to_string(n) + " hexadecimal digits expected)", at_escape);
          v = v * 16 + uint32_t(h);
          ++i_;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) fail("invalid Unicode code point in escape", at_escape);
        append_utf8(out, v);
        return;
      }
      case '0': case '1': case '2': case '3': {
        int o1 = at(i_) - '0', o2 = at(i_ + 1) - '0';
        if (o1 < 0 || o1 > 7 || o2 < 0 || o2 > 7) fail("invalid octal escape (three octal digits expected)", at_escape);
        i_ += 2;
        unsigned v = unsigned((c - '0') * 64 + o1 * 8 + o2);
        if (bytes)
          out += char(v);
        else
          append_utf8(out, v);
        return;
      }
      default: fail(std::string("invalid escape sequence '\\") + c + "'", at_escape);
    }
  }
};

class Parser {
 public:
  Parser(std::vector<Token> toks, Arena& arena, int max_nesting)
      : t_(std::move(toks)), arena_(arena), max_nesting_(uint32_t(max_nesting)) {}

  Expr* run() {
    Expr* e = expr();
    if (peek().kind != Tok::kEof) fail("unexpected " + describe(peek()) + " after the end of the expression", peek().offset);
    return e;
  }

 private:
  std::vector<Token> t_;
  size_t p_ = 0;
  Arena& arena_;
  uint32_t max_nesting_;
  uint32_t depth_ = 0;

  const Token& peek(size_t k = 0) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
  const Token& take() {
    const Token& t = t_[p_];
    if (p_ + 1 < t_.size()) ++p_;
    return t;
  }
  bool accept(Tok k) {
    if (peek().kind != k) return false;
    take();
    return true;
  }
  void expect(Tok k, const char* what) {
    if (!accept(k)) fail(std::string("expected ") + what + ", found " + describe(peek()), peek().offset);
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEof: return "end of expression";
      case Tok::kIdent: return "'" + t.text + "'";
      case Tok::kQuotedIdent: return "quoted field name";
      case Tok::kInt: case Tok::kUint: case Tok::kDouble: return "number";
      case Tok::kString: return "string";
      case Tok::kBytes: return "bytes";
      case Tok::kTrue: return "'true'";
      case Tok::kFalse: return "'false'";
      case Tok::kNull: return "'null'";
      case Tok::kIn: return "'in'";
      case Tok::kLParen: return "'('";
      case Tok::kRParen: return "')'";
      case Tok::kLBracket: return "'['";
      case Tok::kRBracket: return "']'";
      case Tok::kLBrace: return "'{'";
      case Tok::kRBrace: return "'}'";
      case Tok::kDot: return "'.'";
      case Tok::kComma: return "','";
      case Tok::kColon: return "':'";
      case Tok::kQuestion: return "'?'";
      case Tok::kPlus: return "'+'";
      case Tok::kMinus: return "'-'";
      case Tok::kStar: return "'*'";
      case Tok::kSlash: return "'/'";
      case Tok::kPercent: return "'%'";
      case Tok::kBang: return "'!'";
      case Tok::kEq: return "'=='";
      case Tok::kNe: return "'!='";
      case Tok::kLt: return "'<'";
      case Tok::kLe: return "'<='";
      case Tok::kGt: return "'>'";
      case Tok::kGe: return "'>='";
      case Tok::kAnd: return "'&&'";
      case Tok::kOr: return "'||'";
    }
    return "token";
  }

  Expr* node(Op op, uint32_t offset, std::initializer_list<Expr*> args = {}) {
    Expr* e = arena_.make(op, offset);
    e->args.assign(args.begin(), args.end());
    seal(e);
    return e;
  }
  // Records the height once the children are in place.
  void seal(Expr* e) {
    uint32_t h = 0;
    for (Expr* a : e->args) h = std::max(h, a->height);
    e->height = h + 1;
    if (e->height > max_nesting_)
      fail("expression nested too deeply (more than " + std::to_string(max_nesting_) + " levels)", e->offset);
  }

  struct Depth {
    explicit Depth(Parser& p) : p(p) {
      if (++p.depth_ > p.max_nesting_)
        fail("expression nested too deeply (more than " + std::to_string(p.max_nesting_) + " levels)", p.peek().offset);
    }
    ~Depth() { --p.depth_; }
    Parser& p;
  };

  // Expr = ConditionalOr ["?" ConditionalOr ":" Expr]
  Expr* expr() {
    Depth d(*this);
    Expr* c = logical(Tok::kOr);
    if (peek().kind != Tok::kQuestion) return c;
    uint32_t at = take().offset;
    Expr* t = logical(Tok::kOr);
    expect(Tok::kColon, "':' of the conditional");
    Expr* f = expr();
    return node(Op::kCond, at, {c, t, f});
  }

  // `a || b || c` and `a && b && c` become one n-ary node each.
  Expr* logical(Tok op) {
    Expr* first = op == Tok::kOr ? logical(Tok::kAnd) : relation();
    if (peek().kind != op) return first;
    Expr* e = arena_.make(op == Tok::kOr ? Op::kOr : Op::kAnd, peek().offset);
    e->args.push_back(first);
    while (accept(op)) e->args.push_back(op == Tok::kOr ? logical(Tok::kAnd) : relation());
    seal(e);
    return e;
  }

  Expr* relation() {
    Expr* left = addition();
    for (;;) {
      BinOp b;
      switch (peek().kind) {
        case Tok::kEq: b = BinOp::kEq; break;
        case Tok::kNe: b = BinOp::kNe; break;
        case Tok::kLt: b = BinOp::kLt; break;
        case Tok::kLe: b = BinOp::kLe; break;
        case Tok::kGt: b = BinOp::kGt; break;
        case Tok::kGe: b = BinOp::kGe; break;
        case Tok::kIn: b = BinOp::kIn; break;
        default: return left;
      }
      uint32_t at = take().offset;
      Expr* right = addition();
      left = binary(b, at, left, right);
    }
  }

  Expr* binary(BinOp b, uint32_t at, Expr* l, Expr* r) {
    Expr* e = node(Op::kBinary, at, {l, r});
    e->binop = b;
    return e;
  }

  Expr* addition() {
    Expr* left = multiplication();
    for (;;) {
      BinOp b;
      if (peek().kind == Tok::kPlus)
        b = BinOp::kAdd;
      else if (peek().kind == Tok::kMinus)
        b = BinOp::kSub;
      else
        return left;
      uint32_t at = take().offset;
      left = binary(b, at, left, multiplication());
    }
  }

  Expr* multiplication() {
    Expr* left = unary();
    for (;;) {
      BinOp b;
      switch (peek().kind) {
        case Tok::kStar: b = BinOp::kMul; break;
        case Tok::kSlash: b = BinOp::kDiv; break;
        case Tok::kPercent: b = BinOp::kMod; break;
        default: return left;
      }
      uint32_t at = take().offset;
      left = binary(b, at, left, unary());
    }
  }

  Expr* unary() {
    if (peek().kind == Tok::kBang) {
      std::vector<uint32_t> bangs;
      while (peek().kind == Tok::kBang) bangs.push_back(take().offset);
      Expr* e = member();
      for (size_t k = bangs.size(); k-- > 0;) e = node(Op::kNot, bangs[k], {e});
      return e;
    }
    if (peek().kind == Tok::kMinus) {
      std::vector<uint32_t> minus;
      while (peek().kind == Tok::kMinus) minus.push_back(take().offset);
      Expr* e;
      // The innermost minus belongs to a number literal that is not
      // followed by a member suffix: -9223372036854775808 is an int.
      Tok next = peek(1).kind;
      bool suffix = next == Tok::kDot || next == Tok::kLBracket;
      if (!suffix && (peek().kind == Tok::kInt || peek().kind == Tok::kDouble)) {
        const Token& lit = take();
        e = arena_.make(Op::kConst, minus.back());
        if (lit.kind == Tok::kDouble) {
          e->constant = Value::real(-lit.d);
        } else {
          if (lit.u > uint64_t(std::numeric_limits<int64_t>::max()) + 1) fail("integer literal out of range", lit.offset);
          e->constant = Value::integer(lit.u == uint64_t(std::numeric_limits<int64_t>::max()) + 1
                                           ? std::numeric_limits<int64_t>::min()
                                           : -int64_t(lit.u));
        }
        seal(e);
        minus.pop_back();
      } else {
        e = member();
      }
      for (size_t k = minus.size(); k-- > 0;) e = node(Op::kNeg, minus[k], {e});
      return e;
    }
    return member();
  }

  std::vector<Expr*> call_args(Tok close) {
    std::vector<Expr*> args;
    if (accept(close)) return args;
    for (;;) {
      args.push_back(expr());
      if (accept(close)) return args;
      expect(Tok::kComma, close == Tok::kRParen ? "',' or ')'" : "',' or ']'");
    }
  }

  std::string field_name(const char* after) {
    const Token& t = peek();
    if (t.kind == Tok::kIdent || t.kind == Tok::kQuotedIdent) return take().text;
    // Keywords cannot be field names; reserved words can.
    fail(std::string("expected a field name after ") + after + ", found " + describe(t), t.offset);
  }

  Expr* member() {
    Expr* e = primary();
    for (;;) {
      Tok k = peek().kind;
      if (k == Tok::kDot) {
        take();
        // `x.?f` selects optionally (CEL's optional syntax).
        bool opt = accept(Tok::kQuestion);
        uint32_t at = peek().offset;  // errors point at the field or method name
        bool quoted = peek().kind == Tok::kQuotedIdent;
        std::string name = field_name(opt ? "'.?'" : "'.'");
        if (!opt && !quoted && peek().kind == Tok::kLParen) {
          take();
          Expr* call = arena_.make(Op::kRawCall, at);
          call->name = std::move(name);
          call->receiver = true;
          call->args.push_back(e);
          for (Expr* a : call_args(Tok::kRParen)) call->args.push_back(a);
          seal(call);
          e = call;
          continue;
        }
        Expr* sel = node(Op::kSelect, at, {e});
        sel->name = std::move(name);
        sel->optional = opt;
        e = sel;
      } else if (k == Tok::kLBracket) {
        uint32_t at = take().offset;
        bool opt = accept(Tok::kQuestion);
        Expr* index = expr();
        expect(Tok::kRBracket, "']'");
        Expr* ix = node(Op::kIndex, at, {e, index});
        ix->optional = opt;
        e = ix;
      } else if (k == Tok::kLBrace && (e->op == Op::kIdent || e->op == Op::kSelect)) {
        fail("message construction (Type{field: value}) is not supported", peek().offset);
      } else {
        return e;
      }
    }
  }

  Expr* primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kInt: {
        take();
        if (t.u > uint64_t(std::numeric_limits<int64_t>::max())) fail("integer literal out of range", t.offset);
        return constant(Value::integer(int64_t(t.u)), t.offset);
      }
      case Tok::kUint: take(); return constant(Value::uinteger(t.u), t.offset);
      case Tok::kDouble: take(); return constant(Value::real(t.d), t.offset);
      case Tok::kString: take(); return constant(Value::string(t.text), t.offset);
      case Tok::kBytes: take(); return constant(Value::bytes(t.text), t.offset);
      case Tok::kTrue: take(); return constant(Value::boolean(true), t.offset);
      case Tok::kFalse: take(); return constant(Value::boolean(false), t.offset);
      case Tok::kNull: take(); return constant(Value(), t.offset);
      case Tok::kDot:
      case Tok::kIdent: {
        bool dot = t.kind == Tok::kDot;
        uint32_t at = t.offset;
        if (dot) take();
        const Token& id = peek();
        if (id.kind != Tok::kIdent) fail("expected an identifier, found " + describe(id), id.offset);
        take();
        if (is_reserved(id.text)) fail("reserved identifier '" + id.text + "'", id.offset);
        if (peek().kind == Tok::kLParen) {
          take();
          Expr* call = arena_.make(Op::kRawCall, id.offset);
          call->name = id.text;
          call->leading_dot = dot;
          call->args = call_args(Tok::kRParen);
          seal(call);
          return call;
        }
        Expr* e = node(Op::kIdent, dot ? at : id.offset);
        e->name = id.text;
        e->leading_dot = dot;
        return e;
      }
      case Tok::kLParen: {
        take();
        Expr* e = expr();
        expect(Tok::kRParen, "')'");
        return e;
      }
      case Tok::kLBracket: {
        take();
        Expr* e = arena_.make(Op::kList, t.offset);
        while (peek().kind != Tok::kRBracket) {
          bool opt = accept(Tok::kQuestion);
          e->args.push_back(expr());
          e->optional_items.push_back(opt);
          if (!accept(Tok::kComma)) break;
        }
        expect(Tok::kRBracket, "',' or ']'");
        seal(e);
        return e;
      }
      case Tok::kLBrace: {
        take();
        Expr* e = arena_.make(Op::kMap, t.offset);
        while (peek().kind != Tok::kRBrace) {
          bool opt = accept(Tok::kQuestion);
          e->args.push_back(expr());
          expect(Tok::kColon, "':' after a map key");
          e->args.push_back(expr());
          e->optional_items.push_back(opt);
          if (!accept(Tok::kComma)) break;
        }
        expect(Tok::kRBrace, "',' or '}'");
        seal(e);
        return e;
      }
      case Tok::kEof: fail("unexpected end of expression", t.offset);
      default: fail("unexpected " + describe(t), t.offset);
    }
  }

  Expr* constant(Value v, uint32_t offset) {
    Expr* e = node(Op::kConst, offset);
    e->constant = std::move(v);
    return e;
  }
};

}  // namespace

Expr* parse(std::string_view text, Arena& arena, int max_nesting, ParseError& error) {
  try {
    Lexer lexer(text);
    Parser parser(lexer.run(), arena, max_nesting);
    return parser.run();
  } catch (const Failure& f) {
    error.message = f.message;
    error.offset = f.offset;
    return nullptr;
  }
}

}  // namespace bulwark::cel::detail
