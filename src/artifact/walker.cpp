// The layer walker: one streaming pass over a layer's tar, dispatching wanted
// files to analyzers, plus a bounded second pass for hard links whose target no
// needed analyzer read. Also the analyzer dispatch shared with tree.cpp.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "artifact/layer_stream.hpp"

namespace bulwark::artifact {

namespace {

// Serves one in-memory body to one analyzer.
class MemoryBody : public BodyReader {
 public:
  explicit MemoryBody(std::string_view data) : data_(data) {}
  Result<size_t> read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::copy_n(data_.data() + pos_, k, buf);
    pos_ += k;
    return k;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// The body of the current tar entry.
class TarBody : public BodyReader {
 public:
  explicit TarBody(TarReader& tar) : tar_(tar) {}
  Result<size_t> read(char* buf, size_t n) override { return tar_.read_data(buf, n); }

 private:
  TarReader& tar_;
};

FileResult empty_result(const Analyzer& a, const std::string& path, const std::string& layer) {
  FileResult r;
  r.analyzer = std::string(a.name());
  r.path = path;
  r.layer = layer;
  return r;
}

FileType file_type(unsigned mode) {
  switch (mode & AE_IFMT) {
    case AE_IFREG: return FileType::kRegular;
    case AE_IFDIR: return FileType::kDirectory;
    case AE_IFLNK: return FileType::kSymlink;
    case AE_IFCHR: return FileType::kCharDevice;
    case AE_IFBLK: return FileType::kBlockDevice;
    case AE_IFIFO: return FileType::kFifo;
    case AE_IFSOCK: return FileType::kSocket;
    default: return FileType::kOther;
  }
}

Status check_stop(const Options& opts, const CancelToken* stop) {
  if (opts.cancel != nullptr) {
    if (auto st = opts.cancel->check(); !st) return st;
  }
  if (stop != nullptr) {
    if (auto st = stop->check(); !st) return st;
  }
  return {};
}

std::string join_path(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out(dir);
  out.push_back('/');
  out.append(name);
  return out;
}

const char* entry_path(archive_entry* e) {
  const char* p = archive_entry_pathname(e);
  return p != nullptr ? p : archive_entry_pathname_utf8(e);
}

// Cleans a path from an archive. Returns nullopt (after adding a warning) when
// the entry must be skipped; absolute paths are made relative with a warning.
std::optional<std::string> safe_path(const char* raw, const std::string& layer, const char* what,
                                     std::vector<Diagnostic>& diags) {
  if (raw == nullptr) {
    diags.push_back(path_warning(layer, "", std::string(what) + " with an unreadable path name skipped"));
    return std::nullopt;
  }
  std::string_view sv(raw);
  std::string shown(sv.substr(0, 256));
  if (sv.size() > limits().max_path_length) {
    diags.push_back(path_warning(layer, shown,
                                 std::string(what) + " skipped: path longer than " +
                                     std::to_string(limits().max_path_length) + " bytes"));
    return std::nullopt;
  }
  auto cleaned = clean_path(sv);
  if (!cleaned) {
    diags.push_back(path_warning(layer, shown, std::string(what) + " skipped: its path climbs above the root with \"..\""));
    return std::nullopt;
  }
  if (!sv.empty() && sv.front() == '/')
    diags.push_back(path_warning(layer, *cleaned,
                                 std::string(what) + " has an absolute path \"" + shown + "\"; read as relative to the root"));
  return cleaned;
}

// The state of one walk over one layer.
class LayerWalk {
 public:
  LayerWalk(const BlobOpener& open_blob, const Layer& layer, bool verify_blob, const AnalyzerRegistry& analyzers,
            const Options& opts, const CancelToken* stop)
      : open_blob_(open_blob),
        layer_(layer),
        verify_blob_(verify_blob),
        analyzers_(analyzers),
        opts_(opts),
        stop_(stop),
        label_(layer_label(layer)) {
    result_.diff_id = layer.diff_id;
  }

