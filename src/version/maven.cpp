// Maven versions as ComparableVersion orders them (Maven 3 semantics): the
// version is split at '.', at '-' and at digit/letter transitions into
// numbers and qualifiers; '-' and transitions open a nested list. Qualifiers
// alpha < beta < milestone < rc (= cr) < snapshot < "" (= ga = final =
// release) < sp, then unknown qualifiers alphabetically; "a1"/"b1"/"m1" mean
// alpha/beta/milestone when a digit follows. Trailing zeros and release
// qualifiers are dropped from each list ("1.0" == "1" == "1-ga"). A number
// sorts above any qualifier and above a nested list.
//
// Ranges: "[1.0,2.0)", "(,1.0]", "[1.0]", unions "[1,2),[3,4)"; a bare
// version means that version exactly (advisories list affected versions).
#include <array>
#include <variant>

#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

struct Item;
using List = std::vector<Item>;

struct Item {
  enum Kind { kInt, kString, kList } kind = kInt;
  std::string value;  // kInt: digits without leading zeros; kString: qualifier
  List list;
  bool is_null() const {
    if (kind == kInt) return value == "0";
    if (kind == kString) return value.empty();
    return list.empty();
  }
};

constexpr std::array<std::string_view, 7> kQualifiers = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
constexpr size_t kReleaseIndex = 5;

// The sortable key of a qualifier: its index, or "7-name" for unknown ones,
// compared as strings (as ComparableVersion does).
std::string comparable(std::string_view q) {
  for (size_t i = 0; i < kQualifiers.size(); ++i)
    if (kQualifiers[i] == q) return std::to_string(i);
  return std::to_string(kQualifiers.size()) + "-" + std::string(q);
}

int compare_item(const Item* a, const Item* b);

// a compared with an absent item.
int compare_null(const Item& a) {
  switch (a.kind) {
    case Item::kInt: return a.value == "0" ? 0 : 1;
    case Item::kString: return sign(comparable(a.value).compare(std::to_string(kReleaseIndex)));
    case Item::kList: return a.list.empty() ? 0 : compare_null(a.list.front());
  }
  return 0;
}

int compare_item(const Item* a, const Item* b) {
  if (!a) return b ? -compare_null(*b) : 0;
  if (!b) return compare_null(*a);
  switch (a->kind) {
    case Item::kInt:
      if (b->kind == Item::kInt) return compare_digits(a->value, b->value);
      return 1;
    case Item::kString:
      if (b->kind == Item::kInt) return -1;
      if (b->kind == Item::kString) return sign(comparable(a->value).compare(comparable(b->value)));
      return -1;
    case Item::kList:
      if (b->kind == Item::kInt) return -1;
      if (b->kind == Item::kString) return 1;
      for (size_t i = 0; i < std::max(a->list.size(), b->list.size()); ++i) {
        const Item* l = i < a->list.size() ? &a->list[i] : nullptr;
        const Item* r = i < b->list.size() ? &b->list[i] : nullptr;
        if (int c = compare_item(l, r)) return c;
      }
      return 0;
  }
  return 0;
}

void normalize(List& l) {
  for (size_t i = l.size(); i-- > 0;) {
    if (l[i].kind == Item::kList) normalize(l[i].list);
  }
  for (size_t i = l.size(); i-- > 0;) {
    if (l[i].is_null()) l.erase(l.begin() + static_cast<std::ptrdiff_t>(i));
    else if (l[i].kind != Item::kList) break;
  }
}

struct MavenVersion : Parsed {
  Item root;
  int compare(const Parsed& o) const override {
    return compare_item(&root, &static_cast<const MavenVersion&>(o).root);
  }
  bool is_prerelease() const override {
    // Below the release: compare with the plain "1" ... by its first qualifier.
    const Item* it = &root;
    while (true) {
      const Item* q = nullptr;
      for (const auto& x : it->list)
        if (x.kind != Item::kInt) {
          q = &x;
          break;
        }
      if (!q) return false;
      if (q->kind == Item::kString) return compare_null(*q) < 0;
      it = q;
    }
  }
};

Item make_item(bool digit, bool followed_by_digit, std::string s) {
  Item it;
  if (digit) {
    it.kind = Item::kInt;
    it.value = std::string(strip_zeros(s));
    return it;
  }
  it.kind = Item::kString;
  if (followed_by_digit && s.size() == 1) {
    if (s == "a") s = "alpha";
    else if (s == "b") s = "beta";
    else if (s == "m") s = "milestone";
  }
  if (s == "ga" || s == "final" || s == "release") s.clear();
  else if (s == "cr") s = "rc";
  it.value = std::move(s);
  return it;
}

Result<ParsedPtr> parse(std::string_view text) {
  std::string s = to_lower(trim(text));
  if (s.empty()) return invalid_version("maven", text, "empty version");
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ',' || c == '[' || c == ']' || c == '(' || c == ')')
      return invalid_version("maven", text, "contains a space, control, bracket, comma or non-ASCII byte");
  }
  auto v = std::make_shared<MavenVersion>();
  v->text = std::string(text);
  v->root.kind = Item::kList;
  // The lists from the root to the one being filled. Items are only ever
  // appended to the innermost list, so the outer pointers stay valid.
  std::vector<List*> stack{&v->root.list};
  auto open_list = [&] {
    Item sub;
    sub.kind = Item::kList;
    stack.back()->push_back(std::move(sub));
    stack.push_back(&stack.back()->back().list);
  };
  bool digit = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (i == start) stack.back()->push_back(make_item(true, false, "0"));
      else stack.back()->push_back(make_item(digit, false, s.substr(start, i - start)));
      start = i + 1;
    } else if (c == '-') {
      if (i == start) stack.back()->push_back(make_item(true, false, "0"));
      else stack.back()->push_back(make_item(digit, false, s.substr(start, i - start)));
      start = i + 1;
      open_list();
    } else if (is_digit(c)) {
      if (!digit && i > start) {
        stack.back()->push_back(make_item(false, true, s.substr(start, i - start)));
        start = i;
        open_list();
      }
      digit = true;
    } else {
      if (digit && i > start) {
        stack.back()->push_back(make_item(true, false, s.substr(start, i - start)));
        start = i;
        open_list();
      }
      digit = false;
    }
  }
  if (s.size() > start) stack.back()->push_back(make_item(digit, false, s.substr(start)));
  normalize(v->root.list);
  return ParsedPtr(v);
}

Result<RangePtr> range(std::string_view text) {
  std::string_view t = trim(text);
  if (!t.empty() && t[0] != '[' && t[0] != '(') {
    auto v = parse(t);
    if (!v) return v.error();
    auto impl = std::make_shared<RangeImpl>();
    impl->alternatives.push_back({{Op::kEq, *v}});
    return RangePtr(impl);
  }
  return parse_interval_range("maven", text, parse, true);
}

}  // namespace

SchemeDef maven_scheme() { return {Scheme::kMaven, "maven", {"maven", "gradle", "java", "sbt"}, parse, range}; }

}  // namespace bulwark::version::detail
