// Generated fixes for Dockerfiles, named by the policies' `fix` entries
// (`{target: dockerfile, action: ...}`):
//
//   add-user        the final stage gets `USER <name>` for a user the
//                   Dockerfile itself creates (useradd/adduser in a RUN of the
//                   final stage or a stage it is built on), placed before the
//                   first CMD/ENTRYPOINT after that RUN, else at the stage's
//                   end. A user Bulwark cannot name is left to a human: the
//                   image's files and ports may depend on the choice.
//   pin-base-image  `FROM image[:tag]` becomes `FROM image:tag@sha256:...`
//                   with the digest (and, when the registry has one pointing
//                   at the same manifest, a version tag) that the caller's
//                   pinner resolves; FROM lines whose image is written with
//                   variables are left alone (the pin would drop the ARG).
//
// Edits go into the text at the lines the parser recorded; the result is
// parsed again and must give the same stages without new diagnostics.
#include <algorithm>
#include <map>
#include <set>

#include "core/core.hpp"
#include "policy/misconfig/internal.hpp"

namespace bulwark::policy {
namespace {

std::vector<std::string> shell_words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
      else cur += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      have = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      have = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (have) out.push_back(std::move(cur));
      cur.clear();
      have = false;
    } else if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
      // Command separators end the command; keep them as their own word.
      if (have) out.push_back(std::move(cur));
      cur.clear();
      have = false;
      out.emplace_back(1, ';');
    } else {
      cur += c;
      have = true;
    }
  }
  if (have) out.push_back(std::move(cur));
  return out;
}

// Options of useradd, adduser (Debian's and BusyBox's) that take a value.
bool takes_value(const std::string& opt) {
  static const std::set<std::string> kShort = {"-b", "-c", "-d", "-e", "-f", "-g", "-G", "-k", "-K", "-p",
                                               "-s", "-u", "-R", "-P", "-Z", "-h"};
  static const std::set<std::string> kLong = {
      "--base-dir", "--comment", "--home-dir", "--expiredate", "--inactive", "--gid",    "--groups",
      "--skel",     "--key",     "--password", "--root",       "--prefix",   "--shell",  "--uid",
      "--selinux-user", "--home", "--ingroup", "--gecos",      "--firstuid", "--lastuid", "--firstgid",
      "--lastgid",  "--conf",    "--extrausers-file"};
  if (opt.find('=') != std::string::npos) return false;
  return kShort.count(opt) || kLong.count(opt);
}

// The users a shell command creates, in order.
std::vector<std::string> created_users(std::string_view command) {
  std::vector<std::string> users;
  auto words = shell_words(command);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    if (size_t slash = w.rfind('/'); slash != std::string_view::npos) w = w.substr(slash + 1);
    if (w != "useradd" && w != "adduser") continue;
    // Arguments up to the end of this command; the first operand is the user
    // (adduser USER GROUP adds an existing user to a group: still a user).
    std::vector<std::string> operands;
    for (size_t j = i + 1; j < words.size() && words[j] != ";"; ++j) {
      const std::string& a = words[j];
      if (a.size() > 1 && a[0] == '-') {
        if (takes_value(a)) ++j;
        continue;
      }
      operands.push_back(a);
    }
    if (operands.size() == 2 && w == "adduser") continue;  // adding a user to a group
    if (!operands.empty() && operands[0].find('$') == std::string::npos) users.push_back(operands[0]);
  }
  return users;
}

struct LineStarts {
  std::vector<size_t> starts;
  explicit LineStarts(std::string_view t) {
    starts.push_back(0);
    for (size_t i = 0; i < t.size(); ++i)
      if (t[i] == '\n') starts.push_back(i + 1);
  }
  std::optional<size_t> line(int64_t n) const {
    if (n < 1 || static_cast<size_t>(n) > starts.size()) return std::nullopt;
    return starts[static_cast<size_t>(n) - 1];
  }
};

struct DockerEdit {
  size_t offset;
  size_t length;
  std::string text;
};

const Node* final_stage(const Node& root) {
  const Node* stages = root.get("stages");
  if (!stages || !stages->is_list() || stages->items().empty()) return nullptr;
  return &stages->items().back();
}