  Result<LayerResult> run() {
    if (auto st = first_pass(); !st) return st.error();
    if (!pending_.empty()) {
      if (auto st = second_pass(); !st) return st.error();
    }
    finish();
    return std::move(result_);
  }

 private:
  // Where the body of a regular file (or a hard link to one) of this layer is.
  struct Regular {
    int64_t size = 0;
    uint32_t mode = 0;          // permission bits
    uint64_t ordinal = 0;       // tar entry holding the body
    std::string source;         // path of that entry
    std::set<size_t> analyzed;  // analyzers that have a result at this path
  };
  // A hard link's analysis waiting for the second pass.
  struct Pending {
    AnalysisJob job;
    size_t slot = 0;  // placeholder in result_.files
    std::string target;
  };

  Error at(const Error& e, uint64_t ordinal, const std::string& path) const {
    Error out = e;
    std::string place = label_ + " entry " + std::to_string(ordinal) + (path.empty() ? "" : " path " + path);
    out.where = (e.where.empty() || e.where == label_) ? place : place + ": " + e.where;
    return out;
  }

  std::unique_ptr<ByteStream> open() {
    auto blob = open_blob_();
    if (!blob) {
      open_error_ = blob.error().within(label_);
      return nullptr;
    }
    return std::move(*blob);
  }

  // Drops this layer's earlier results at `path`: within one tar the last entry
  // for a path wins.
  void drop_results(const std::string& path) {
    auto it = by_path_.find(path);
    if (it == by_path_.end()) return;
    for (size_t slot : it->second) {
      result_.files[slot].analyzer.clear();  // tombstone, compacted in finish()
      pending_slots_.erase(slot);
    }
    by_path_.erase(it);
  }

  size_t add_result(FileResult r) {
    size_t slot = result_.files.size();
    by_path_[r.path].push_back(slot);
    result_.files.push_back(std::move(r));
    return slot;
  }

  void note_shadow(const std::string& path) {
    analyzers_.wanting(path, 0, AnalyzerRegistry::kAnyMode, scratch_);
    if (!scratch_.empty()) result_.shadowed.push_back(path);
  }

  Status first_pass() {
    auto blob = open();
    if (!blob) return *open_error_;
    LayerStream stream(std::move(blob), label_);
    TarReader tar(stream);
    const uint64_t max_entries = limits().max_entries;
    uint64_t ordinal = 0;
    for (;;) {
      if (auto st = check_stop(opts_, stop_); !st) return st.error().within(label_);
      auto next = tar.next();
      if (!next) return at(next.error(), ordinal + 1, "");
      archive_entry* e = *next;
      if (e == nullptr) break;
      ++ordinal;
      if (ordinal > max_entries)
        return Error(ErrorCode::kLimitExceeded, "more than " + std::to_string(max_entries) + " tar entries", label_);
      auto path = safe_path(entry_path(e), layer_.diff_id, "tar entry", result_.diagnostics);
      if (!path || path->empty()) continue;  // unsafe, or the root directory itself
      if (auto st = entry(tar, e, *path, ordinal); !st) return st;
    }
    result_.entries = ordinal;
    // The rest of the stream (tar padding, trailing members) still counts for
    // the digests.
    if (auto st = stream.drain(); !st) return at(st.error(), ordinal, "");
    return verify(stream);
  }

