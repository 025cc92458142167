// Static evaluation of HCL expressions (see eval.hpp). Errors (a missing
// attribute, a wrong argument) are values too, so that try() and can() work as
// in Terraform; the caller shows them as unknowns, never as findings.
#include "policy/misconfig/hcl/eval.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/core.hpp"

namespace bulwark::policy::hcl {

namespace {
constexpr size_t kMaxString = 4u << 20;  // one string built by a function or template
constexpr double kMaxRange = 100000;     // elements range() may create
}  // namespace

// ---- values --------------------------------------------------------------------

Val Val::boolean(bool v) {
  Val x;
  x.k = K::kBool;
  x.b = v;
  return x;
}
Val Val::number(double v) {
  Val x;
  x.k = K::kNum;
  x.n = v;
  return x;
}
Val Val::string(std::string v) {
  Val x;
  x.k = K::kStr;
  x.s = std::move(v);
  return x;
}
Val Val::list_of(std::vector<Val> items) {
  Val x;
  x.k = K::kList;
  for (const auto& v : items) {
    x.size = std::min<uint64_t>(x.size + v.size, uint64_t{1} << 62);
    x.any_unknown = x.any_unknown || v.any_unknown;
  }
  x.list = std::make_shared<const std::vector<Val>>(std::move(items));
  return x;
}
Val Val::map_of(std::vector<Member> members) {
  Val x;
  x.k = K::kMap;
  for (const auto& m : members) {
    x.size = std::min<uint64_t>(x.size + m.v.size, uint64_t{1} << 62);
    x.any_unknown = x.any_unknown || m.v.any_unknown;
  }
  x.map = std::make_shared<const std::vector<Member>>(std::move(members));
  return x;
}
Val Val::unknown(std::string text, std::vector<Ref> refs) {
  Val x;
  x.k = K::kUnknown;
  x.any_unknown = true;
  x.s = std::move(text);
  if (!refs.empty()) x.refs = std::make_shared<const std::vector<Ref>>(std::move(refs));
  return x;
}
Val Val::error(std::string message) {
  Val x;
  x.k = K::kError;
  x.s = std::move(message);
  return x;
}

const std::vector<Val>& Val::items() const {
  static const std::vector<Val> empty;
  return list ? *list : empty;
}
const std::vector<Member>& Val::members() const {
  static const std::vector<Member> empty;
  return map ? *map : empty;
}
const Val* Val::get(std::string_view key) const {
  if (!map) return nullptr;
  const Val* found = nullptr;
  for (const auto& m : *map)
    if (m.key == key) found = &m.v;
  return found;
}
bool Val::has_unknown() const { return any_unknown; }

std::string number_text(double n) {
  if (std::isnan(n)) return "NaN";
  if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n == std::floor(n) && std::fabs(n) < 1e15) return std::to_string(static_cast<long long>(n));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  return std::string(buf, r.ptr);
}

std::string Step::text() const {
  if (attr) return "." + name;
  if (key.k == Val::K::kNum) return "[" + number_text(key.n) + "]";
  if (key.k == Val::K::kStr) return "[" + nlohmann::json(key.s).dump() + "]";
  if (key.k == Val::K::kUnknown) return "[" + key.s + "]";
  return "[?]";
}

bool equal(const Val& a, const Val& b) {
  if (a.k != b.k) return false;
  switch (a.k) {
    case Val::K::kNull: return true;
    case Val::K::kBool: return a.b == b.b;
    case Val::K::kNum: return a.n == b.n;
    case Val::K::kStr: return a.s == b.s;
    case Val::K::kList: {
      const auto &x = a.items(), &y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i])) return false;
      return true;
    }
    case Val::K::kMap: {
      const auto &x = a.members(), &y = b.members();
      if (x.size() != y.size()) return false;
      for (const auto& m : x) {
        const Val* o = b.get(m.key);
        if (!o || !equal(m.v, *o)) return false;
      }
      return true;
    }
    default: return false;
  }
}

