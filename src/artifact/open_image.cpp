// open_image: tries the configured image sources in order and reports what
// each said when none has the image.
#include "artifact/reference.hpp"
#include "artifact/sources.hpp"

namespace bulwark::artifact {

namespace {

Result<std::unique_ptr<ImageSource>> open_local(const LocalReference& l, const Options& opts) {
  switch (l.kind) {
    case LocalReference::Kind::kDockerArchive:
      return open_docker_archive(l.path, opts, l.tag);
    case LocalReference::Kind::kOciArchive:
      return open_oci_archive(l.path, l.tag, opts);
    case LocalReference::Kind::kOciLayout:
      return open_oci_layout(l.path, l.tag, opts);
    case LocalReference::Kind::kArchiveFile:
      return open_archive_auto(l.path, l.tag, opts);
  }
  return Error(ErrorCode::kInternal, "unknown local reference kind");
}

}  // namespace

Result<std::unique_ptr<ImageSource>> open_image(const std::string& ref, const Options& opts) {
  // An explicit transport says where the image is: no other source is tried.
  if (auto l = parse_transport(ref)) return open_local(*l, opts);

  std::vector<std::pair<std::string, Error>> failures;
  for (const auto& source : opts.image_sources) {
    if (opts.cancel != nullptr)
      if (auto st = opts.cancel->check(); !st) return st.error();
    Result<std::unique_ptr<ImageSource>> r = Error(ErrorCode::kInternal, "not tried");
    if (source == "archive") {
      auto l = detect_local(ref);
      if (!l) {
        failures.emplace_back(source, Error(ErrorCode::kNotFound, "no file or directory " + ref));
        continue;
      }
      // A path that exists is what the user meant: its errors are final.
      return open_local(*l, opts);
    } else if (source == "engine") {
      r = open_engine(ref, opts);
    } else if (source == "registry") {
      r = open_registry(ref, opts);
    } else {
      return Error(ErrorCode::kInvalidArgument,
                   "unknown image source \"" + source + "\" (use archive, engine, registry)");
    }
    if (r) return r;
    // Problems with the content (not "not there") are the answer: do not hide
    // a digest mismatch behind the next source's "not found".
    const ErrorCode c = r.error().code;
    if (c == ErrorCode::kDigestMismatch || c == ErrorCode::kCorrupt || c == ErrorCode::kCancelled ||
        c == ErrorCode::kTimeout || c == ErrorCode::kLimitExceeded)
      return r.error();
    failures.emplace_back(source, r.error());
  }
  if (failures.empty()) return Error(ErrorCode::kInvalidArgument, "no image sources configured", ref);
  std::string msg = "image not found in any source";
  ErrorCode code = ErrorCode::kNotFound;
  for (const auto& [source, e] : failures) {
    msg += "; " + source + ": " + e.describe();
    if (code == ErrorCode::kNotFound && e.code != ErrorCode::kNotFound) code = e.code;
  }
  return Error(code, msg, ref);
}

}  // namespace bulwark::artifact