  Status entry(TarReader& tar, archive_entry* e, const std::string& path, uint64_t ordinal) {
    std::string_view base = base_name(path);
    std::string_view dir = dir_name(path);
    if (starts_with(base, ".wh.")) {
      // Whiteouts never reach analyzers: they only hide lower layers.
      if (base == ".wh..wh..opq")
        result_.opaque_dirs.emplace_back(dir);
      else if (!starts_with(base, ".wh..wh.") && base.size() > 4)  // ".wh..wh.*" is aufs bookkeeping
        result_.whiteouts.push_back(join_path(dir, base.substr(4)));
      return {};
    }
    drop_results(path);
    regular_.erase(path);
    if (const char* link = archive_entry_hardlink(e); link != nullptr) return hard_link(path, link);
    FileType type = file_type(archive_entry_filetype(e));
    if (type == FileType::kSymlink) {
      const char* target = archive_entry_symlink(e);
      if (target == nullptr) target = archive_entry_symlink_utf8(e);
      result_.symlinks.emplace_back(path, target != nullptr ? target : "");
      note_shadow(path);
      return {};
    }
    if (type != FileType::kRegular) {
      note_shadow(path);
      return {};
    }
    int64_t size = archive_entry_size(e);
    Regular& reg = regular_[path];
    reg.size = size;
    reg.mode = static_cast<uint32_t>(archive_entry_perm(e));
    reg.ordinal = ordinal;
    reg.source = path;
    analyzers_.wanting(path, size, reg.mode, scratch_);
    if (scratch_.empty()) return {};  // the body is skipped unread
    if (skip_path(opts_, path)) return {};  // --skip-dirs/--skip-files: unread as well
    std::vector<AnalysisJob> jobs;
    for (size_t a : scratch_) jobs.push_back({path, a});
    FileEntry fe = file_entry(e, path, type, size);
    TarBody body(tar);
    std::vector<FileResult> out;
    auto st = run_analyzers(analyzers_, fe, jobs, body, out, result_.diagnostics, result_.bytes_analyzed);
    if (!st) return at(st.error(), ordinal, path);
    for (auto& r : out) add_result(std::move(r));
    reg.analyzed.insert(scratch_.begin(), scratch_.end());
    return {};
  }

  FileEntry file_entry(archive_entry* e, const std::string& path, FileType type, int64_t size) const {
    FileEntry fe;
    fe.path = path;
    fe.type = type;
    fe.mode = static_cast<uint32_t>(archive_entry_perm(e)) & 07777;
    fe.size = size;
    fe.uid = static_cast<uint32_t>(archive_entry_uid(e));
    fe.gid = static_cast<uint32_t>(archive_entry_gid(e));
    fe.layer = layer_.diff_id;
    return fe;
  }

  Status hard_link(const std::string& path, const char* raw_target) {
    auto target = safe_path(raw_target, layer_.diff_id, ("hard link " + path).c_str(), result_.diagnostics);
    if (!target) return {};
    auto it = regular_.find(*target);
    if (it == regular_.end()) {
      // Either a link to something that is not a regular file, or to a path
      // this layer never had: nothing to analyze, but say so if it mattered.
      analyzers_.wanting(path, 0, AnalyzerRegistry::kAnyMode, scratch_);
      result_.diagnostics.push_back(
          path_warning(layer_.diff_id, path, "hard link to \"" + *target + "\", which is not a regular file earlier in this layer"));
      if (!scratch_.empty()) result_.shadowed.push_back(path);
      return {};
    }
    Regular link = it->second;  // copy: the same size and body as its target
    link.analyzed.clear();
    analyzers_.wanting(path, link.size, link.mode, scratch_);
    if (!scratch_.empty() && skip_path(opts_, path)) scratch_.clear();
    for (size_t a : scratch_) {
      const Analyzer& an = *analyzers_.all()[a];
      const FileResult* have = nullptr;
      if (it->second.analyzed.count(a) != 0) {
        if (auto slots = by_path_.find(*target); slots != by_path_.end())
          for (size_t s : slots->second)
            if (result_.files[s].analyzer == an.name() && pending_slots_.count(s) == 0) have = &result_.files[s];
      }
      if (have != nullptr) {
        FileResult copy = *have;
        copy.path = path;
        add_result(std::move(copy));
      } else {
        size_t slot = add_result(empty_result(an, path, layer_.diff_id));
        pending_[link.ordinal].push_back({{path, a}, slot, *target});
        pending_slots_.insert(slot);
      }
      link.analyzed.insert(a);
    }
    regular_[path] = std::move(link);
    return {};
  }