namespace {

void collect_refs(const Val& v, std::vector<Ref>& out) {
  if (v.k == Val::K::kUnknown) {
    if (v.refs)
      for (const auto& r : *v.refs)
        if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  } else if (v.k == Val::K::kList) {
    for (const auto& x : v.items()) collect_refs(x, out);
  } else if (v.k == Val::K::kMap) {
    for (const auto& m : v.members()) collect_refs(m.v, out);
  }
}

const char* type_name(const Val& v) {
  switch (v.k) {
    case Val::K::kNull: return "null";
    case Val::K::kBool: return "bool";
    case Val::K::kNum: return "number";
    case Val::K::kStr: return "string";
    case Val::K::kList: return "list";
    case Val::K::kMap: return "object";
    case Val::K::kUnknown: return "unknown";
    case Val::K::kError: return "error";
  }
  return "?";
}

// Terraform converts between primitive types where the target type asks.
std::optional<std::string> as_string(const Val& v) {
  if (v.k == Val::K::kStr) return v.s;
  if (v.k == Val::K::kNum) return number_text(v.n);
  if (v.k == Val::K::kBool) return std::string(v.b ? "true" : "false");
  return std::nullopt;
}
std::optional<double> as_number(const Val& v) {
  if (v.k == Val::K::kNum) return v.n;
  if (v.k == Val::K::kStr) {
    std::string_view s = v.s;
    if (s.empty()) return std::nullopt;
    double d = 0;
    const char* b = s.data();
    if (*b == '+') ++b;
    auto r = std::from_chars(b, s.data() + s.size(), d);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    return d;
  }
  return std::nullopt;
}
std::optional<bool> as_bool(const Val& v) {
  if (v.k == Val::K::kBool) return v.b;
  if (v.k == Val::K::kStr) {
    if (v.s == "true") return true;
    if (v.s == "false") return false;
  }
  return std::nullopt;
}

void json_escape(std::string& out, const std::string& s) { out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

void write_json(const Val& v, std::string& out, int depth) {
  if (depth > 256 || out.size() > kMaxString) {
    out += "null";
    return;
  }
  switch (v.k) {
    case Val::K::kNull: out += "null"; break;
    case Val::K::kBool: out += v.b ? "true" : "false"; break;
    case Val::K::kNum: out += std::isfinite(v.n) ? number_text(v.n) : "null"; break;
    case Val::K::kStr: json_escape(out, v.s); break;
    case Val::K::kUnknown: json_escape(out, v.b ? v.s : "${" + v.s + "}"); break;
    case Val::K::kError: out += "null"; break;
    case Val::K::kList: {
      out += '[';
      bool first = true;
      for (const auto& x : v.items()) {
        if (!first) out += ',';
        first = false;
        write_json(x, out, depth + 1);
      }
      out += ']';
      break;
    }
    case Val::K::kMap: {
      std::map<std::string, const Val*> sorted;
      for (const auto& m : v.members()) sorted[m.key] = &m.v;
      out += '{';
      bool first = true;
      for (const auto& [k, x] : sorted) {
        if (!first) out += ',';
        first = false;
        json_escape(out, k);
        out += ':';
        write_json(*x, out, depth + 1);
      }
      out += '}';
      break;
    }
  }
}

Val from_json(const nlohmann::json& j, int depth) {
  if (depth > 256) return Val::error("JSON nested too deeply");
  if (j.is_null()) return Val::null();
  if (j.is_boolean()) return Val::boolean(j.get<bool>());
  if (j.is_number()) return Val::number(j.get<double>());
  if (j.is_string()) return Val::string(j.get<std::string>());
  if (j.is_array()) {
    std::vector<Val> items;
    for (const auto& x : j) items.push_back(from_json(x, depth + 1));
    return Val::list_of(std::move(items));
  }
  std::vector<Member> members;
  for (auto it = j.begin(); it != j.end(); ++it) members.push_back(Member{it.key(), {}, from_json(it.value(), depth + 1)});
  return Val::map_of(std::move(members));
}

std::string base64_encode(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += tbl[n >> 18], out += tbl[(n >> 12) & 63], out += tbl[(n >> 6) & 63], out += tbl[n & 63];
    i += 3;
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += tbl[n >> 18], out += tbl[(n >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += tbl[n >> 18], out += tbl[(n >> 12) & 63], out += tbl[(n >> 6) & 63], out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') break;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// Terraform's format verbs: %s %d %f %t %v %q %%, with flags, width and precision.
Val format_string(const std::string& fmt, std::span<const Val> args) {
  std::string out;
  size_t argi = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    size_t j = i + 1;
    std::string spec = "%";
    while (j < fmt.size() && std::strchr("+- #0", fmt[j])) spec += fmt[j++];
    int width = 0, prec = -1;
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) width = std::min(width * 10 + (fmt[j++] - '0'), 1000);
    if (j < fmt.size() && fmt[j] == '.') {
      ++j;
      prec = 0;
      while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) prec = std::min(prec * 10 + (fmt[j++] - '0'), 100);
    }
    if (j >= fmt.size()) return Val::error("format: incomplete verb");
    char verb = fmt[j];
    i = j;
    if (argi >= args.size()) return Val::error("format: not enough arguments");
    const Val& a = args[argi++];
    std::string piece;
    switch (verb) {
      case 's':
      case 'v': {
        auto s = as_string(a);
        if (!s) {
          if (verb == 'v') {
            write_json(a, piece, 0);
          } else {
            return Val::error("format: %s needs a string");
          }
        } else {
          piece = *s;
        }
        if (prec >= 0 && piece.size() > static_cast<size_t>(prec)) piece.resize(static_cast<size_t>(prec));
        break;
      }
      case 'q': {
        auto s = as_string(a);
        if (!s) return Val::error("format: %q needs a string");
        json_escape(piece, *s);
        break;
      }
      case 'd': {
        auto n = as_number(a);
        if (!n || *n != std::floor(*n)) return Val::error("format: %d needs a whole number");
        piece = number_text(*n);
        if (spec.find('+') != std::string::npos && *n >= 0) piece = "+" + piece;
        break;
      }
      case 'f':
      case 'e':
      case 'g': {
        auto n = as_number(a);
        if (!n) return Val::error("format: %f needs a number");
        char buf[1200];
        std::string f = "%." + std::to_string(prec < 0 ? 6 : prec) + verb;
        std::snprintf(buf, sizeof buf, f.c_str(), *n);
        piece = buf;
        break;
      }
      case 't': {
        auto b = as_bool(a);
        if (!b) return Val::error("format: %t needs a bool");
        piece = *b ? "true" : "false";
        break;
      }
      case 'x':
      case 'X':
      case 'o':
      case 'b': {
        auto n = as_number(a);
        if (!n || *n != std::floor(*n) || std::fabs(*n) > 9e18) return Val::error("format: needs a whole number");
        long long v = static_cast<long long>(*n);
        bool neg = v < 0;
        unsigned long long u = neg ? 0ull - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
        int base = verb == 'o' ? 8 : verb == 'b' ? 2 : 16;
        const char* digits = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        do {
          piece.insert(piece.begin(), digits[u % static_cast<unsigned>(base)]);
          u /= static_cast<unsigned>(base);
        } while (u);
        if (neg) piece = "-" + piece;
        break;
      }
      default:
        return Val::error(std::string("format: unsupported verb %") + verb);
    }
    if (static_cast<int>(piece.size()) < width) {
      size_t pad = static_cast<size_t>(width) - piece.size();
      if (spec.find('-') != std::string::npos) {
        piece.append(pad, ' ');
      } else if (spec.find('0') != std::string::npos && verb != 's') {
        size_t sign = (!piece.empty() && (piece[0] == '-' || piece[0] == '+')) ? 1 : 0;
        piece.insert(sign, pad, '0');
      } else {
        piece.insert(0, pad, ' ');
      }
    }
    out += piece;
    if (out.size() > kMaxString) return Val::error("format: result too long");
  }
  return Val::string(std::move(out));
}

std::optional<uint32_t> parse_ipv4(std::string_view s) {
  uint32_t addr = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    size_t j = i;
    unsigned v = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) && j - i < 3) v = v * 10 + static_cast<unsigned>(s[j++] - '0');
    if (j == i || v > 255) return std::nullopt;
    addr = (addr << 8) | v;
    ++parts;
    i = j;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return addr;
}

std::string ipv4_text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}

// IPv4 prefix "a.b.c.d/n" into (address, length).
std::optional<std::pair<uint32_t, int>> parse_cidr4(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto a = parse_ipv4(std::string_view(s).substr(0, slash));
  int len = 0;
  auto r = std::from_chars(s.data() + slash + 1, s.data() + s.size(), len);
  if (!a || r.ec != std::errc() || r.ptr != s.data() + s.size() || len < 0 || len > 32) return std::nullopt;
  return std::make_pair(*a, len);
}

uint32_t prefix_mask(int len) { return len == 0 ? 0u : ~0u << (32 - len); }

bool whole(double d) { return std::isfinite(d) && d == std::floor(d); }

}  // namespace

Val from_node(const Node& n, int file) {
  Val v;
  switch (n.kind()) {
    case Node::Kind::kNull: break;
    case Node::Kind::kBool: v = Val::boolean(n.as_bool()); break;
    case Node::Kind::kInt: v = Val::number(static_cast<double>(n.as_int())); break;
    case Node::Kind::kDouble: v = Val::number(n.as_double()); break;
    case Node::Kind::kString: v = Val::string(n.as_string()); break;
    case Node::Kind::kList: {
      std::vector<Val> items;
      for (const auto& x : n.items()) items.push_back(from_node(x, file));
      v = Val::list_of(std::move(items));
      break;
    }
    case Node::Kind::kMap: {
      std::vector<Member> members;
      for (const auto& f : n.fields()) members.push_back(Member{f.key, f.key_pos, from_node(f.value, file)});
      v = Val::map_of(std::move(members));
      break;
    }
  }
  v.pos = n.pos;
  v.file = file;
  return v;
}

std::string to_json(const Val& v) {
  std::string out;
  write_json(v, out, 0);
  return out;
}

Val apply_step(const Val& v, const Step& s) {
  if (v.is_error()) return v;
  if (s.key.is_error()) return s.key;
  if (v.is_unknown() || (!s.attr && s.key.is_unknown())) {
    std::string text = (v.is_unknown() ? v.s : std::string("(...)")) + s.text();
    std::vector<Ref> refs;
    if (v.is_unknown() && v.refs) refs = *v.refs;
    if (refs.size() == 1 && v.is_unknown() && refs[0].traversal == v.s) refs[0].traversal = text;
    if (!s.attr) collect_refs(s.key, refs);
    Val u = Val::unknown(std::move(text), std::move(refs));
    u.pos = v.pos;
    u.file = v.file;
    return u;
  }
  if (s.attr) {
    if (v.is_map()) {
      if (const Val* x = v.get(s.name)) return *x;
      return Val::error("no attribute \"" + s.name + "\"");
    }
    return Val::error("cannot read attribute \"" + s.name + "\" of a " + type_name(v));
  }
  if (v.is_list()) {
    auto n = as_number(s.key);
    if (!n || !whole(*n)) return Val::error("a list index must be a whole number");
    if (*n < 0 || *n >= static_cast<double>(v.items().size())) return Val::error("index " + number_text(*n) + " out of range");
    return v.items()[static_cast<size_t>(*n)];
  }
  if (v.is_map()) {
    auto key = as_string(s.key);
    if (!key) return Val::error("a map key must be a string");
    if (const Val* x = v.get(*key)) return *x;
    return Val::error("no element \"" + *key + "\"");
  }
  return Val::error(std::string("cannot index a ") + type_name(v));
}