// add-user: the edit, or why there is none.
std::optional<DockerEdit> plan_user(const Node& root, std::string_view text, const LineStarts& lines,
                                    std::string& why) {
  const Node* last = final_stage(root);
  if (!last) return std::nullopt;
  // The final stage and the stages it is built on, oldest first.
  std::vector<const Node*> chain = {last};
  const Node* stages = root.get("stages");
  for (int guard = 0; guard < 64; ++guard) {
    const Node* parent = chain.front()->get("from") ? chain.front()->get("from")->get("stage") : nullptr;
    if (!parent || parent->kind() != Node::Kind::kInt) break;
    const Node* p = stages->at(static_cast<size_t>(parent->as_int()));
    if (!p) break;
    chain.insert(chain.begin(), p);
  }
  std::string user;
  int64_t created_line = 0;
  for (const Node* st : chain)
    for (const auto& ins : st->get("instructions")->items()) {
      if (ins.get("cmd")->as_string() != "run") continue;
      std::string command;
      if (const Node* c = ins.get("command"); c && c->is_string()) command = c->as_string();
      else if (const Node* a = ins.get("args"); a && a->is_list())
        for (const auto& w : a->items()) command += (command.empty() ? "" : " ") + (w.is_string() ? w.as_string() : "");
      auto users = created_users(command);
      if (!users.empty()) {
        user = users.back();
        created_line = st == last ? ins.get("end_line")->as_int() : 0;
      }
    }
  if (user.empty()) {
    why = "no user is created in the final stage (useradd/adduser); choose one and add USER by hand";
    return std::nullopt;
  }
  // Before the first CMD or ENTRYPOINT after the user exists, else at the end.
  for (const auto& ins : last->get("instructions")->items()) {
    const std::string& cmd = ins.get("cmd")->as_string();
    if ((cmd == "cmd" || cmd == "entrypoint") && ins.get("line")->as_int() > created_line) {
      // An instruction's recorded line is where its text starts; the
      // insertion goes at the start of that line.
      auto off = lines.line(ins.get("line")->as_int());
      if (!off) return std::nullopt;
      size_t line_start = *off;
      return DockerEdit{line_start, 0, "USER " + user + "\n"};
    }
  }
  auto end = lines.line(last->get("end_line")->as_int() + 1);
  if (end) return DockerEdit{*end, 0, "USER " + user + "\n"};
  return DockerEdit{text.size(), 0, std::string(text.empty() || text.back() == '\n' ? "" : "\n") + "USER " + user + "\n"};
}

// pin-base-image for one stage.
std::optional<DockerEdit> plan_pin(const Node& stage, std::string_view text, const LineStarts& lines,
                                   const ImagePinner& pin, std::string& why) {
  const Node* from = stage.get("from");
  const Node* original = from ? from->get("original") : nullptr;
  const Node* ref = from ? from->get("ref") : nullptr;
  if (!original || !ref || original->as_string() != ref->as_string()) {
    why = "the image is written with build arguments; pin it where they are set";
    return std::nullopt;
  }
  if (!pin) {
    why = "no registry to resolve it with";
    return std::nullopt;
  }
  auto pinned = pin(ref->as_string(), why);
  if (!pinned) return std::nullopt;
  auto line = lines.line(original->pos.line);
  if (!line) return std::nullopt;
  size_t off = *line + (original->pos.column ? original->pos.column - 1 : 0);
  const std::string& written = original->as_string();
  if (text.substr(off, written.size()) != written) {
    why = "the image reference is not where the parser saw it";
    return std::nullopt;
  }
  return DockerEdit{off, written.size(), *pinned};
}