  // Re-reads the blob for the bodies of hard-link targets that the first pass
  // did not hand to the analyzers a link needed. Stops as soon as every target
  // was read, but checks that the bytes are the ones the first pass verified.
  Status second_pass() {
    auto blob = open();
    if (!blob) return *open_error_;
    LayerStream stream(std::move(blob), label_);
    TarReader tar(stream);
    uint64_t ordinal = 0;
    while (!pending_.empty()) {
      if (auto st = check_stop(opts_, stop_); !st) return st.error().within(label_);
      auto next = tar.next();
      if (!next) return at(next.error(), ordinal + 1, "").within("second pass");
      archive_entry* e = *next;
      if (e == nullptr || ++ordinal > result_.entries) break;
      auto it = pending_.find(ordinal);
      if (it == pending_.end()) continue;
      std::vector<AnalysisJob> jobs;
      std::vector<size_t> slots;
      for (const auto& p : it->second) {
        if (pending_slots_.count(p.slot) == 0) continue;  // replaced later in the layer
        jobs.push_back(p.job);
        slots.push_back(p.slot);
      }
      std::string target = it->second.front().target;
      pending_.erase(it);
      if (jobs.empty()) continue;
      FileEntry fe = file_entry(e, target, FileType::kHardlink, archive_entry_size(e));
      fe.link_target = target;
      TarBody body(tar);
      std::vector<FileResult> out;
      auto st = run_analyzers(analyzers_, fe, jobs, body, out, result_.diagnostics, result_.bytes_analyzed);
      if (!st) return at(st.error(), ordinal, target).within("second pass");
      for (size_t i = 0; i < out.size() && i < slots.size(); ++i) {
        result_.files[slots[i]] = std::move(out[i]);
        pending_slots_.erase(slots[i]);
      }
    }
    if (auto st = stream.drain(); !st) return st.error().within("second pass");
    if (stream.diff_id() != computed_diff_id_)
      return Error(ErrorCode::kDigestMismatch,
                   "layer content changed between two reads: first " + computed_diff_id_ + ", then " + stream.diff_id(),
                   label_);
    for (size_t slot : pending_slots_) {
      result_.diagnostics.push_back(path_warning(layer_.diff_id, result_.files[slot].path,
                                                 "hard link target was not found again on the second read"));
      result_.files[slot].analyzer.clear();
    }
    pending_slots_.clear();
    return {};
  }

  Status verify(LayerStream& stream) {
    computed_diff_id_ = stream.diff_id();
    if (verify_blob_ && !layer_.digest.empty()) {
      if (!starts_with(layer_.digest, "sha256:")) {
        result_.diagnostics.push_back(path_warning(layer_.diff_id, "",
                                                   "blob digest " + layer_.digest + " not verified: only sha256 is supported"));
      } else if (stream.blob_digest() != layer_.digest) {
        return Error(ErrorCode::kDigestMismatch,
                     "blob digest mismatch: expected " + layer_.digest + ", computed " + stream.blob_digest(), label_);
      }
    }
    if (!layer_.diff_id.empty()) {
      if (!starts_with(layer_.diff_id, "sha256:")) {
        result_.diagnostics.push_back(path_warning(layer_.diff_id, "",
                                                   "diffID " + layer_.diff_id + " not verified: only sha256 is supported"));
      } else if (computed_diff_id_ != layer_.diff_id) {
        return Error(ErrorCode::kDigestMismatch,
                     "diffID mismatch: expected " + layer_.diff_id + ", computed " + computed_diff_id_ +
                         " (blob " + stream.blob_digest() + ")",
                     label_);
      }
    }
    return {};
  }

