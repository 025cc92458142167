// The importer table and the walker that feeds it: files, directories
// (recursively) and archives (zip, tar, gzip; read with libarchive entry by
// entry, each entry bounded) are split into documents, and each document goes
// to the importer whose sniff function claims it (or the one --format names).
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "vulndb/importers/importers.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace fs = std::filesystem;

// ------------------------------------------------------------------ table --

// NVD's yearly feed files (nvdcve-2.0-YYYY.json, 50-300 MB and growing) are
// over the default per-file limit, which is sized for importers that build a
// DOM of the whole document. The NVD importer walks the envelope with simdjson
// On Demand (the text plus its structural index, no DOM), so its format gets a
// larger bound of its own; it still bounds memory against a hostile input.
constexpr uint64_t kNvdFeedMaxBytes = 1ull << 30;

const std::vector<Importer>& importers() {
  // One line per format; a format that may be larger than ImportOptions::max_file_bytes
  // says how large it may be.
  static const std::vector<Importer> table{
      {"osv", "OSV 1.x records (JSON or YAML; single, array, or {\"vulns\": [...]})", feeds::sniff_osv,
       import_osv_document},
      {"kev", "CISA Known Exploited Vulnerabilities catalog (JSON)", feeds::sniff_kev, feeds::import_kev},
      {"epss", "FIRST EPSS scores (CSV, plain or gzip)", feeds::sniff_epss, feeds::import_epss},
      {"alpine-secdb", "Alpine secfixes database (secdb JSON or the older YAML)", feeds::sniff_alpine_secdb,
       import_alpine_secdb_document},
      {"nvd", "NVD CVE API 2.0 JSON (API pages, nvdcve-2.0 feed files, single records)", feeds::sniff_nvd,
       import_nvd_document, kNvdFeedMaxBytes},
      // The tracker export is one ~70 MB document read with a SAX parser
      // (bounded memory); 512 MiB leaves room for years of growth.
      {"debian-tracker", "Debian security tracker JSON export (tracker/data/json)", feeds::sniff_debian_tracker,
       feeds::import_debian_tracker, 512ull << 20},
      {"debian-tracker-lists", "Debian security tracker data/CVE/list, data/DSA/list, data/DLA/list",
       feeds::sniff_debian_lists, feeds::import_debian_lists, 256ull << 20},
      {"debian-tracker-annotations", "vuln-list-debian tracker/{CVE,DSA,DLA}/*.json and distributions.json",
       feeds::sniff_debian_annotations, feeds::import_debian_annotations},
  };
  return table;
}

const Importer* find_importer(std::string_view name) {
  for (const auto& i : importers())
    if (i.name == name) return &i;
  return nullptr;
}

// ---------------------------------------------------------------- context --

void ImportContext::count() {
  ++summary_.records;
  if (!format_.empty()) ++summary_.per_format[format_];
  if (auto* s = source()) ++s->records;
}

void ImportContext::add(Advisory&& a) {
  std::set<std::string> ecosystems;
  for (const auto& af : a.affected) ecosystems.insert(af.ecosystem);
  for (const auto& e : ecosystems) ++summary_.per_ecosystem[e];
  if (!a.withdrawn.empty()) ++summary_.withdrawn;
  count();
  // A failing sink keeps its first error for finish(); parsing goes on.
  if (sink_)
    (void)sink_->add(std::move(a));
  else
    data_.advisories.push_back(std::move(a));
}

void ImportContext::add(EpssEntry&& e) {
  count();
  note_date(e.date);
  if (sink_)
    (void)sink_->add(e);
  else
    data_.epss.push_back(std::move(e));
}

void ImportContext::add(KevEntry&& k) {
  count();
  if (sink_)
    (void)sink_->add(k);
  else
    data_.kev.push_back(std::move(k));
}

void ImportContext::problem(std::string where, std::string message) {
  ++summary_.skipped;
  if (auto* s = source()) ++s->skipped;
  summary_.problems.push_back({std::move(where), std::move(message), true});
}

void ImportContext::warning(std::string where, std::string message) {
  summary_.problems.push_back({std::move(where), std::move(message), false});
}

