// The syntax tree of a CEL expression. The parser builds it with raw names
// (identifiers, calls by name); the checker resolves names to variable slots
// and built-in functions, expands macros into comprehension nodes and folds
// constants. Nodes live in an arena owned by the program, so there is no
// recursive destruction and pointers stay valid.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "policy/cel/internal.hpp"

namespace re2 {
class RE2;
}

namespace bulwark::cel::detail {

enum class Op : uint8_t {
  // From the parser; none is left after checking.
  kIdent,      // name; leading_dot for ".name"
  kRawCall,    // name(args) or args[0].name(args[1..]) when receiver
  kMessage,    // Name{...} (not supported: reported by the checker)
  // Evaluated.
  kConst,      // constant
  kVar,        // declared variable number `slot`
  kLocal,      // comprehension variable in local slot `slot`
  kSelect,     // args[0].name; optional: args[0].?name
  kPresence,   // has(args[0].name)
  kIndex,      // args[0][args[1]]; optional: args[0][?args[1]]
  kAnd,        // args[0] && args[1] && ...
  kOr,         // args[0] || args[1] || ...
  kNot,        // !args[0]
  kNeg,        // -args[0]
  kCond,       // args[0] ? args[1] : args[2]
  kBinary,     // args[0] <binop> args[1]
  kCall,       // built-in function `fn`; a receiver is args[0]
  kList,       // [args...]; optional_items marks `?x` elements
  kMap,        // {args[0]: args[1], ...}; optional_items marks `?k: v` entries
  kComp,       // comprehension `comp` over args[0]
};

enum class BinOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod, kEq, kNe, kLt, kLe, kGt, kGe, kIn };

// Comprehensions. Slot `slot` holds the iteration variable (the index or key
// for two-variable forms, whose value is in `slot2`). args[1] is the
// predicate or transform; args[2] the transform of the filtering forms.
enum class Comp : uint8_t {
  kAll, kExists, kExistsOne, kMap, kMapFilter, kFilter,
  kTransformList, kTransformListFilter, kTransformMap, kTransformMapFilter,
  kOptMap, kOptFlatMap,  // over an optional: args[0].optMap(x, t)
};

// Built-in functions. Receiver-style calls pass the receiver as args[0].
enum class Fn : uint16_t {
  kSize, kContains, kStartsWith, kEndsWith, kMatches,
  kToInt, kToUint, kToDouble, kToString, kToBytes, kToBool, kToDuration, kToTimestamp, kType, kDyn,
  kCharAt, kIndexOf, kLastIndexOf, kLowerAscii, kUpperAscii, kReplace, kSplit, kSubstring, kTrim, kJoin,
  kReverse, kQuote, kFormat,
  kIsSorted, kSum, kMin, kMax, kDistinct, kFlatten, kSlice, kSort,
  kGetFullYear, kGetMonth, kGetDate, kGetDayOfMonth, kGetDayOfWeek, kGetDayOfYear,
  kGetHours, kGetMinutes, kGetSeconds, kGetMilliseconds,
  kOptionalOf, kOptionalNone, kOptionalOfNonZero, kHasValue, kOptValue, kOrValue, kOr,
  kGreatest, kLeast, kCeil, kFloor, kRound, kTrunc, kAbs, kSign, kIsNaN, kIsInf, kIsFinite,
};

struct Expr {
  Op op = Op::kConst;
  BinOp binop = BinOp::kAdd;
  Comp comp = Comp::kAll;
  Fn fn = Fn::kSize;
  bool receiver = false;     // kRawCall: called as a method
  bool leading_dot = false;  // kIdent: ".name" resolves in the root scope only
  bool optional = false;     // kSelect/kIndex: `.?` / `[?`
  uint32_t offset = 0;       // byte offset in the source of the node's token
  uint32_t height = 1;       // 1 + the tallest child
  int32_t slot = -1;
  int32_t slot2 = -1;
  std::vector<Expr*> args;   // next to the fields above: one cache line per visit
  std::string name;          // identifier, field, function or variable name
  Value constant;
  std::vector<bool> optional_items;  // kList / kMap
  const re2::RE2* regex = nullptr;   // kCall matches() with a constant pattern
  // kBinary `x in [constant strings]`: the strings, sorted, for a binary search.
  std::shared_ptr<const std::vector<std::string>> string_set;
};

// Nodes sit next to each other (a deque never moves its elements), which
// keeps a program's tree in few cache lines while it is walked.
struct Arena {
  std::deque<Expr> nodes;
  Expr* make(Op op, uint32_t offset) {
    Expr* e = &nodes.emplace_back();
    e->op = op;
    e->offset = offset;
    return e;
  }
};

struct ParseError {
  std::string message;
  uint32_t offset = 0;
};

// Parses `text` into `arena`; returns the root or nullptr with `error` set.
// `max_nesting` bounds both the parser's recursion and the tree's height.
Expr* parse(std::string_view text, Arena& arena, int max_nesting, ParseError& error);

}  // namespace bulwark::cel::detail
