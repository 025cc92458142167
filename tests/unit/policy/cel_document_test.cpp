// Documents as CEL values: a YAML/JSON tree read by core/document is viewed,
// not copied; selection and indexing give values that point back at their
// nodes (so a policy's result has a file line and column); YAML scalars get
// CEL types; Kubernetes-style expressions over a Pod; qualified variable
// names; evaluation from several threads at once.
#include <thread>

#include "core/document.hpp"
#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;
using Kind = Value::Kind;

Node read_one(std::string_view yaml) {
  std::vector<Diagnostic> diags;
  auto docs = read_yaml(yaml, "pod.yaml", diags);
  EXPECT_TRUE(diags.empty()) << (diags.empty() ? "" : diags[0].message);
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? Node() : std::move(docs[0]);
}

const char* const kPod =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: web\n"
    "  labels:\n"
    "    app: web\n"
    "    app.kubernetes.io/name: web\n"
    "  annotations: {}\n"
    "spec:\n"
    "  hostNetwork: false\n"
    "  containers:\n"
    "    - name: app\n"
    "      image: nginx:1.25\n"
    "      ports:\n"
    "        - containerPort: 8080\n"
    "      securityContext:\n"
    "        privileged: true\n"
    "        runAsUser: 0\n"
    "      resources:\n"
    "        limits: {cpu: 0.5, memory: 128Mi}\n"
    "    - name: sidecar\n"
    "      image: registry.k8s.io/pause:3.9\n"
    "      securityContext:\n"
    "        allowPrivilegeEscalation: false\n"
    "        capabilities:\n"
    "          drop: [ALL]\n"
    "  volumes:\n"
    "    - name: data\n"
    "      hostPath: {path: /var/data}\n"
    "    - name: empty\n"
    "      emptyDir: ~\n";

class CelDocument : public ::testing::Test {
 protected:
  Node pod = read_one(kPod);
  Activation vars = [this] {
    Activation a;
    a.bind("object", pod);
    return a;
  }();

  Value eval(std::string_view expr) { return run(expr, vars, {"object"}); }
  ::testing::AssertionResult T(std::string_view expr) { return True(expr, vars, {"object"}); }
  ::testing::AssertionResult F(std::string_view expr) { return False(expr, vars, {"object"}); }
  ::testing::AssertionResult S(std::string_view expr, std::string_view want) { return Same(expr, want, vars, {"object"}); }
  ::testing::AssertionResult E(std::string_view expr, std::string_view part) { return Fails(expr, part, vars, {"object"}); }
};

TEST_F(CelDocument, ViewsPointAtTheDocumentsNodes) {
  Value root = Value::from_node(pod);
  EXPECT_EQ(root.node(), &pod);
  Value image = eval("object.spec.containers[0].image");
  ASSERT_EQ(image.kind(), Kind::kString);
  EXPECT_EQ(image.as_string(), "nginx:1.25");
  ASSERT_NE(image.node(), nullptr);
  EXPECT_EQ(image.node(), find_path(pod, "spec.containers[0].image"));
  EXPECT_EQ(image.node()->pos, (SourcePos{13, 14}));
  // Through macros and containers too: the element keeps its node.
  Value priv = eval("object.spec.containers.filter(c, has(c.securityContext.privileged))[0].securityContext");
  ASSERT_NE(priv.node(), nullptr);
  EXPECT_EQ(priv.node()->pos.line, 17u);
  Value port = eval("object.spec.containers.map(c, c.name)[1]");
  EXPECT_EQ(port.node(), find_path(pod, "spec.containers[1].name"));
  Value chosen = eval("object.spec.hostNetwork ? object.metadata : object.spec.volumes[1]");
  EXPECT_EQ(chosen.node(), find_path(pod, "spec.volumes[1]"));
  // Computed values have no node.
  EXPECT_EQ(eval("object.metadata.name + '!'").node(), nullptr);
  EXPECT_EQ(eval("size(object.spec.containers)").node(), nullptr);
}

TEST_F(CelDocument, ViewsShareTheDocumentInsteadOfCopyingIt) {
  Value containers = eval("object.spec.containers");
  ASSERT_EQ(containers.kind(), Kind::kList);
  const Node* list = find_path(pod, "spec.containers");
  EXPECT_EQ(containers.node(), list);
  EXPECT_EQ(containers.element(1).node(), &list->items()[1]);
  EXPECT_EQ(&containers.element(0).find(Value::string("name"))->as_string(), &list->items()[0].get("name")->as_string());
}