void ImportContext::note_date(std::string_view date) {
  auto* s = source();
  if (!s || date.empty()) return;
  // RFC 3339 strings of one feed compare correctly as text.
  if (std::string(date) > s->data_date) s->data_date = std::string(date.substr(0, 64));
}

void ImportContext::begin_source(SourceInfo s) {
  data_.sources.push_back(std::move(s));
  source_index_ = data_.sources.size() - 1;
}

// ----------------------------------------------------------------- walker --
namespace {

bool feed_like(std::string_view name) {
  // The Debian tracker's sources are files named "list" (data/CVE/list).
  if (name == "list") return true;
  std::string n = to_lower(name);
  for (std::string_view ext : {".json", ".yaml", ".yml", ".csv", ".gz", ".zip", ".tar", ".tgz"})
    if (ends_with(n, ext)) return true;
  return false;
}

std::string strip_gz(std::string_view name) {
  if (ends_with(name, ".gz")) name.remove_suffix(3);
  return std::string(name);
}



constexpr const char* kUnrecognised =
    "not a recognised feed format (OSV JSON/YAML, KEV JSON, EPSS CSV, Debian tracker, Alpine secdb, NVD CVE JSON)";

// The importer --format names, or the one whose sniff function is surest of
// the document's first bytes; nullptr when none claims it.
const Importer* choose_importer(const std::string& forced, std::string_view name, std::string_view text) {
  if (!forced.empty()) return find_importer(forced);
  std::string_view head = text.substr(0, 4096);
  const Importer* imp = nullptr;
  int best = 0;
  for (const auto& i : importers())
    if (int score = i.sniff(name, head); score > best) {
      best = score;
      imp = &i;
    }
  return imp;
}

// Parses small documents on worker threads and hands what they found to the
// importing context in document order, so that the result (record order,
// problem order, merge order) is the same as a sequential import. Feeds such
// as osv.dev's bundles are tens of thousands of small files, and parsing them
// is most of an import's time; big documents (the Debian tracker, NVD feeds)
// are streamed record by record on the importing thread instead, because
// holding their records for the hand-over would cost their whole size in
// memory.
class ParallelParser {
 public:
  // Documents up to this size are parsed on the workers.
  static constexpr size_t kMaxDocumentBytes = 4 << 20;