// ---- the evaluator -------------------------------------------------------------

bool Evaluator::charge(uint64_t n) {
  if (budget_.remaining < n) {
    budget_.remaining = 0;
    budget_.exhausted = true;
    return false;
  }
  budget_.remaining -= n;
  return true;
}

Val Evaluator::unknown_of(const Expr& e, std::vector<Ref> refs) {
  Val u = Val::unknown(expr_text(file_, e), std::move(refs));
  u.pos = e.pos;
  u.file = file_id_;
  return u;
}

Val Evaluator::eval(const Expr& e) {
  if (++depth_ > budget_.max_depth || !charge(1)) {
    --depth_;
    Val err = Val::error(budget_.exhausted ? "evaluation budget exhausted" : "expression nested too deeply");
    return err;
  }
  Val v = eval_inner(e);
  --depth_;
  if ((v.is_list() || v.is_map()) && !charge(v.size)) return Val::error("evaluation budget exhausted");
  if (v.pos.line == 0) {
    v.pos = e.pos;
    v.file = file_id_;
  }
  return v;
}

Val Evaluator::eval_inner(const Expr& e) {
  using EK = Expr::Kind;
  auto here = [&](Val v) {
    v.pos = e.pos;
    v.file = file_id_;
    return v;
  };
  switch (e.kind) {
    case EK::kNull: return here(Val::null());
    case EK::kBool: return here(Val::boolean(e.flag));
    case EK::kNumber: return here(Val::number(e.number));
    case EK::kString: return here(Val::string(e.text));
    case EK::kTemplate: return template_value(e);
    case EK::kTemplateIf:
    case EK::kTemplateFor: return Val::error("template directive outside a template");
    case EK::kVariable:
    case EK::kGetAttr:
    case EK::kIndex: return traversal(e);
    case EK::kSplatItem:
      if (splat_items_.empty()) return Val::error("splat item outside a splat");
      return *splat_items_.back();
    case EK::kSplat: {
      Val src = eval(*e.kids[0]);
      if (src.is_error()) return src;
      if (src.is_unknown()) {
        std::vector<Ref> refs;
        collect_refs(src, refs);
        return unknown_of(e, std::move(refs));
      }
      if (src.k == Val::K::kNull) return here(Val::list_of({}));
      std::vector<Val> in;
      if (src.is_list()) in = src.items();
      else in.push_back(src);
      if (!charge(in.size())) return Val::error("evaluation budget exhausted");
      std::vector<Val> out;
      for (const auto& item : in) {
        splat_items_.push_back(&item);
        Val r = eval(*e.kids[1]);
        splat_items_.pop_back();
        if (r.is_error()) return r;
        out.push_back(std::move(r));
      }
      return here(Val::list_of(std::move(out)));
    }
    case EK::kCall: return call(e);
    case EK::kTuple: {
      std::vector<Val> items;
      for (const auto& k : e.kids) {
        Val v = eval(*k);
        if (v.is_error()) return v;
        items.push_back(std::move(v));
      }
      return here(Val::list_of(std::move(items)));
    }
    case EK::kObject: {
      std::vector<Member> members;
      for (size_t i = 0; i + 1 < e.kids.size(); i += 2) {
        Val key = eval(*e.kids[i]);
        if (key.is_error()) return key;
        if (key.is_unknown()) {
          std::vector<Ref> refs;
          collect_refs(key, refs);
          return unknown_of(e, std::move(refs));
        }
        auto ks = as_string(key);
        if (!ks) return Val::error("an object key must be a string");
        Val v = eval(*e.kids[i + 1]);
        if (v.is_error()) return v;
        std::erase_if(members, [&](const Member& m) { return m.key == *ks; });
        members.push_back(Member{std::move(*ks), e.kids[i]->pos, std::move(v)});
      }
      return here(Val::map_of(std::move(members)));
    }
    case EK::kParens: return eval(*e.kids[0]);
    case EK::kUnary: {
      Val v = eval(*e.kids[0]);
      if (v.is_error()) return v;
      if (v.is_unknown()) return unknown_of(e, v.refs ? *v.refs : std::vector<Ref>{});
      if (e.name == "-") {
        auto n = as_number(v);
        if (!n) return Val::error("unary minus needs a number");
        return here(Val::number(-*n));
      }
      auto b = as_bool(v);
      if (!b) return Val::error("! needs a bool");
      return here(Val::boolean(!*b));
    }
    case EK::kBinary: {
      Val a = eval(*e.kids[0]);
      Val b = eval(*e.kids[1]);
      const std::string& op = e.name;
      if (op == "&&" || op == "||") {
        bool want = op == "||";
        auto ab = as_bool(a), bb = as_bool(b);
        if ((ab && *ab == want) || (bb && *bb == want)) return here(Val::boolean(want));
        if (a.is_error()) return a;
        if (b.is_error()) return b;
        if (a.is_unknown() || b.is_unknown()) {
          std::vector<Ref> refs;
          collect_refs(a, refs);
          collect_refs(b, refs);
          return unknown_of(e, std::move(refs));
        }
        if (!ab || !bb) return Val::error(op + " needs bools");
        return here(Val::boolean(!want));
      }
      if (a.is_error()) return a;
      if (b.is_error()) return b;
      if (op == "==" || op == "!=") {
        if (a.has_unknown() || b.has_unknown()) {
          std::vector<Ref> refs;
          collect_refs(a, refs);
          collect_refs(b, refs);
          return unknown_of(e, std::move(refs));
        }
        return here(Val::boolean(equal(a, b) == (op == "==")));
      }
      if (a.is_unknown() || b.is_unknown()) {
        std::vector<Ref> refs;
        collect_refs(a, refs);
        collect_refs(b, refs);
        return unknown_of(e, std::move(refs));
      }
      auto x = as_number(a), y = as_number(b);
      if (!x || !y) return Val::error("operator " + op + " needs numbers");
      if (op == "+") return here(Val::number(*x + *y));
      if (op == "-") return here(Val::number(*x - *y));
      if (op == "*") return here(Val::number(*x * *y));
      if (op == "/") {
        if (*y == 0) return Val::error("division by zero");
        return here(Val::number(*x / *y));
      }
      if (op == "%") {
        if (*y == 0) return Val::error("modulo by zero");
        return here(Val::number(std::fmod(*x, *y)));
      }
      if (op == "<") return here(Val::boolean(*x < *y));
      if (op == "<=") return here(Val::boolean(*x <= *y));
      if (op == ">") return here(Val::boolean(*x > *y));
      if (op == ">=") return here(Val::boolean(*x >= *y));
      return Val::error("unknown operator " + op);
    }
    case EK::kConditional: {
      Val c = eval(*e.kids[0]);
      if (c.is_error()) return c;
      if (c.is_unknown()) {
        std::vector<Ref> refs;
        collect_refs(c, refs);
        return unknown_of(e, std::move(refs));
      }
      auto b = as_bool(c);
      if (!b) return Val::error("the condition must be a bool");
      return eval(*e.kids[*b ? 1 : 2]);
    }
    case EK::kForTuple:
    case EK::kForObject: return for_expr(e);
  }
  return Val::error("unsupported expression");
}