TEST_F(CelDocument, YamlScalarsHaveCelTypes) {
  EXPECT_TRUE(S("type(object.spec.containers[0].securityContext.runAsUser)", "int"));
  EXPECT_TRUE(S("type(object.spec.containers[0].resources.limits.cpu)", "double"));
  EXPECT_TRUE(S("type(object.spec.containers[0].resources.limits.memory)", "string"));
  EXPECT_TRUE(S("type(object.spec.hostNetwork)", "bool"));
  EXPECT_TRUE(S("type(object.spec.volumes[1].emptyDir)", "null_type"));
  EXPECT_TRUE(S("type(object.spec.containers)", "list"));
  EXPECT_TRUE(S("type(object.metadata)", "map"));
  // ints are int, so `0` and `0u` differ in type but compare equal.
  EXPECT_TRUE(T("object.spec.containers[0].securityContext.runAsUser == 0"));
  EXPECT_TRUE(T("object.spec.containers[0].securityContext.runAsUser == 0u"));
  EXPECT_TRUE(T("object.spec.containers[0].ports[0].containerPort + 1 == 8081"));
  EXPECT_TRUE(E("object.spec.containers[0].ports[0].containerPort + 1u", "no matching overload"));
  EXPECT_TRUE(T("object.spec.containers[0].resources.limits.cpu < 1"));
}

TEST_F(CelDocument, SelectionHasAndIn) {
  EXPECT_TRUE(S("object.metadata.name", "'web'"));
  EXPECT_TRUE(S("object.metadata.labels['app.kubernetes.io/name']", "'web'"));
  EXPECT_TRUE(S("object.metadata.labels.`app.kubernetes.io/name`", "'web'"));
  EXPECT_TRUE(T("has(object.metadata.labels.app)"));
  EXPECT_TRUE(F("has(object.metadata.namespace)"));
  EXPECT_TRUE(F("has(object.metadata.annotations.foo)"));
  EXPECT_TRUE(T("'app' in object.metadata.labels"));
  EXPECT_TRUE(F("'web' in object.metadata.labels"));
  EXPECT_TRUE(T("'ALL' in object.spec.containers[1].securityContext.capabilities.drop"));
  EXPECT_TRUE(E("object.metadata.namespace", "no such key: 'namespace'"));
  EXPECT_TRUE(E("object.spec.containers[2]", "index out of range: 2"));
  EXPECT_TRUE(E("object.metadata.name.first", "type 'string' does not support field selection"));
  EXPECT_TRUE(E("has(object.spec.volumes[1].emptyDir.medium)", "type 'null_type'"));
  EXPECT_TRUE(S("object.metadata.labels.size()", "2"));
  EXPECT_TRUE(S("size(object.metadata.annotations)", "0"));
  EXPECT_TRUE(S("object.metadata.labels.map(k, k)", "['app', 'app.kubernetes.io/name']"));
  EXPECT_TRUE(S("object.metadata.labels.filter(k, object.metadata.labels[k] == 'web').size()", "2"));
}

TEST_F(CelDocument, PodSecurityStyleExpressions) {
  EXPECT_TRUE(F("object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || "
                "c.securityContext.privileged == false)"));
  EXPECT_TRUE(S("object.spec.containers.filter(c, has(c.securityContext) && has(c.securityContext.privileged) && "
                "c.securityContext.privileged).map(c, c.name)",
                "['app']"));
  EXPECT_TRUE(T("object.spec.volumes.exists(v, has(v.hostPath))"));
  EXPECT_TRUE(T("object.spec.containers.exists_one(c, c.image.startsWith('registry.k8s.io/'))"));
  EXPECT_TRUE(T("object.spec.containers.all(c, c.image.matches(':[0-9][0-9.]*$'))"));
  EXPECT_TRUE(S("object.spec.containers.map(c, c.image.split(':')[1])", "['1.25', '3.9']"));
  EXPECT_TRUE(T("object.spec.containers.exists(c, c.?securityContext.?runAsUser.orValue(1) == 0)"));
  EXPECT_TRUE(S("object.spec.containers.map(c, c.?securityContext.?allowPrivilegeEscalation.orValue(true))",
                "[true, false]"));
  // Errors from a missing field are absorbed where && / || decide.
  EXPECT_TRUE(T("object.spec.containers[1].securityContext.privileged || true"));
  // all(): the first container's `false` absorbs the second one's error...
  EXPECT_TRUE(F("object.spec.containers.all(c, c.securityContext.privileged == false)"));
  // ...but when every other element is true the error stands.
  EXPECT_TRUE(E("object.spec.containers.all(c, c.securityContext.allowPrivilegeEscalation == false)",
                "no such key: 'allowPrivilegeEscalation'"));
}

TEST_F(CelDocument, EqualityBetweenDocumentsAndBuiltValues) {
  EXPECT_TRUE(T("object.spec.containers[1].securityContext.capabilities.drop == ['ALL']"));
  EXPECT_TRUE(T("object.spec.volumes[0].hostPath == {'path': '/var/data'}"));
  EXPECT_TRUE(T("object.metadata.labels == {'app.kubernetes.io/name': 'web', 'app': 'web'}"));
  EXPECT_TRUE(F("object.metadata.labels == {'app': 'web'}"));
  EXPECT_TRUE(T("object.spec.containers[0] == object.spec.containers[0]"));
  EXPECT_TRUE(F("object.spec.containers[0] == object.spec.containers[1]"));
  EXPECT_TRUE(T("object.spec.volumes[1].emptyDir == null"));
}