  ParallelParser(ImportContext& ctx, std::set<std::string>& formats, std::string forced_format, unsigned workers)
      : ctx_(ctx), formats_(formats), forced_(std::move(forced_format)) {
    for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~ParallelParser() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    work_ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  ParallelParser(const ParallelParser&) = delete;
  ParallelParser& operator=(const ParallelParser&) = delete;

  // Queues one document; hands over every finished document that is next in
  // order. Blocks while too many are in flight, keeping memory bounded.
  // Documents travel in batches: a feed of tens of thousands of small files
  // would otherwise cost more in thread hand-offs than in parsing.
  void submit(std::string name, std::string text, std::string where) {
    if (!batch_) batch_ = std::make_shared<Job>();
    batch_bytes_ += text.size();
    Doc& doc = batch_->docs.emplace_back();
    doc.name = std::move(name);
    doc.text = std::move(text);
    doc.where = std::move(where);
    if (batch_->docs.size() >= kBatchDocuments || batch_bytes_ >= kBatchBytes) flush();
  }

  // Waits for every queued document and hands all of them over.
  void drain() {
    flush();
    std::unique_lock lock(mu_);
    while (!in_order_.empty()) {
      done_ready_.wait(lock, [&] { return in_order_.front()->done; });
      hand_over(lock);
    }
  }

 private:
  static constexpr size_t kBatchDocuments = 32;
  static constexpr size_t kBatchBytes = 256 << 10;

  struct Doc {
    std::string name, text, where;
    const Importer* importer = nullptr;  // chosen by the worker
    // What the document held, recorded by a context of its own.
    Dataset data;
    ImportSummary summary;
  };
  struct Job {
    std::vector<Doc> docs;
    bool done = false;  // guarded by mu_
  };

  size_t max_in_flight() const { return threads_.size() * 4; }

  void flush() {
    if (!batch_) return;
    std::shared_ptr<Job> job = std::move(batch_);
    batch_bytes_ = 0;
    std::unique_lock lock(mu_);
    done_ready_.wait(lock, [&] { return in_order_.size() < max_in_flight() || in_order_.front()->done; });
    hand_over(lock);
    in_order_.push_back(job);
    waiting_.push_back(job);
    work_ready_.notify_one();
  }

  void work() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mu_);
        work_ready_.wait(lock, [&] { return !waiting_.empty() || closing_; });
        if (waiting_.empty()) return;
        job = std::move(waiting_.front());
        waiting_.pop_front();
      }
      for (Doc& doc : job->docs) {
        ImportContext local(doc.data, doc.summary);
        local.begin_source({});  // receives the document's newest date
        try {
          doc.importer = choose_importer(forced_, doc.name, doc.text);
          if (doc.importer)
            doc.importer->import(doc.text, doc.where, local);
          else
            local.problem(doc.where, kUnrecognised);
        } catch (const std::exception& e) {
          local.problem(doc.where, std::string("importer failed: ") + e.what());
        }
        doc.text = {};
      }
      {
        std::lock_guard lock(mu_);
        job->done = true;
      }
      done_ready_.notify_all();
    }
  }

  // Replays finished batches at the head of the order into the real
  // context. Called with the lock held; releases it while replaying.
  void hand_over(std::unique_lock<std::mutex>& lock) {
    while (!in_order_.empty() && in_order_.front()->done) {
      std::shared_ptr<Job> job = std::move(in_order_.front());
      in_order_.pop_front();
      lock.unlock();
      for (Doc& doc : job->docs) {
        if (doc.importer) {
          formats_.insert(doc.importer->name);
          ctx_.set_format(doc.importer->name);
        }
        for (auto& p : doc.summary.problems) {
          if (p.skipped)
            ctx_.problem(std::move(p.where), std::move(p.message));
          else
            ctx_.warning(std::move(p.where), std::move(p.message));
        }
        for (auto& a : doc.data.advisories) ctx_.add(std::move(a));
        for (auto& e : doc.data.epss) ctx_.add(std::move(e));
        for (auto& k : doc.data.kev) ctx_.add(std::move(k));
        if (!doc.data.sources.empty()) ctx_.note_date(doc.data.sources.front().data_date);
      }
      lock.lock();
    }
  }

  ImportContext& ctx_;
  std::set<std::string>& formats_;
  const std::string forced_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_ready_, done_ready_;
  std::deque<std::shared_ptr<Job>> in_order_;  // every queued document, in order
  std::deque<std::shared_ptr<Job>> waiting_;   // those no worker has taken yet
  bool closing_ = false;
  std::shared_ptr<Job> batch_;  // being filled by the importing thread
  size_t batch_bytes_ = 0;
};

class Walker {
 public:
  Walker(const ImportOptions& opt, ImportContext& ctx, ImportSummary& summary)
      : opt_(opt), ctx_(ctx), summary_(summary) {
    unsigned workers = std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
    if (opt.parallel) parser_ = std::make_unique<ParallelParser>(ctx, formats_, opt.format, workers);
  }

  // Hands over every document still being parsed (before a source ends).
  void drain() {
    if (parser_) parser_->drain();
  }

  // A problem of the walk itself, in order after the documents before it.
  void problem(std::string where, std::string message) {
    drain();
    ctx_.problem(std::move(where), std::move(message));
  }

  void document(const std::string& name, std::string&& text, const std::string& where) {
    ++summary_.files;
    if (parser_ && text.size() <= ParallelParser::kMaxDocumentBytes) {
      parser_->submit(name, std::move(text), where);  // the worker chooses the importer
      return;
    }
    const Importer* imp = choose_importer(opt_.format, name, text);
    if (!imp) return problem(where, kUnrecognised);
    drain();  // what came before is handed over first, keeping the order
    formats_.insert(imp->name);
    ctx_.set_format(imp->name);
    imp->import(text, where, ctx_);
  }