Val Evaluator::traversal(const Expr& e) {
  std::vector<const Expr*> chain;
  const Expr* cur = &e;
  while (cur->kind == Expr::Kind::kGetAttr || cur->kind == Expr::Kind::kIndex) {
    chain.push_back(cur);
    cur = cur->kids[0].get();
  }
  std::reverse(chain.begin(), chain.end());
  std::vector<Step> steps;
  steps.reserve(chain.size());
  for (const Expr* c : chain) {
    Step s;
    if (c->kind == Expr::Kind::kGetAttr) {
      s.name = c->name;
    } else {
      s.attr = false;
      s.key = eval(*c->kids[1]);
      if (s.key.is_error()) return s.key;
    }
    steps.push_back(std::move(s));
  }
  Val base;
  size_t consumed = 0;
  if (cur->kind == Expr::Kind::kVariable) {
    auto bound = std::find_if(scope_.rbegin(), scope_.rend(), [&](const auto& p) { return p.first == cur->name; });
    if (bound != scope_.rend()) {
      base = bound->second;
    } else {
      base = resolver_.resolve(cur->name, steps, consumed);
      if (base.pos.line == 0) {
        base.pos = e.pos;
        base.file = file_id_;
      }
    }
  } else {
    base = eval(*cur);
  }
  for (size_t i = consumed; i < steps.size(); ++i) {
    if (base.is_error()) return base;
    base = apply_step(base, steps[i]);
  }
  return base;
}

Val Evaluator::template_value(const Expr& e) {
  if (e.kids.size() == 1) {
    const Expr& only = *e.kids[0];
    if (only.kind != Expr::Kind::kString && only.kind != Expr::Kind::kTemplateIf && only.kind != Expr::Kind::kTemplateFor)
      return eval(only);  // "${x}" is x itself, whatever its type
  }
  std::string out, err;
  bool unknown = false;
  std::vector<Ref> refs;
  if (!render_template(e, out, unknown, refs, err)) return Val::error(err);
  Val v = unknown ? Val::unknown(std::move(out), std::move(refs)) : Val::string(std::move(out));
  if (unknown) v.b = true;
  v.pos = e.pos;
  v.file = file_id_;
  return v;
}

bool Evaluator::render_template(const Expr& t, std::string& out, bool& unknown, std::vector<Ref>& refs, std::string& err) {
  for (const auto& part : t.kids) {
    if (out.size() > kMaxString) {
      err = "template result too long";
      return false;
    }
    if (part->kind == Expr::Kind::kString) {
      out += part->text;
      continue;
    }
    if (part->kind == Expr::Kind::kTemplateIf) {
      Val c = eval(*part->kids[0]);
      if (c.is_error()) {
        err = c.s;
        return false;
      }
      if (c.is_unknown()) {
        unknown = true;
        collect_refs(c, refs);
        out += expr_text(file_, *part, 1024);
        continue;
      }
      auto b = as_bool(c);
      if (!b) {
        err = "the %{if} condition must be a bool";
        return false;
      }
      if (*b) {
        if (!render_template(*part->kids[1], out, unknown, refs, err)) return false;
      } else if (part->kids.size() > 2) {
        if (!render_template(*part->kids[2], out, unknown, refs, err)) return false;
      }
      continue;
    }
    if (part->kind == Expr::Kind::kTemplateFor) {
      Val coll = eval(*part->kids[0]);
      if (coll.is_error()) {
        err = coll.s;
        return false;
      }
      if (coll.is_unknown()) {
        unknown = true;
        collect_refs(coll, refs);
        out += expr_text(file_, *part, 1024);
        continue;
      }
      std::vector<std::pair<Val, Val>> pairs;
      if (coll.is_list()) {
        for (size_t i = 0; i < coll.items().size(); ++i) pairs.emplace_back(Val::number(static_cast<double>(i)), coll.items()[i]);
      } else if (coll.is_map()) {
        for (const auto& m : coll.members()) pairs.emplace_back(Val::string(m.key), m.v);
      } else {
        err = "%{for} needs a list or map";
        return false;
      }
      if (!charge(pairs.size())) {
        err = "evaluation budget exhausted";
        return false;
      }
      for (auto& [k, v] : pairs) {
        if (!part->name2.empty()) push(part->name2, k);
        push(part->name, v);
        bool ok = render_template(*part->kids[1], out, unknown, refs, err);
        pop();
        if (!part->name2.empty()) pop();
        if (!ok) return false;
        if (out.size() > kMaxString) {
          err = "template result too long";
          return false;
        }
      }
      continue;
    }
    Val v = eval(*part);
    if (v.is_error()) {
      err = v.s;
      return false;
    }
    if (v.is_unknown()) {
      unknown = true;
      collect_refs(v, refs);
      out += v.b ? v.s : "${" + v.s + "}";  // a partly rendered template is embedded as it is
      continue;
    }
    auto s = as_string(v);
    if (!s) {
      if (v.has_unknown()) {
        unknown = true;
        collect_refs(v, refs);
        out += "${" + expr_text(file_, *part) + "}";
        continue;
      }
      err = std::string("cannot include a ") + type_name(v) + " in a template";
      return false;
    }
    out += *s;
  }
  return true;
}

Val Evaluator::for_expr(const Expr& e) {
  Val coll = eval(*e.kids[0]);
  if (coll.is_error()) return coll;
  if (coll.is_unknown()) {
    std::vector<Ref> refs;
    collect_refs(coll, refs);
    return unknown_of(e, std::move(refs));
  }
  std::vector<std::pair<Val, Val>> pairs;
  if (coll.is_list()) {
    for (size_t i = 0; i < coll.items().size(); ++i) pairs.emplace_back(Val::number(static_cast<double>(i)), coll.items()[i]);
  } else if (coll.is_map()) {
    for (const auto& m : coll.members()) pairs.emplace_back(Val::string(m.key), m.v);
  } else {
    return Val::error(std::string("a for expression needs a list or map, not a ") + type_name(coll));
  }
  if (!charge(pairs.size())) return Val::error("evaluation budget exhausted");
  bool object = e.kind == Expr::Kind::kForObject;
  const Expr* cond = e.has_cond ? e.kids.back().get() : nullptr;
  std::vector<Val> items;
  std::vector<Member> members;
  for (auto& [k, v] : pairs) {
    if (!e.name2.empty()) push(e.name2, k);
    push(e.name, v);
    Val result;
    bool keep = true;
    if (cond) {
      Val c = eval(*cond);
      auto b = as_bool(c);
      if (c.is_error()) result = c;
      else if (c.is_unknown()) result = unknown_of(e, c.refs ? *c.refs : std::vector<Ref>{});
      else if (!b) result = Val::error("a for expression's condition must be a bool");
      else keep = *b;
    }
    if (keep && result.k == Val::K::kNull) {
      if (!object) {
        Val x = eval(*e.kids[1]);
        if (x.is_error()) result = x;
        else items.push_back(std::move(x));
      } else {
        Val key = eval(*e.kids[1]);
        Val x = eval(*e.kids[2]);
        auto ks = as_string(key);
        if (key.is_error()) result = key;
        else if (x.is_error()) result = x;
        else if (key.is_unknown()) result = unknown_of(e, key.refs ? *key.refs : std::vector<Ref>{});
        else if (!ks) result = Val::error("a for expression's key must be a string");
        else if (e.flag) {
          auto it = std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.key == *ks; });
          if (it == members.end()) {
            members.push_back(Member{*ks, e.kids[1]->pos, Val::list_of({x})});
          } else {
            auto grouped = it->v.items();
            grouped.push_back(std::move(x));
            it->v = Val::list_of(std::move(grouped));
          }
        } else {
          if (std::any_of(members.begin(), members.end(), [&](const Member& m) { return m.key == *ks; }))
            result = Val::error("duplicate key \"" + *ks + "\" in a for expression");
          else
            members.push_back(Member{*ks, e.kids[1]->pos, std::move(x)});
        }
      }
    }
    pop();
    if (!e.name2.empty()) pop();
    if (result.k != Val::K::kNull) return result;
  }
  Val out = object ? Val::map_of(std::move(members)) : Val::list_of(std::move(items));
  out.pos = e.pos;
  out.file = file_id_;
  return out;
}

