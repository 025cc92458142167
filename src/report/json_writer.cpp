// "json": the Bulwark report schema of core/json.hpp, pretty-printed.
#include <ostream>

#include "core/json.hpp"
#include "report/internal.hpp"

namespace bulwark::report {

namespace {

class JsonWriter final : public Writer {
 public:
  std::string_view format() const override { return "json"; }
  Status write(const Report& report, const WriteOptions&, std::ostream& out) const override {
    try {
      json j = report;
      // replace: text from outside (titles, paths) may hold invalid UTF-8;
      // a report must still be written rather than abort the scan.
      out << j.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    } catch (const json::exception& e) {
      return Error(ErrorCode::kInternal, std::string("cannot serialise the report: ") + e.what());
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<Writer> make_json_writer() { return std::make_unique<JsonWriter>(); }

}  // namespace bulwark::report