  // The size limit of a document: ImportOptions::max_file_bytes, raised for
  // the format that would claim it (Importer::max_file_bytes) as judged from
  // its first bytes.
  uint64_t limit_for(const std::string& name, std::string_view head) const {
    const Importer* imp = choose_importer(opt_.format, name, head);
    return imp ? std::max(opt_.max_file_bytes, imp->max_file_bytes) : opt_.max_file_bytes;
  }

  uint64_t largest_limit() const {
    uint64_t m = opt_.max_file_bytes;
    for (const auto& i : importers()) m = std::max(m, i.max_file_bytes);
    return m;
  }

  void file(const fs::path& p, bool explicit_file) {
    const std::string where = p.string();
    std::string name = p.filename().string();
    if (!explicit_file && !feed_like(name)) {
      ++summary_.ignored_files;
      return;
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) return problem(where, "cannot open");
    char magic[4096] = {};  // also the head the size limit is judged by
    in.read(magic, sizeof magic);
    std::streamsize got = in.gcount();
    bool zip = got >= 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
    bool gz = got >= 2 && static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b;
    bool tar = got >= 262 && std::string_view(magic + 257, 5) == "ustar";
    if (zip || gz || tar) return archive(p);
    std::error_code ec;
    uint64_t size = fs::file_size(p, ec);
    if (ec) return problem(where, "cannot stat: " + ec.message());
    // Sniffing costs; only a document over the general limit needs to know
    // whether its format allows more.
    uint64_t limit = size <= opt_.max_file_bytes ? opt_.max_file_bytes
                                                 : limit_for(name, std::string_view(magic, static_cast<size_t>(got)));
    if (size > limit)
      return problem(where, "file of " + std::to_string(size) + " bytes is over the limit of " +
                                     std::to_string(limit) + " bytes");
    std::string text(size, '\0');
    in.clear();
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<size_t>(in.gcount()));
    document(name, std::move(text), where);
  }

  void archive(const fs::path& p) {
    const std::string where = p.string();
    std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_format_zip(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
    // A gzip'd single document (.json.gz, .csv.gz) is the "raw" format.
    archive_read_support_format_raw(a.get());
    if (archive_read_open_filename(a.get(), where.c_str(), 1 << 16) != ARCHIVE_OK)
      return problem(where, std::string("cannot open archive: ") + archive_error_string(a.get()));
    archive_entry* entry = nullptr;
    uint64_t entries = 0, total = 0;
    int rc;
    while ((rc = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
      if (++entries > limits().max_entries)
        return problem(where, "more than " + std::to_string(limits().max_entries) + " entries; rest skipped");
      if (archive_entry_filetype(entry) != AE_IFREG) continue;
      bool raw = archive_format(a.get()) == ARCHIVE_FORMAT_RAW;
      const char* pn = archive_entry_pathname(entry);
      std::string entry_name = raw ? strip_gz(p.filename().string()) : std::string(pn ? pn : "");
      std::string ewhere = raw ? where : where + "!" + entry_name;
      std::string base = fs::path(entry_name).filename().string();
      if (!raw && !feed_like(base)) {
        ++summary_.ignored_files;
        continue;
      }
      if (archive_entry_size_is_set(entry) && static_cast<uint64_t>(archive_entry_size(entry)) > largest_limit()) {
        problem(ewhere, "entry of " + std::to_string(archive_entry_size(entry)) + " bytes is over the limit of " +
                                 std::to_string(largest_limit()) + " bytes");
        continue;
      }
      std::string text;
      char buf[1 << 16];
      bool over = false;
      la_ssize_t n;
      uint64_t limit = opt_.max_file_bytes;
      bool raised = false;  // asked the format for a larger limit (only past the general one)
      while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) {
        if (text.size() + static_cast<size_t>(n) > limit && !raised) {
          raised = true;
          std::string_view head = text.empty() ? std::string_view(buf, static_cast<size_t>(n)) : std::string_view(text);
          limit = limit_for(base, head.substr(0, 4096));
        }
        if (text.size() + static_cast<size_t>(n) > limit) {
          over = true;
          break;
        }
        text.append(buf, static_cast<size_t>(n));
      }
      if (n < 0) {
        problem(ewhere, std::string("read error: ") + archive_error_string(a.get()));
        return;  // the stream is broken; later entries cannot be trusted
      }
      if (over) {
        problem(ewhere, "entry is over the limit of " + std::to_string(limit) + " bytes");
        continue;  // libarchive skips the rest of the entry on the next header
      }
      total += text.size();
      if (total > limits().max_layer_bytes)
        return problem(where, "archive expands beyond " + std::to_string(limits().max_layer_bytes) + " bytes; rest skipped");
      // Nested archives are not opened: bundles are flat.
      if (ends_with(to_lower(base), ".zip") || ends_with(to_lower(base), ".tar") || ends_with(to_lower(base), ".tgz") ||
          (ends_with(to_lower(base), ".gz") && !raw)) {
        ++summary_.ignored_files;
        continue;
      }
      document(base, std::move(text), ewhere);
    }
    if (rc != ARCHIVE_EOF) problem(where, std::string("archive error: ") + archive_error_string(a.get()));
  }

  Status path(const fs::path& p) {
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return Error(ErrorCode::kNotFound, "no such file or directory", p.string());
    if (fs::is_directory(st)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
      if (ec) return Error(ErrorCode::kIo, "cannot list directory: " + ec.message(), p.string());
      std::sort(files.begin(), files.end());  // deterministic order, so problems read the same every run
      for (const auto& f : files) {
        // Dot files (.id-allocator) are bookkeeping, not records.
        if (f.filename().string().starts_with(".")) {
          ++summary_.ignored_files;
          continue;
        }
        file(f, false);
      }
      return {};
    }
    if (!fs::is_regular_file(st)) return Error(ErrorCode::kInvalidArgument, "not a regular file or directory", p.string());
    file(p, true);
    return {};
  }

  std::string formats() const {
    std::string out;
    for (const auto& f : formats_) out += (out.empty() ? "" : ",") + f;
    return out;
  }
  void reset_formats() { formats_.clear(); }

 private:
  const ImportOptions& opt_;
  ImportContext& ctx_;
  ImportSummary& summary_;
  std::set<std::string> formats_;
  std::unique_ptr<ParallelParser> parser_;  // last: its workers stop before the rest goes
};