// ---- functions -----------------------------------------------------------------

namespace {

using Args = std::vector<Val>;
struct Fn {
  // How unknown arguments make the result unknown: kDeep when any unknown
  // anywhere in the arguments does, kShallow when only an unknown argument
  // itself does (merge() of maps with unknown members is still a map).
  enum Mode { kDeep, kShallow } mode;
  Val (*fn)(Args& a, std::string& err);
};

#define REQUIRE(cond, msg) \
  if (!(cond)) {           \
    err = msg;             \
    return {};             \
  }

Val str_fn(Args& a, std::string& err, std::string (*f)(const std::string&)) {
  REQUIRE(a.size() == 1, "expects one argument");
  auto s = as_string(a[0]);
  REQUIRE(s, "expects a string");
  return Val::string(f(*s));
}

std::string trim_ws(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Flattens list arguments (for max(), min(), concat() with `...` already expanded).
std::optional<std::vector<double>> numbers_of(const Args& a) {
  std::vector<double> out;
  for (const auto& v : a) {
    auto n = as_number(v);
    if (!n) return std::nullopt;
    out.push_back(*n);
  }
  return out;
}

void flatten_into(const Val& v, std::vector<Val>& out, int depth) {
  if (v.is_list() && depth < 64) {
    for (const auto& x : v.items()) flatten_into(x, out, depth + 1);
  } else {
    out.push_back(v);
  }
}

std::vector<Val> distinct_of(const std::vector<Val>& in) {
  std::vector<Val> out;
  for (const auto& v : in)
    if (std::none_of(out.begin(), out.end(), [&](const Val& o) { return equal(o, v); })) out.push_back(v);
  return out;
}

const std::unordered_map<std::string, Fn>& functions() {
  static const std::unordered_map<std::string, Fn> table = {
      // numbers
      {"abs", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && as_number(a[0]), "expects a number");
         return Val::number(std::fabs(*as_number(a[0])));
       }}},
      {"ceil", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && as_number(a[0]), "expects a number");
         return Val::number(std::ceil(*as_number(a[0])));
       }}},
      {"floor", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && as_number(a[0]), "expects a number");
         return Val::number(std::floor(*as_number(a[0])));
       }}},
      {"signum", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && as_number(a[0]), "expects a number");
         double n = *as_number(a[0]);
         return Val::number(n > 0 ? 1 : n < 0 ? -1 : 0);
       }}},
      {"pow", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_number(a[0]) && as_number(a[1]), "expects two numbers");
         return Val::number(std::pow(*as_number(a[0]), *as_number(a[1])));
       }}},
      {"max", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         auto n = numbers_of(a);
         REQUIRE(n && !n->empty(), "expects numbers");
         return Val::number(*std::max_element(n->begin(), n->end()));
       }}},
      {"min", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         auto n = numbers_of(a);
         REQUIRE(n && !n->empty(), "expects numbers");
         return Val::number(*std::min_element(n->begin(), n->end()));
       }}},
      {"parseint", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && a[0].is_str() && as_number(a[1]), "expects a string and a base");
         double base = *as_number(a[1]);
         REQUIRE(base >= 2 && base <= 62 && whole(base), "base must be 2 to 62");
         long long v = 0;
         auto r = std::from_chars(a[0].s.data(), a[0].s.data() + a[0].s.size(), v, static_cast<int>(base));
         REQUIRE(r.ec == std::errc() && r.ptr == a[0].s.data() + a[0].s.size(), "not a number in that base");
         return Val::number(static_cast<double>(v));
       }}},
      // strings
      {"lower", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) {
           std::string r = s;
           for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
           return r;
         });
       }}},
      {"upper", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) {
           std::string r = s;
           for (auto& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
           return r;
         });
       }}},
      {"title", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) {
           std::string r = s;
           bool start = true;
           for (auto& c : r) {
             if (start && std::isalpha(static_cast<unsigned char>(c))) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
             start = std::isspace(static_cast<unsigned char>(c));
           }
           return r;
         });
       }}},
      {"trimspace", {Fn::kDeep, [](Args& a, std::string& err) -> Val { return str_fn(a, err, trim_ws); }}},
      {"chomp", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) {
           std::string r = s;
           while (!r.empty() && (r.back() == '\n' || r.back() == '\r')) r.pop_back();
           return r;
         });
       }}},
      {"strrev", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) { return std::string(s.rbegin(), s.rend()); });
       }}},
      {"base64encode", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) { return base64_encode(s); });
       }}},
      {"base64decode", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_str(), "expects a string");
         auto d = base64_decode(a[0].s);
         REQUIRE(d, "not base64");
         return Val::string(*d);
       }}},
      {"sha256", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) { return sha256_hex(s); });
       }}},
      {"trimprefix", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_string(a[0]) && as_string(a[1]), "expects two strings");
         std::string s = *as_string(a[0]), p = *as_string(a[1]);
         return Val::string(s.starts_with(p) ? s.substr(p.size()) : s);
       }}},
      {"trimsuffix", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_string(a[0]) && as_string(a[1]), "expects two strings");
         std::string s = *as_string(a[0]), p = *as_string(a[1]);
         return Val::string(s.ends_with(p) ? s.substr(0, s.size() - p.size()) : s);
       }}},
      {"trim", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_string(a[0]) && as_string(a[1]), "expects two strings");
         std::string s = *as_string(a[0]), cut = *as_string(a[1]);
         size_t b = s.find_first_not_of(cut);
         if (b == std::string::npos) return Val::string("");
         size_t e = s.find_last_not_of(cut);
         return Val::string(s.substr(b, e - b + 1));
       }}},
      {"startswith", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_string(a[0]) && as_string(a[1]), "expects two strings");
         return Val::boolean(as_string(a[0])->starts_with(*as_string(a[1])));
       }}},
      {"endswith", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_string(a[0]) && as_string(a[1]), "expects two strings");
         return Val::boolean(as_string(a[0])->ends_with(*as_string(a[1])));
       }}},
      {"strcontains", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_string(a[0]) && as_string(a[1]), "expects two strings");
         return Val::boolean(as_string(a[0])->find(*as_string(a[1])) != std::string::npos);
       }}},
      {"substr", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 3 && as_string(a[0]) && as_number(a[1]) && as_number(a[2]), "expects a string, an offset and a length");
         std::string s = *as_string(a[0]);
         double off = *as_number(a[1]), len = *as_number(a[2]);
         if (off < 0) off += static_cast<double>(s.size());
         REQUIRE(off >= 0 && off <= static_cast<double>(s.size()), "offset out of range");
         size_t o = static_cast<size_t>(off);
         size_t l = len < 0 ? std::string::npos : static_cast<size_t>(std::min(len, 1e12));
         return Val::string(s.substr(o, l));
       }}},
      {"replace", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 3 && as_string(a[0]) && as_string(a[1]) && as_string(a[2]), "expects three strings");
         std::string s = *as_string(a[0]), from = *as_string(a[1]), to = *as_string(a[2]);
         if (from.size() >= 2 && from.front() == '/' && from.back() == '/') {
           err = "regular expression replace is not evaluated";
           return Val::unknown("replace(...)");
         }
         if (from.empty()) return Val::string(s);
         std::string out;
         size_t i = 0;
         for (;;) {
           size_t j = s.find(from, i);
           out.append(s, i, j == std::string::npos ? std::string::npos : j - i);
           if (j == std::string::npos) break;
           out += to;
           i = j + from.size();
           REQUIRE(out.size() <= kMaxString, "result too long");
         }
         return Val::string(std::move(out));
       }}},
      {"split", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_string(a[0]) && as_string(a[1]), "expects two strings");
         std::string sep = *as_string(a[0]), s = *as_string(a[1]);
         std::vector<Val> parts;
         if (sep.empty()) {
           for (char c : s) parts.push_back(Val::string(std::string(1, c)));
         } else {
           size_t i = 0;
           for (;;) {
             size_t j = s.find(sep, i);
             parts.push_back(Val::string(s.substr(i, j == std::string::npos ? std::string::npos : j - i)));
             if (j == std::string::npos) break;
             i = j + sep.size();
           }
         }
         return Val::list_of(std::move(parts));
       }}},
      {"join", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() >= 2 && as_string(a[0]), "expects a separator and lists");
         std::string sep = *as_string(a[0]), out;
         bool first = true;
         for (size_t i = 1; i < a.size(); ++i) {
           REQUIRE(a[i].is_list(), "expects lists of strings");
           for (const auto& v : a[i].items()) {
             auto s = as_string(v);
             REQUIRE(s, "expects lists of strings");
             if (!first) out += sep;
             first = false;
             out += *s;
             REQUIRE(out.size() <= kMaxString, "result too long");
           }
         }
         return Val::string(std::move(out));
       }}},
      {"format", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(!a.empty() && as_string(a[0]), "expects a format string");
         Val r = format_string(*as_string(a[0]), std::span<const Val>(a).subspan(1));
         if (r.is_error()) err = r.s;
         return r;
       }}},
      {"formatlist", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(!a.empty() && as_string(a[0]), "expects a format string");
         size_t n = 1;
         bool any_list = false;
         for (size_t i = 1; i < a.size(); ++i)
           if (a[i].is_list()) {
             REQUIRE(!any_list || a[i].items().size() == n, "lists of different lengths");
             n = a[i].items().size();
             any_list = true;
           }
         std::vector<Val> out;
         for (size_t k = 0; k < n; ++k) {
           Args row;
           for (size_t i = 1; i < a.size(); ++i) row.push_back(a[i].is_list() ? a[i].items()[k] : a[i]);
           Val r = format_string(*as_string(a[0]), row);
           if (r.is_error()) {
             err = r.s;
             return r;
           }
           out.push_back(std::move(r));
         }
         return Val::list_of(std::move(out));
       }}},
      {"indent", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && as_number(a[0]) && as_string(a[1]), "expects a number and a string");
         double n = *as_number(a[0]);
         REQUIRE(n >= 0 && n <= 1000, "indent out of range");
         std::string pad(static_cast<size_t>(n), ' '), s = *as_string(a[1]), out;
         for (char c : s) {
           out += c;
           if (c == '\n') out += pad;
           REQUIRE(out.size() <= kMaxString, "result too long");
         }
         return Val::string(std::move(out));
       }}},
      // collections
      {"length", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1, "expects one argument");
         if (a[0].is_list()) return Val::number(static_cast<double>(a[0].items().size()));
         if (a[0].is_map()) return Val::number(static_cast<double>(a[0].members().size()));
         if (a[0].is_str()) return Val::number(static_cast<double>(a[0].s.size()));
         err = "expects a collection or string";
         return {};
       }}},
      {"concat", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         std::vector<Val> out;
         for (const auto& v : a) {
           REQUIRE(v.is_list(), "expects lists");
           out.insert(out.end(), v.items().begin(), v.items().end());
         }
         return Val::list_of(std::move(out));
       }}},
      {"merge", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         std::vector<Member> out;
         for (const auto& v : a) {
           if (v.k == Val::K::kNull) continue;
           REQUIRE(v.is_map(), "expects maps or objects");
           for (const auto& m : v.members()) {
             std::erase_if(out, [&](const Member& o) { return o.key == m.key; });
             out.push_back(m);
           }
         }
         return Val::map_of(std::move(out));
       }}},
      {"lookup", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE((a.size() == 2 || a.size() == 3) && a[0].is_map() && as_string(a[1]), "expects a map and a key");
         if (const Val* v = a[0].get(*as_string(a[1]))) return *v;
         REQUIRE(a.size() == 3, "no such key and no default");
         return a[2];
       }}},
      {"element", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && a[0].is_list() && as_number(a[1]), "expects a list and an index");
         REQUIRE(!a[0].items().empty(), "empty list");
         double i = *as_number(a[1]);
         REQUIRE(whole(i) && i >= 0, "index must be a non-negative whole number");
         return a[0].items()[static_cast<size_t>(std::fmod(i, static_cast<double>(a[0].items().size())))];
       }}},
      {"index", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && a[0].is_list(), "expects a list and a value");
         for (size_t i = 0; i < a[0].items().size(); ++i)
           if (equal(a[0].items()[i], a[1])) return Val::number(static_cast<double>(i));
         err = "value not in list";
         return {};
       }}},
      {"contains", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && a[0].is_list(), "expects a list and a value");
         return Val::boolean(std::any_of(a[0].items().begin(), a[0].items().end(), [&](const Val& v) { return equal(v, a[1]); }));
       }}},
      {"keys", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_map(), "expects a map");
         std::vector<std::string> ks;
         for (const auto& m : a[0].members()) ks.push_back(m.key);
         std::sort(ks.begin(), ks.end());
         std::vector<Val> out;
         for (auto& k : ks) out.push_back(Val::string(std::move(k)));
         return Val::list_of(std::move(out));
       }}},
      {"values", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_map(), "expects a map");
         std::vector<const Member*> ms;
         for (const auto& m : a[0].members()) ms.push_back(&m);
         std::stable_sort(ms.begin(), ms.end(), [](const Member* x, const Member* y) { return x->key < y->key; });
         std::vector<Val> out;
         for (const auto* m : ms) out.push_back(m->v);
         return Val::list_of(std::move(out));
       }}},
      {"flatten", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_list(), "expects a list");
         std::vector<Val> out;
         flatten_into(a[0], out, 0);
         return Val::list_of(std::move(out));
       }}},
      {"distinct", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_list(), "expects a list");
         return Val::list_of(distinct_of(a[0].items()));
       }}},
      {"compact", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_list(), "expects a list");
         std::vector<Val> out;
         for (const auto& v : a[0].items())
           if (v.k != Val::K::kNull && !(v.is_str() && v.s.empty())) out.push_back(v);
         return Val::list_of(std::move(out));
       }}},
      {"reverse", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_list(), "expects a list");
         std::vector<Val> out(a[0].items().rbegin(), a[0].items().rend());
         return Val::list_of(std::move(out));
       }}},
      {"sort", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_list(), "expects a list");
         std::vector<std::string> ss;
         for (const auto& v : a[0].items()) {
           auto s = as_string(v);
           REQUIRE(s, "expects a list of strings");
           ss.push_back(*s);
         }
         std::sort(ss.begin(), ss.end());
         std::vector<Val> out;
         for (auto& s : ss) out.push_back(Val::string(std::move(s)));
         return Val::list_of(std::move(out));
       }}},
      {"slice", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 3 && a[0].is_list() && as_number(a[1]) && as_number(a[2]), "expects a list and two indexes");
         double b = *as_number(a[1]), e = *as_number(a[2]);
         REQUIRE(whole(b) && whole(e) && b >= 0 && b <= e && e <= static_cast<double>(a[0].items().size()), "indexes out of range");
         return Val::list_of(std::vector<Val>(a[0].items().begin() + static_cast<long>(b), a[0].items().begin() + static_cast<long>(e)));
       }}},
      {"sum", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_list() && !a[0].items().empty(), "expects a non-empty list");
         auto n = numbers_of(a[0].items());
         REQUIRE(n, "expects numbers");
         double s = 0;
         for (double x : *n) s += x;
         return Val::number(s);
       }}},
      {"alltrue", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_list(), "expects a list");
         for (const auto& v : a[0].items()) {
           auto b = as_bool(v);
           REQUIRE(b, "expects bools");
           if (!*b) return Val::boolean(false);
         }
         return Val::boolean(true);
       }}},
      {"anytrue", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_list(), "expects a list");
         for (const auto& v : a[0].items()) {
           auto b = as_bool(v);
           REQUIRE(b, "expects bools");
           if (*b) return Val::boolean(true);
         }
         return Val::boolean(false);
       }}},
      {"range", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         auto n = numbers_of(a);
         REQUIRE(n && !n->empty() && n->size() <= 3, "expects one to three numbers");
         double start = 0, limit, step = 1;
         if (n->size() == 1) limit = (*n)[0];
         else start = (*n)[0], limit = (*n)[1];
         if (n->size() == 3) step = (*n)[2];
         else if (limit < start) step = -1;
         REQUIRE(step != 0 && std::isfinite(start) && std::isfinite(limit) && std::isfinite(step), "invalid range");
         REQUIRE(std::fabs((limit - start) / step) <= kMaxRange, "range too long");
         std::vector<Val> out;
         for (double x = start; step > 0 ? x < limit : x > limit; x += step) out.push_back(Val::number(x));
         return Val::list_of(std::move(out));
       }}},
      {"zipmap", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && a[0].is_list() && a[1].is_list() && a[0].items().size() == a[1].items().size(), "expects two lists of the same length");
         std::vector<Member> out;
         for (size_t i = 0; i < a[0].items().size(); ++i) {
           auto k = as_string(a[0].items()[i]);
           REQUIRE(k, "keys must be strings");
           std::erase_if(out, [&](const Member& m) { return m.key == *k; });
           out.push_back(Member{*k, {}, a[1].items()[i]});
         }
         return Val::map_of(std::move(out));
       }}},
      {"one", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && (a[0].is_list() || a[0].k == Val::K::kNull), "expects a list");
         REQUIRE(a[0].items().size() <= 1, "more than one element");
         return a[0].items().empty() ? Val::null() : a[0].items()[0];
       }}},
      {"coalesce", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         for (const auto& v : a) {
           if (v.is_unknown()) return v;
           if (v.k == Val::K::kNull || (v.is_str() && v.s.empty())) continue;
           return v;
         }
         err = "no non-null, non-empty argument";
         return {};
       }}},
      {"coalescelist", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         for (const auto& v : a) {
           if (v.is_unknown()) return v;
           REQUIRE(v.is_list(), "expects lists");
           if (!v.items().empty()) return v;
         }
         err = "no non-empty list";
         return {};
       }}},
      {"setunion", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         std::vector<Val> all;
         for (const auto& v : a) {
           REQUIRE(v.is_list(), "expects sets");
           all.insert(all.end(), v.items().begin(), v.items().end());
         }
         return Val::list_of(distinct_of(all));
       }}},
      {"chunklist", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && a[0].is_list() && as_number(a[1]), "expects a list and a size");
         double size = *as_number(a[1]);
         REQUIRE(whole(size) && size >= 0, "size must be a whole number");
         if (size == 0) return Val::list_of({a[0]});
         std::vector<Val> out, chunk;
         for (const auto& v : a[0].items()) {
           chunk.push_back(v);
           if (static_cast<double>(chunk.size()) == size) out.push_back(Val::list_of(std::exchange(chunk, {})));
         }
         if (!chunk.empty()) out.push_back(Val::list_of(std::move(chunk)));
         return Val::list_of(std::move(out));
       }}},
      // types
      {"tostring", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1, "expects one argument");
         if (a[0].k == Val::K::kNull) return a[0];
         auto s = as_string(a[0]);
         REQUIRE(s, "cannot convert to string");
         return Val::string(*s);
       }}},
      {"tonumber", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1, "expects one argument");
         if (a[0].k == Val::K::kNull) return a[0];
         auto n = as_number(a[0]);
         REQUIRE(n, "cannot convert to number");
         return Val::number(*n);
       }}},
      {"tobool", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1, "expects one argument");
         if (a[0].k == Val::K::kNull) return a[0];
         auto b = as_bool(a[0]);
         REQUIRE(b, "cannot convert to bool");
         return Val::boolean(*b);
       }}},
      {"tolist", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && (a[0].is_list() || a[0].k == Val::K::kNull), "expects a list or set");
         return a[0];
       }}},
      {"toset", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && (a[0].is_list() || a[0].k == Val::K::kNull), "expects a list or set");
         if (a[0].k == Val::K::kNull) return a[0];
         if (a[0].has_unknown()) return a[0];
         return Val::list_of(distinct_of(a[0].items()));
       }}},
      {"tomap", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && (a[0].is_map() || a[0].k == Val::K::kNull), "expects a map or object");
         return a[0];
       }}},
      {"sensitive", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1, "expects one argument");
         return a[0];
       }}},
      {"nonsensitive", {Fn::kShallow, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1, "expects one argument");
         return a[0];
       }}},
      // encodings
      {"jsondecode", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_str(), "expects a string");
         auto j = nlohmann::json::parse(a[0].s, nullptr, false);
         REQUIRE(!j.is_discarded(), "invalid JSON");
         return from_json(j, 0);
       }}},
      // networks
      {"cidrsubnet", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 3 && a[0].is_str() && as_number(a[1]) && as_number(a[2]), "expects a prefix and two numbers");
         auto p = parse_cidr4(a[0].s);
         if (!p) return Val::unknown("cidrsubnet(" + a[0].s + ")");  // IPv6 is not evaluated
         double bits = *as_number(a[1]), num = *as_number(a[2]);
         REQUIRE(whole(bits) && whole(num) && bits >= 0 && p->second + bits <= 32 && num >= 0 && num < std::ldexp(1.0, static_cast<int>(bits)),
                 "prefix extension out of range");
         int len = p->second + static_cast<int>(bits);
         uint32_t base = p->first & prefix_mask(p->second);
         uint32_t net = base | (len == 32 ? static_cast<uint32_t>(num) : static_cast<uint32_t>(num) << (32 - len));
         return Val::string(ipv4_text(net) + "/" + std::to_string(len));
       }}},
      {"cidrhost", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 2 && a[0].is_str() && as_number(a[1]), "expects a prefix and a number");
         auto p = parse_cidr4(a[0].s);
         if (!p) return Val::unknown("cidrhost(" + a[0].s + ")");
         double num = *as_number(a[1]);
         double size = std::ldexp(1.0, 32 - p->second);
         REQUIRE(whole(num) && num >= -size && num < size, "host number out of range");
         if (num < 0) num += size;
         return Val::string(ipv4_text((p->first & prefix_mask(p->second)) + static_cast<uint32_t>(num)));
       }}},
      {"cidrnetmask", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         REQUIRE(a.size() == 1 && a[0].is_str(), "expects a prefix");
         auto p = parse_cidr4(a[0].s);
         REQUIRE(p, "expects an IPv4 prefix");
         return Val::string(ipv4_text(prefix_mask(p->second)));
       }}},
      {"basename", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) {
           auto k = s.find_last_of('/');
           return k == std::string::npos ? s : s.substr(k + 1);
         });
       }}},
      {"dirname", {Fn::kDeep, [](Args& a, std::string& err) -> Val {
         return str_fn(a, err, [](const std::string& s) {
           auto k = s.find_last_of('/');
           return k == std::string::npos ? std::string(".") : s.substr(0, k);
         });
       }}},
  };
  return table;
}

