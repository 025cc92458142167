// CEL optional values (the syntax Kubernetes enables): x.?f, l[?i], m[?k],
// optional.of/none/ofNonZeroValue, hasValue, value, orValue, or, optMap,
// optFlatMap, optional list elements and map entries, chaining.
#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;

TEST(CelOptional, Constructors) {
  EXPECT_TRUE(True("optional.of(null).hasValue()"));
  EXPECT_TRUE(False("optional.ofNonZeroValue(null).hasValue()"));
  EXPECT_TRUE(False("optional.ofNonZeroValue('').hasValue()"));
  EXPECT_TRUE(False("optional.ofNonZeroValue([]).hasValue()"));
  EXPECT_TRUE(False("optional.ofNonZeroValue(0u).hasValue()"));
  EXPECT_TRUE(True("optional.ofNonZeroValue(42).hasValue()"));
  EXPECT_TRUE(False("optional.none().hasValue()"));
  EXPECT_TRUE(True("type(optional.none()) == optional_type"));
  EXPECT_TRUE(Same("optional.of(42).value()", "42"));
  EXPECT_TRUE(Fails("optional.none().value()", "optional.none()"));
  EXPECT_EQ(run("optional.of([1])").to_text(), "optional.of([1])");
  EXPECT_EQ(run("optional.none()").to_text(), "optional.none()");
}

TEST(CelOptional, OrValueAndOr) {
  EXPECT_TRUE(Same("optional.none().or(optional.none()).orValue(42)", "42"));
  EXPECT_TRUE(True("optional.ofNonZeroValue(42).or(optional.of(20)).value() == 42"));
  EXPECT_TRUE(Same("optional.none().or(optional.of(20)).value()", "20"));
  // The alternative is not evaluated when the receiver has a value.
  EXPECT_TRUE(Same("optional.of(1).orValue(1 / 0)", "1"));
  EXPECT_TRUE(Same("optional.of(1).or(optional.of(1 / 0)).value()", "1"));
  EXPECT_TRUE(Fails("optional.none().orValue(1 / 0)", "division by zero"));
  EXPECT_TRUE(Fails("optional.none().or(1)", "no matching overload"));
  EXPECT_TRUE(Fails("(1).orValue(2)", "no matching overload"));
}

TEST(CelOptional, OptionalSelectionAndIndex) {
  EXPECT_TRUE(False("{}.?x.hasValue()"));
  EXPECT_TRUE(True("{'null_key': dyn(null)}.?null_key.hasValue()"));
  EXPECT_TRUE(Same("{'c': {'dashed-index': 'goodbye'}}.c[?'dashed-index'].orValue('default value')", "'goodbye'"));
  EXPECT_TRUE(Same("{'c': {}}.c[?'missing-index'].orValue('default value')", "'default value'"));
  EXPECT_TRUE(False("[][?0].hasValue()"));
  EXPECT_TRUE(Same("['foo'][?0].value()", "'foo'"));
  EXPECT_TRUE(False("optional.of([])[?0].hasValue()"));
  EXPECT_TRUE(False("optional.none()[?0].hasValue()"));
  EXPECT_TRUE(False("optional.none().?field.hasValue()"));
  EXPECT_TRUE(Fails("(1).?x", "does not support field selection"));
}