std::string source_name(const fs::path& p) {
  std::string n = p.filename().string();
  if (n.empty()) n = p.parent_path().filename().string();
  for (std::string_view ext : {".gz", ".tgz", ".tar", ".zip", ".json", ".yaml", ".csv"})
    if (ends_with(n, ext)) n.resize(n.size() - ext.size());
  return n;
}

}  // namespace

namespace {
Result<ImportSummary> walk_paths(const std::vector<std::string>& paths, Dataset& data, DatabaseBuilder* sink,
                                 const ImportOptions& opt) {
  if (!opt.format.empty() && !find_importer(opt.format))
    return Error(ErrorCode::kInvalidArgument, "unknown feed format '" + opt.format + "'");
  ImportSummary summary;
  ImportContext ctx = sink ? ImportContext(data, summary, *sink) : ImportContext(data, summary);
  Walker walker(opt, ctx, summary);
  std::set<std::string> names;
  for (const auto& p : paths) {
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec);
    SourceInfo s;
    s.name = source_name(fs::path(p).lexically_normal());
    // Two inputs with the same base name stay two sources.
    std::string base = s.name;
    for (int i = 2; !names.insert(s.name).second; ++i) s.name = base + "-" + std::to_string(i);
    s.location = ec ? p : abs.string();
    ctx.begin_source(std::move(s));
    walker.reset_formats();
    Status st = walker.path(p);
    walker.drain();  // every record of this source is counted before the next begins
    if (!st.ok()) return st.error();
    data.sources.back().format = walker.formats();
  }
  return summary;
}

}  // namespace

Result<ImportSummary> import_paths(const std::vector<std::string>& paths, Dataset& data, const ImportOptions& opt) {
  return walk_paths(paths, data, nullptr, opt);
}

Result<ImportSummary> import_paths(const std::vector<std::string>& paths, Dataset& data, DatabaseBuilder& sink,
                                   const ImportOptions& opt) {
  return walk_paths(paths, data, &sink, opt);
}

}  // namespace bulwark::vulndb