TEST(CelDocuments, RepeatedKeysShowTheLastValueOnce) {
  Node m = Node::map();
  m.add("a", Node::integer(1));
  m.add("b", Node::integer(2));
  m.add("a", Node::integer(3));
  Activation a;
  a.bind("m", m);
  EXPECT_TRUE(Same("m.a", "3", a, {"m"}));
  EXPECT_TRUE(Same("size(m)", "2", a, {"m"}));
  EXPECT_TRUE(Same("m.map(k, k)", "['b', 'a']", a, {"m"}));
  EXPECT_TRUE(Same("m.transformList(k, v, v)", "[2, 3]", a, {"m"}));
  EXPECT_TRUE(True("m == {'a': 3, 'b': 2}", a, {"m"}));
  Value v = Value::from_node(m);
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v.entries().size(), 2u);
  EXPECT_EQ(v.find(Value::string("a"))->as_int(), 3);
  EXPECT_FALSE(v.find(Value::integer(1)).has_value());  // document keys are strings
}

TEST(CelDocuments, NanInADocumentIsNotEqualToItself) {
  Node n = read_one("x: [.nan]\n");
  Activation a;
  a.bind("d", n);
  EXPECT_TRUE(False("d.x == d.x", a, {"d"}));
  EXPECT_TRUE(False("d == d", a, {"d"}));
}

TEST(CelDocuments, QualifiedVariableNamesUseTheLongestDeclaredPrefix) {
  Activation a;
  a.bind("a.b", Value::map({{Value::string("c"), Value::string("from a.b")}}));
  a.bind("a", Value::map({{Value::string("b"), Value::map({{Value::string("c"), Value::string("from a")}})}}));
  a.bind("a.b.c", Value::string("from a.b.c"));
  EXPECT_TRUE(Same("a.b.c", "'from a.b.c'", a, {"a", "a.b", "a.b.c"}));
  EXPECT_TRUE(Same("a.b.c", "'from a.b'", a, {"a", "a.b"}));
  EXPECT_TRUE(Same("a.b.c", "'from a'", a, {"a"}));
  EXPECT_TRUE(Same("a['b'].c", "'from a'", a, {"a", "a.b", "a.b.c"}));
  EXPECT_TRUE(Same(".a.b.c", "'from a.b.c'", a, {"a", "a.b", "a.b.c"}));
  // A comprehension variable named like the prefix wins over the declaration.
  EXPECT_TRUE(Same("[{'b': {'c': 'local'}}].map(a, a.b.c)[0]", "'local'", a, {"a", "a.b", "a.b.c"}));
  EXPECT_TRUE(Same("google.protobuf.Duration", "type(duration('1s'))"));
}

TEST(CelDocuments, ReferencedVariablesInEnvOrder) {
  Env env;
  env.variables = {"object", "oldObject", "params", "request"};
  auto p = Program::compile("request.operation == 'CREATE' && object.kind == 'Pod' && request.x != 1", env);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->referenced_variables(), (std::vector<std::string>{"object", "request"}));
  auto q = Program::compile("[1].all(object, object > 0)", env);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->referenced_variables().empty());
}

TEST(CelDocuments, ActivationRebindsAName) {
  Activation a;
  a.bind("x", Value::integer(1));
  a.bind("x", Value::integer(2));
  ASSERT_NE(a.find("x"), nullptr);
  EXPECT_EQ(a.find("x")->as_int(), 2);
  EXPECT_EQ(a.find("y"), nullptr);
}

TEST(CelDocuments, OneProgramManyThreads) {
  Node pod = read_one(kPod);
  Env env;
  env.variables = {"object", "n"};
  auto p = Program::compile(
      "object.spec.containers.filter(c, c.image.matches(':[0-9.]+$')).map(c, c.name + string(n)).join(',')", env);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  const Program& prog = *p;
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        Activation a;
        a.bind("object", pod);
        a.bind("n", Value::integer(t * 10000 + i));
        std::string want = "app" + std::to_string(t * 10000 + i) + ",sidecar" + std::to_string(t * 10000 + i);
        Value v = prog.evaluate(a);
        if (v.as_string() != want) ++wrong[size_t(t)];
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, (std::vector<int>{0, 0, 0, 0}));
}

TEST(CelDocuments, ResultsOutliveTheProgram) {
  Value v;
  {
    auto p = Program::compile("{'a': [1, 'two']}.a + ['three']", Env{});
    ASSERT_TRUE(p.ok());
    v = p->evaluate({});
  }
  EXPECT_EQ(v.to_text(), "[1, \"two\", \"three\"]");
}

}  // namespace
}  // namespace bulwark::cel