  void finish() {
    std::erase_if(result_.files, [](const FileResult& r) { return r.analyzer.empty(); });
    if (result_.diff_id.empty()) {
      // The config did not name this layer: name it by what was read.
      result_.diff_id = computed_diff_id_;
      for (auto& f : result_.files) f.layer = computed_diff_id_;
      for (auto& d : result_.diagnostics)
        if (d.location.layer.empty()) d.location.layer = computed_diff_id_;
    }
  }

  const BlobOpener& open_blob_;
  const Layer& layer_;
  bool verify_blob_;
  const AnalyzerRegistry& analyzers_;
  const Options& opts_;
  const CancelToken* stop_;
  std::string label_;
  LayerResult result_;
  std::optional<Error> open_error_;
  std::string computed_diff_id_;
  std::vector<size_t> scratch_;
  std::unordered_map<std::string, std::vector<size_t>> by_path_;
  std::unordered_map<std::string, Regular> regular_;
  std::map<uint64_t, std::vector<Pending>> pending_;
  std::set<size_t> pending_slots_;
};

}  // namespace

Diagnostic path_warning(const std::string& layer, const std::string& path, std::string message) {
  Diagnostic d;
  d.level = Diagnostic::Level::kWarning;
  d.message = std::move(message);
  d.location.layer = layer;
  d.location.path = path;
  return d;
}

Status run_analyzers(const AnalyzerRegistry& analyzers, const FileEntry& entry, const std::vector<AnalysisJob>& jobs,
                     BodyReader& body, std::vector<FileResult>& out, std::vector<Diagnostic>& diags,
                     uint64_t& bytes_analyzed) {
  if (jobs.empty()) return {};
  CountingBody counted(body);
  auto run_one = [&](const AnalysisJob& job, BodyReader* reader) {
    const Analyzer& a = *analyzers.all()[job.analyzer];
    FileEntry e = entry;
    e.path = job.path;
    e.body = reader;
    FileResult r = empty_result(a, job.path, entry.layer);
    Status st;
    try {
      st = a.analyze(e, r);
    } catch (const std::exception& ex) {
      st = Error(ErrorCode::kInternal, std::string("analyzer threw: ") + ex.what(), e.describe());
    }
    if (!st) {
      // The file still replaced whatever lower layers had at this path, so an
      // empty result stays in place of the failed one.
      diags.push_back(path_warning(entry.layer, job.path,
                                   "analyzer " + std::string(a.name()) + " failed: " + st.error().describe()));
      r = empty_result(a, job.path, entry.layer);
    }
    out.push_back(std::move(r));
  };
  if (jobs.size() == 1) {
    run_one(jobs.front(), &counted);
    bytes_analyzed += counted.bytes();
    if (counted.failure()) return *counted.failure();
    return {};
  }
  FileEntry e = entry;
  e.body = &counted;
  auto data = e.read_all(limits().max_file_read);
  bytes_analyzed += counted.bytes();
  if (counted.failure()) return *counted.failure();
  if (!data) {
    diags.push_back(path_warning(entry.layer, entry.path, "not analyzed: " + data.error().describe()));
    for (const auto& job : jobs) out.push_back(empty_result(*analyzers.all()[job.analyzer], job.path, entry.layer));
    return {};
  }
  for (const auto& job : jobs) {
    MemoryBody mem(*data);
    run_one(job, &mem);
  }
  return {};
}

Result<LayerResult> analyze_layer_stoppable(const BlobOpener& open_blob, const Layer& layer, bool verify_blob,
                                            const AnalyzerRegistry& analyzers, const Options& opts,
                                            const CancelToken* stop) {
  LayerWalk walk(open_blob, layer, verify_blob, analyzers, opts, stop);
  return walk.run();
}

Result<LayerResult> analyze_layer(const BlobOpener& open_blob, const Layer& layer, bool verify_blob,
                                  const AnalyzerRegistry& analyzers, const Options& opts) {
  return analyze_layer_stoppable(open_blob, layer, verify_blob, analyzers, opts, nullptr);
}

}  // namespace bulwark::artifact
