// Arbitrary bytes as a Dockerfile: always one document whose stages and
// instructions are well formed (a command, lines inside the file, end line
// not before the first), and diagnostics naming the file; never a crash or a
// hang, whatever the substitutions, heredocs or continuation lines.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/misconfig/misconfig.hpp"

namespace {
void check_instruction(const bulwark::Node& i, int64_t lines) {
  const bulwark::Node* cmd = i.get("cmd");
  const bulwark::Node* line = i.get("line");
  const bulwark::Node* end = i.get("end_line");
  if (!cmd || !cmd->is_string() || cmd->as_string().empty()) __builtin_trap();
  if (!line || !end || line->as_int() < 1 || end->as_int() < line->as_int() || end->as_int() > lines)
    __builtin_trap();
  if (i.pos.line != static_cast<uint32_t>(line->as_int())) __builtin_trap();
  if (const bulwark::Node* t = i.get("trigger"); t && t->is_map()) check_instruction(*t, lines);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  const policy::ConfigFormat* f = policy::find_config_format("dockerfile");
  if (!f) __builtin_trap();
  policy::ConfigFile file{"app/Dockerfile", "", std::string(reinterpret_cast<const char*>(data), size)};
  if (!f->detect(file.path, file.text)) __builtin_trap();
  policy::ConfigLimits limits;
  limits.read.max_nodes = 200'000;
  const policy::ConfigFile* files[] = {&file};
  std::vector<Document> docs;
  std::vector<Diagnostic> diags;
  f->parse(files, limits, docs, diags);
  for (const auto& d : diags)
    if (d.location.path != file.path) __builtin_trap();
  if (docs.size() != 1 || docs[0].kind != "Dockerfile" || docs[0].format != "dockerfile") __builtin_trap();
  int64_t lines = std::count(file.text.begin(), file.text.end(), '\n') + 1;
  const Node& root = docs[0].root;
  for (const Node& a : root.get("args")->items()) check_instruction(a, lines);
  int64_t index = 0;
  for (const Node& s : root.get("stages")->items()) {
    if (s.get("index")->as_int() != index++) __builtin_trap();
    const Node& ins = *s.get("instructions");
    if (ins.size() == 0 || ins.at(0)->get("cmd")->as_string() != "from") __builtin_trap();
    for (const Node& i : ins.items()) check_instruction(i, lines);
    const Node* parent = s.get("from")->get("stage");
    if (parent->kind() == Node::Kind::kInt && parent->as_int() >= s.get("index")->as_int()) __builtin_trap();
  }
  // --fix on whatever the built-in policies find: an edit is either placed
  // and re-parsed to the same stages, or left out with a warning.
  std::vector<Finding> findings;
  policy::evaluate_policies(policy::builtin_policies(), docs, nullptr, findings, diags);
  policy::ImagePinner pin = [](const std::string& ref, std::string&) -> std::optional<std::string> {
    return ref + "@sha256:" + std::string(64, 'c');
  };
  std::vector<ConfigFile> all{file};
  for (const auto& fx : policy::plan_fixes(all, docs, policy::builtin_policies(), findings, diags, pin, limits))
    if (fx.path != file.path || fx.fixed == fx.original) __builtin_trap();
  return 0;
}