#undef REQUIRE

}  // namespace

Val Evaluator::call(const Expr& e) {
  const std::string& name = e.name;
  auto here = [&](Val v) {
    if (v.pos.line == 0) {
      v.pos = e.pos;
      v.file = file_id_;
    }
    return v;
  };
  if (name == "try") {
    for (const auto& arg : e.kids) {
      Val v = eval(*arg);
      if (!v.is_error()) return v;
    }
    return Val::error("try(): no argument could be evaluated");
  }
  if (name == "can") {
    if (e.kids.size() != 1) return Val::error("can() expects one argument");
    Val v = eval(*e.kids[0]);
    if (v.is_unknown()) return unknown_of(e, v.refs ? *v.refs : std::vector<Ref>{});
    return here(Val::boolean(!v.is_error()));
  }
  Args args;
  for (const auto& arg : e.kids) {
    Val v = eval(*arg);
    if (v.is_error()) return v;
    args.push_back(std::move(v));
  }
  if (e.flag && !args.empty()) {
    Val last = std::move(args.back());
    args.pop_back();
    if (last.is_unknown()) return unknown_of(e, last.refs ? *last.refs : std::vector<Ref>{});
    if (!last.is_list()) return Val::error("only a list can be expanded with ...");
    args.insert(args.end(), last.items().begin(), last.items().end());
  }
  if (name == "jsonencode") {
    if (args.size() != 1) return Val::error("jsonencode() expects one argument");
    std::string text = to_json(args[0]);
    if (text.size() > kMaxString) return Val::error("jsonencode(): result too long");
    std::vector<Ref> refs;
    collect_refs(args[0], refs);
    // With unknowns inside, the text is not Terraform's but the structure is:
    // the value stays unknown and its encoded source stays readable.
    Val v = refs.empty() && !args[0].has_unknown() ? Val::string(std::move(text)) : Val::unknown(std::move(text), std::move(refs));
    if (v.is_unknown()) v.b = true;
    v.json_source = std::make_shared<const Val>(args[0]);
    return here(std::move(v));
  }
  if (name == "file" || name == "fileexists" || name == "templatefile") {
    if (args.empty() || !args[0].is_str()) {
      if (!args.empty() && args[0].has_unknown()) return unknown_of(e);
      return Val::error(name + "() expects a path");
    }
    auto text = resolver_.read_file(args[0].s);
    if (name == "fileexists") return here(text ? Val::boolean(true) : unknown_of(e));
    if (!text) return unknown_of(e);
    if (name == "file") return here(Val::string(std::move(*text)));
    if (args.size() != 2 || !args[1].is_map()) return Val::error("templatefile() expects a path and a map");
    std::vector<Diagnostic> ignored;
    // The template is parsed as a heredoc body: the same template syntax.
    std::string wrapped = "t = <<TEMPLATE_BODY_END\n" + *text + "\nTEMPLATE_BODY_END\n";
    File tf = parse(std::move(wrapped), file_.path, ignored);
    const Attribute* attr = tf.ok ? tf.body.attribute("t") : nullptr;
    if (!attr) return unknown_of(e);
    Evaluator sub(tf, -1, resolver_, budget_);
    for (const auto& m : args[1].members()) sub.push(m.key, m.v);
    Val v = sub.eval(*attr->expr);
    if (v.is_str() && !v.s.empty() && v.s.back() == '\n') v.s.pop_back();
    v.pos = e.pos;
    v.file = file_id_;
    if (v.is_unknown()) return unknown_of(e, v.refs ? *v.refs : std::vector<Ref>{});
    return v;
  }
  auto& table = functions();
  auto it = table.find(name);
  if (it == table.end()) return unknown_of(e);  // timestamp(), uuid(), regex(), provider functions, ...
  for (const auto& a : args) {
    if (a.is_unknown() || (it->second.mode == Fn::kDeep && a.has_unknown())) {
      std::vector<Ref> refs;
      for (const auto& x : args) collect_refs(x, refs);
      return unknown_of(e, std::move(refs));
    }
  }
  std::string err;
  Val v = it->second.fn(args, err);
  if (!err.empty()) {
    if (v.is_unknown()) return unknown_of(e);
    return Val::error(name + "(): " + err);
  }
  uint64_t size = v.is_list() ? v.items().size() : v.is_map() ? v.members().size() : 1;
  if (!charge(size)) return Val::error("evaluation budget exhausted");
  return here(std::move(v));
}