TEST(CelOptional, ChainingPropagates) {
  EXPECT_TRUE(Same("optional.of({'c': {'index': 'goodbye'}}).c.index.orValue('default value')", "'goodbye'"));
  EXPECT_TRUE(Same("optional.of({'c': {}}).c.missing.or(optional.none()[0]).orValue('default value')", "'default value'"));
  EXPECT_TRUE(Same("optional.of({'c': {}}).c.missing.or(optional.of(['list-value'])[0]).orValue('default value')",
                   "'list-value'"));
  EXPECT_TRUE(Same("optional.of({'c': {'index': 'goodbye'}}).c['index'].orValue('default value')", "'goodbye'"));
  EXPECT_TRUE(Same("optional.of({'c': {}}).c['missing'].orValue('default value')", "'default value'"));
  EXPECT_TRUE(False("{}.?null_key.invalid.hasValue()"));
  EXPECT_TRUE(Fails("{'null_key': dyn(null)}.?null_key.invalid.hasValue()", "no such key"));
  EXPECT_TRUE(False("{true: dyn(0)}[?false].absent.hasValue()"));
  EXPECT_TRUE(Fails("{true: dyn(0)}[?true].absent.hasValue()", "no such key"));
  EXPECT_TRUE(Same("{'c': {'dashed-index': 'goodbye'}}.?c.missing.or({'c': {'dashed-index': 'goodbye'}}.?c['dashed-index']).orValue('').size()", "7"));
  EXPECT_TRUE(Fails("optional.ofNonZeroValue({'c': 1}.a.z).orValue(1)", "no such key"));
}

TEST(CelOptional, HasOnOptionals) {
  EXPECT_TRUE(False("has({}.?x.y)"));
  EXPECT_TRUE(True("has({'x': {'y': 'z'}}.?x.y)"));
  EXPECT_TRUE(True("has(optional.of({'c': {'entry': 'hello world'}}).c) && "
                   "!has(optional.of({'c': {'entry': 'hello world'}}).c.missing)"));
  EXPECT_TRUE(CompileFails("has({}.?x)", 1, 9, "field selection"));
}

TEST(CelOptional, OptMapAndOptFlatMap) {
  EXPECT_TRUE(Same("optional.of(42).optMap(y, y + 1).value()", "43"));
  EXPECT_TRUE(False("optional.none().optMap(y, y + 1).hasValue()"));
  EXPECT_TRUE(False("{}.?key.optFlatMap(k, k.?subkey).hasValue()"));
  EXPECT_TRUE(False("{'key': {}}.?key.optFlatMap(k, k.?subkey).hasValue()"));
  EXPECT_TRUE(Same("{'key': {'subkey': 'subvalue'}}.?key.optFlatMap(k, k.?subkey).value()", "'subvalue'"));
  EXPECT_TRUE(False("{'key': {'subkey': ''}}.?key.optFlatMap(k, optional.ofNonZeroValue(k.subkey)).hasValue()"));
  EXPECT_TRUE(Fails("optional.of(1).optFlatMap(k, k)", "no matching overload"));
  EXPECT_TRUE(Fails("[1].optMap(x, x)", "no matching overload"));
}

TEST(CelOptional, OptionalElementsAndEntries) {
  EXPECT_TRUE(Same("[?{}.?c, ?optional.of(42), ?optional.none()]", "[42]"));
  EXPECT_TRUE(Same("[?optional.ofNonZeroValue({'c': []}.?c.orValue(dyn({})))]", "[]"));
  EXPECT_TRUE(Same("{?'nested_map': optional.ofNonZeroValue({?'map': {'c': {'dashed-index': 'goodbye'}}.?c})}",
                   "{'nested_map': {'map': {'dashed-index': 'goodbye'}}}"));
  EXPECT_TRUE(Same("{?'nested_map': optional.ofNonZeroValue({?'map': {}.?c}), 'singleton': true}", "{'singleton': true}"));
  EXPECT_TRUE(False("optional.ofNonZeroValue({?'nested_map': optional.ofNonZeroValue({?'map': optional.of({}).?c})}).hasValue()"));
  EXPECT_TRUE(Fails("[?1]", "not optional"));
  EXPECT_TRUE(Fails("{?'a': 1}", "not optional"));
}

TEST(CelOptional, ConditionalOptionals) {
  EXPECT_TRUE(False("(has({}.x) ? optional.of({}.x) : optional.none()).hasValue()"));
  EXPECT_TRUE(True("optional.of(1) == optional.of(1)"));
  EXPECT_TRUE(False("optional.of(1) == optional.none()"));
  EXPECT_TRUE(True("optional.none() == optional.none()"));
}

}  // namespace
}  // namespace bulwark::cel