std::optional<size_t> stage_index(const std::string& field) {
  // "stages[3].from.ref"
  if (!starts_with(field, "stages[")) return std::nullopt;
  size_t close = field.find(']');
  if (close == std::string::npos) return std::nullopt;
  try {
    return static_cast<size_t>(std::stoul(field.substr(7, close - 7)));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::vector<FileFix> plan_dockerfile_fixes(std::span<const ConfigFile> files, std::span<const Document> docs,
                                           std::span<const Policy> policies, std::span<const Finding> findings,
                                           const ImagePinner& pin, const ConfigLimits& limits,
                                           std::vector<Diagnostic>& diags) {
  std::map<std::string, std::vector<std::string>> actions_of;  // policy id -> actions
  for (const auto& p : policies)
    for (const auto& fx : p.fixes)
      if (fx.target == "dockerfile") actions_of[p.id].push_back(fx.action);
  struct Pending {
    std::vector<DockerEdit> edits;
    std::set<std::string> ids;
    int findings = 0;
    std::set<std::string> done;  // "user", "pin:<stage>"
  };
  std::map<std::string, Pending> per_file;
  for (const auto& f : findings) {
    if (f.kind != FindingKind::kMisconfiguration || f.status != FindingStatus::kOpen) continue;
    auto acts = actions_of.find(f.id);
    if (acts == actions_of.end()) continue;
    const Document* doc = nullptr;
    for (const auto& d : docs)
      if (d.format == "dockerfile" && d.path == f.location.path) doc = &d;
    auto file = std::find_if(files.begin(), files.end(), [&](const ConfigFile& c) { return c.path == f.location.path; });
    if (!doc || file == files.end()) continue;
    LineStarts lines(file->text);
    Pending& pending = per_file[doc->path];
    auto field = f.attributes.find("field");
    for (const auto& action : acts->second) {
      std::string why;
      std::optional<DockerEdit> edit;
      std::string key;
      if (action == "add-user") {
        key = "user";
        if (pending.done.count(key)) continue;
        edit = plan_user(doc->root, file->text, lines, why);
      } else if (action == "pin-base-image") {
        const Node* stages = doc->root.get("stages");
        size_t index = 0;
        const Node* stage = nullptr;
        if (field != f.attributes.end() && stages)
          if (auto i = stage_index(field->second)) {
            index = *i;
            stage = stages->at(index);
          }
        if (!stage) continue;
        key = "pin:" + std::to_string(index);
        if (pending.done.count(key)) continue;
        edit = plan_pin(*stage, file->text, lines, pin, why);
      } else {
        continue;
      }
      pending.done.insert(key);
      if (!edit) {
        if (!why.empty())
          diags.push_back(make_warning(doc->path, f.location.line, f.id + " not fixed: " + why));
        continue;
      }
      pending.edits.push_back(std::move(*edit));
      pending.ids.insert(f.id);
      ++pending.findings;
    }
  }
  std::vector<FileFix> out;
  for (auto& entry : per_file) {
    const auto& path = entry.first;
    auto& pending = entry.second;
    if (pending.edits.empty()) continue;
    auto file = std::find_if(files.begin(), files.end(), [&](const ConfigFile& c) { return c.path == path; });
    std::string fixed = file->text;
    std::sort(pending.edits.begin(), pending.edits.end(),
              [](const DockerEdit& a, const DockerEdit& b) { return a.offset > b.offset; });
    for (const auto& e : pending.edits) fixed.replace(e.offset, e.length, e.text);
    // The fixed file must read as cleanly as the original, with the same stages.
    std::vector<Diagnostic> before_d, after_d;
    ConfigFile changed = *file;
    changed.text = fixed;
    auto before = parse_config_files(std::span<const ConfigFile>(&*file, 1), limits, before_d);
    auto after = parse_config_files(std::span<const ConfigFile>(&changed, 1), limits, after_d);
    auto stage_count = [](const std::vector<Document>& d) {
      const Node* s = d.empty() ? nullptr : d[0].root.get("stages");
      return s ? s->size() : 0;
    };
    if (after.size() != before.size() || after_d.size() > before_d.size() || stage_count(after) != stage_count(before)) {
      diags.push_back(make_warning(path, 0, "a generated fix did not give the same Dockerfile stages; left unchanged"));
      continue;
    }
    FileFix fx;
    fx.path = path;
    fx.original = file->text;
    fx.fixed = std::move(fixed);
    fx.policies.assign(pending.ids.begin(), pending.ids.end());
    fx.findings = pending.findings;
    out.push_back(std::move(fx));
  }
  return out;
}

}  // namespace bulwark::policy
