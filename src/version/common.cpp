// Helpers shared by the scheme files: errors, digit comparison, the generic
// comparator syntax, the Maven/NuGet interval syntax and range evaluation.
#include <string>

#include "version/scheme.hpp"

namespace bulwark::version::detail {

namespace {

// Printable form of outside text in messages: control bytes as \xNN, capped.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 300)) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  if (s.size() > 300) out += "...";
  return out;
}

}  // namespace

Error invalid_version(std::string_view scheme, std::string_view text, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "invalid " + std::string(scheme) + " version '" + shown(text) + "': " + std::string(why));
}

Error invalid_range(std::string_view scheme, std::string_view text, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "invalid " + std::string(scheme) + " range '" + shown(text) + "': " + std::string(why));
}

std::string_view strip_zeros(std::string_view d) {
  size_t i = 0;
  while (i + 1 < d.size() && d[i] == '0') ++i;
  return d.substr(i);
}

int compare_digits(std::string_view a, std::string_view b) {
  a = strip_zeros(a);
  b = strip_zeros(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return sign(a.compare(b));
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + sep.size();
  }
}

bool Parsed::test(Op op, const Parsed& bound) const {
  int c = compare(bound);
  switch (op) {
    case Op::kEq:
    case Op::kPrefixEq:
    case Op::kArbitraryEq:
      return c == 0;
    case Op::kNe:
    case Op::kPrefixNe:
      return c != 0;
    case Op::kLt: return c < 0;
    case Op::kLe: return c <= 0;
    case Op::kGt: return c > 0;
    case Op::kGe: return c >= 0;
  }
  return false;
}

bool RangeImpl::contains(const Parsed& v) const {
  for (const auto& all : alternatives) {
    bool ok = true;
    for (const auto& c : all) {
      if (!v.test(c.op, *c.bound)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (prerelease_rule && v.is_prerelease()) {
      bool allowed = false;
      for (const auto& c : all)
        if (c.bound->is_prerelease() && v.same_release(*c.bound)) allowed = true;
      if (!allowed) continue;
    }
    return true;
  }
  return false;
}

Result<RangePtr> parse_comparator_range(std::string_view scheme, std::string_view text, ParseFn parse) {
  auto impl = std::make_shared<RangeImpl>();
  for (std::string_view alt : split(text, "||")) {
    std::vector<Comparator> all;
    size_t i = 0;
    bool any_token = false;
    while (true) {
      while (i < alt.size() && (is_space(alt[i]) || alt[i] == ',')) ++i;
      if (i >= alt.size()) break;
      size_t op_start = i;
      while (i < alt.size() && (alt[i] == '<' || alt[i] == '>' || alt[i] == '=' || alt[i] == '!')) ++i;
      std::string_view op_text = alt.substr(op_start, i - op_start);
      while (i < alt.size() && is_space(alt[i])) ++i;
      size_t v_start = i;
      while (i < alt.size() && !is_space(alt[i]) && alt[i] != ',') ++i;
      std::string_view v_text = alt.substr(v_start, i - v_start);
      Op op;
      if (op_text.empty() || op_text == "=" || op_text == "==") op = Op::kEq;
      else if (op_text == "!=") op = Op::kNe;
      else if (op_text == "<" || op_text == "<<") op = Op::kLt;
      else if (op_text == "<=") op = Op::kLe;
      else if (op_text == ">" || op_text == ">>") op = Op::kGt;
      else if (op_text == ">=") op = Op::kGe;
      else return invalid_range(scheme, text, "unknown operator '" + std::string(op_text) + "'");
      if (v_text.empty())
        return invalid_range(scheme, text, "operator '" + std::string(op_text) + "' without a version");
      auto v = parse(v_text);
      if (!v) return v.error();
      all.push_back({op, *v});
      any_token = true;
    }
    if (!any_token) return invalid_range(scheme, text, "empty alternative");
    impl->alternatives.push_back(std::move(all));
  }
  return RangePtr(impl);
}

Result<RangePtr> parse_interval_range(std::string_view scheme, std::string_view text, ParseFn parse,
                                      bool allow_union) {
  auto impl = std::make_shared<RangeImpl>();
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  auto parse_bound = [&](std::string_view b) -> Result<ParsedPtr> {
    auto v = parse(trim(b));
    if (!v) return v.error();
    return *v;
  };
  while (true) {
    skip();
    if (i >= text.size()) break;
    if (!impl->alternatives.empty()) {
      if (!allow_union) return invalid_range(scheme, text, "only one interval is allowed");
      if (text[i] != ',') return invalid_range(scheme, text, "expected ',' between intervals at offset " + std::to_string(i));
      ++i;
      skip();
    }
    if (i >= text.size() || (text[i] != '[' && text[i] != '('))
      return invalid_range(scheme, text, "expected '[' or '(' at offset " + std::to_string(i));
    bool lower_inclusive = text[i] == '[';
    size_t close = text.find_first_of("])", i + 1);
    if (close == std::string_view::npos) return invalid_range(scheme, text, "unterminated interval");
    bool upper_inclusive = text[close] == ']';
    std::string_view body = text.substr(i + 1, close - i - 1);
    i = close + 1;
    std::vector<Comparator> all;
    size_t comma = body.find(',');
    if (comma == std::string_view::npos) {
      // "[1.0]" is exactly 1.0; "(1.0)" means nothing sensible.
      if (!lower_inclusive || !upper_inclusive)
        return invalid_range(scheme, text, "a single-version interval must be written [V]");
      auto v = parse_bound(body);
      if (!v) return v.error();
      all.push_back({Op::kEq, *v});
    } else {
      std::string_view lo = trim(body.substr(0, comma));
      std::string_view hi = trim(body.substr(comma + 1));
      if (hi.find(',') != std::string_view::npos) return invalid_range(scheme, text, "too many ',' in an interval");
      if (!lo.empty()) {
        auto v = parse_bound(lo);
        if (!v) return v.error();
        all.push_back({lower_inclusive ? Op::kGe : Op::kGt, *v});
      } else if (lower_inclusive) {
        return invalid_range(scheme, text, "an open lower bound must be written '('");
      }
      if (!hi.empty()) {
        auto v = parse_bound(hi);
        if (!v) return v.error();
        all.push_back({upper_inclusive ? Op::kLe : Op::kLt, *v});
      } else if (upper_inclusive) {
        return invalid_range(scheme, text, "an open upper bound must be written ')'");
      }
      if (all.size() == 2 && all[0].bound->compare(*all[1].bound) > 0)
        return invalid_range(scheme, text, "lower bound is above the upper bound");
    }
    impl->alternatives.push_back(std::move(all));
  }
  if (impl->alternatives.empty()) return invalid_range(scheme, text, "empty range");
  return RangePtr(impl);
}

}  // namespace bulwark::version::detail
