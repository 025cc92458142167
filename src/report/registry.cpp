// The one table of report writers. A new format is one file defining a
// factory plus one line here.
#include <vector>

#include "report/internal.hpp"

namespace bulwark::report {

namespace {

using Factory = std::unique_ptr<Writer> (*)();

constexpr Factory kWriters[] = {
    make_table_writer,
    make_json_writer,
    make_cyclonedx_writer,
    make_spdx_json_writer,
    make_sarif_writer,
    make_junit_writer,
};

const std::vector<std::unique_ptr<Writer>>& writers() {
  static const std::vector<std::unique_ptr<Writer>> all = [] {
    std::vector<std::unique_ptr<Writer>> v;
    for (Factory f : kWriters) v.push_back(f());
    return v;
  }();
  return all;
}

}  // namespace

std::vector<std::string> formats() {
  std::vector<std::string> out;
  for (const auto& w : writers()) out.emplace_back(w->format());
  return out;
}

Status write_report(const Report& report, std::string_view format, const WriteOptions& opts, std::ostream& out) {
  for (const auto& w : writers()) {
    if (w->format() != format) continue;
    Status st = w->write(report, opts, out);
    if (!st) return st;
    if (!out) return Error(ErrorCode::kIo, "writing the " + std::string(format) + " report failed");
    return {};
  }
  std::string known;
  for (const auto& name : formats()) known += (known.empty() ? "" : ", ") + name;
  return Error(ErrorCode::kInvalidArgument, "unknown report format '" + std::string(format) + "' (known: " + known + ")");
}

}  // namespace bulwark::report