// ---- values into document nodes ------------------------------------------------

Node to_node(const Val& v, int file, SourcePos fallback, const std::string& path, NodeSink& sink) {
  SourcePos pos = (v.file == file && v.pos.line != 0) ? v.pos : fallback;
  if (sink.remaining_nodes < v.size) {
    sink.remaining_nodes = 0;
    sink.unknown.push_back(path);
    return Node::string("(too large)", pos);
  }
  sink.remaining_nodes -= std::min<uint64_t>(sink.remaining_nodes, 1);
  switch (v.k) {
    case Val::K::kNull: return Node::null(pos);
    case Val::K::kBool: return Node::boolean(v.b, pos);
    case Val::K::kNum:
      if (whole(v.n) && std::fabs(v.n) < 9.007199254740992e15) return Node::integer(static_cast<int64_t>(v.n), pos);
      return Node::real(v.n, pos);
    case Val::K::kStr: return Node::string(v.s, pos);
    case Val::K::kUnknown:
    case Val::K::kError: {
      sink.unknown.push_back(path);
      if (v.refs)
        for (const auto& r : *v.refs) sink.refs.emplace_back(path, r);
      return Node::string(v.k == Val::K::kUnknown ? v.s : std::string("${error: ") + v.s + "}", pos);
    }
    case Val::K::kList: {
      Node n = Node::list(pos);
      size_t i = 0;
      for (const auto& x : v.items()) {
        n.push(to_node(x, file, pos, path_append(path, i), sink));
        ++i;
      }
      return n;
    }
    case Val::K::kMap: {
      Node n = Node::map(pos);
      for (const auto& m : v.members()) {
        SourcePos kp = (m.v.file == file && m.key_pos.line != 0) ? m.key_pos : pos;
        n.add(m.key, to_node(m.v, file, pos, path_append(path, m.key), sink), kp);
      }
      return n;
    }
  }
  return Node::null(pos);
}

}  // namespace bulwark::policy::hcl
