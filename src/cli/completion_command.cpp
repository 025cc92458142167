// `bulwark completion bash|zsh|fish`: shell completion generated from the CLI
// definition itself, so it never drifts from the real flags.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "report/report.hpp"

namespace bulwark::cli {

namespace {

struct CommandInfo {
  std::string name;
  std::string help;
  std::vector<std::string> flags;  // "--format", "-f", …
};

std::vector<CommandInfo> describe(const CLI::App& app) {
  std::vector<CommandInfo> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    CommandInfo c{sub->get_name(), sub->get_description(), {"--help"}};
    for (const CLI::Option* opt : sub->get_options()) {
      for (const auto& l : opt->get_lnames()) c.flags.push_back("--" + l);
      for (const auto& s : opt->get_snames()) c.flags.push_back("-" + s);
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

std::string bash_script(const std::vector<CommandInfo>& cmds) {
  std::vector<std::string> names;
  for (const auto& c : cmds) names.push_back(c.name);
  std::string s =
      "# bash completion for bulwark\n"
      "_bulwark() {\n"
      "  local cur prev cmd\n"
      "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
      "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "  cmd=\"${COMP_WORDS[1]}\"\n"
      "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
      "    COMPREPLY=( $(compgen -W \"" + join(names) + " --help --version\" -- \"$cur\") ); return\n"
      "  fi\n"
      "  case \"$prev\" in\n"
      "    -f|--format) COMPREPLY=( $(compgen -W \"" + join(report::formats()) + "\" -- \"$cur\") ); return ;;\n"
      "    -o|--output|--cache-dir|--engine-socket) COMPREPLY=( $(compgen -f -- \"$cur\") ); return ;;\n"
      "    --image-src) COMPREPLY=( $(compgen -W \"archive engine registry\" -- \"$cur\") ); return ;;\n"
      "  esac\n"
      "  case \"$cmd\" in\n";
  for (const auto& c : cmds)
    s += "    " + c.name + ") COMPREPLY=( $(compgen -W \"" + join(c.flags) + "\" -- \"$cur\") $(compgen -f -- \"$cur\") ) ;;\n";
  s += "  esac\n"
       "}\n"
       "complete -o filenames -F _bulwark bulwark\n";
  return s;
}

std::string fish_script(const std::vector<CommandInfo>& cmds) {
  std::string s = "# fish completion for bulwark\ncomplete -c bulwark -f\n";
  for (const auto& c : cmds) {
    s += "complete -c bulwark -n __fish_use_subcommand -a " + c.name + " -d '" + c.help + "'\n";
    for (const auto& flag : c.flags) {
      if (flag.rfind("--", 0) == 0)
        s += "complete -c bulwark -n '__fish_seen_subcommand_from " + c.name + "' -l " + flag.substr(2) + "\n";
      else
        s += "complete -c bulwark -n '__fish_seen_subcommand_from " + c.name + "' -s " + flag.substr(1) + "\n";
    }
  }
  s += "complete -c bulwark -n '__fish_seen_subcommand_from image rootfs fs repo sbom' -l format -s f -x -a '" +
       join(report::formats()) + "'\n";
  return s;
}

}  // namespace

void add_completion_command(CLI::App& app, Action& action) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  cmd->add_option("shell", *shell, "Shell")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->callback([&action, &app, shell] {
    action = [&app, shell] {
      auto cmds = describe(app);
      std::string script;
      if (*shell == "bash") script = bash_script(cmds);
      else if (*shell == "zsh") script = "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(cmds);
      else script = fish_script(cmds);
      std::fputs(script.c_str(), stdout);
      return kExitOk;
    };
  });
}

}  // namespace bulwark::cli
