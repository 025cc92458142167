// The details record of a vulnerability (the `record` column of the
// `vulnerabilities` table, docs/vulndb.md "Schema"): every fact a finding
// takes from the database beyond the row's own columns — aliases, advisory
// ids, severities, CWEs, references, EPSS and KEV — as one JSON object
// written once at build time, so that the details of a finding are one
// indexed row instead of a walk over seven tables. Internal to the module:
// the builder writes records, the Reader and the matcher read them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb::record {

struct Severity {
  std::string_view source, type, vector, severity;
  std::optional<double> score;
};
struct Reference {
  std::string_view type, url;
};
struct Epss {
  std::string_view cve, date;
  double score = 0, percentile = 0;
};
struct Kev {
  std::string_view cve, date_added, due_date, ransomware, vendor, product, name;
};

// One record, as views (into the Parser's buffer when parsed).
struct View {
  std::vector<std::string_view> aliases;     // every other id of the vulnerability, sorted
  std::vector<std::string_view> advisories;  // ids of the merged advisories, distinct, sorted
  std::vector<Severity> severities;          // the severities rows, in their order
  std::vector<std::string_view> cwes;        // sorted
  std::vector<Reference> references;         // the refs rows, in their order
  std::optional<Epss> epss;
  std::optional<Kev> kev;
  void clear();
};

// Builds the JSON text of one record; lists are sorted where the schema says
// so. The ids and CWEs given are kept as views until json(); the other facts
// are written out as they are added.
class Builder {
 public:
  void clear();
  void alias(std::string_view id) { aliases_.push_back(id); }
  void advisory(std::string_view id) { advisories_.push_back(id); }
  void severity(std::string_view source, std::string_view type, std::string_view vector, std::optional<double> score,
                std::string_view severity);
  void cwe(std::string_view cwe) { cwes_.push_back(cwe); }
  void reference(std::string_view type, std::string_view url);
  void epss(const Epss& e);
  void kev(const Kev& k);
  // The record; valid until the next clear().
  const std::string& json();

 private:
  std::vector<std::string_view> aliases_, advisories_, cwes_;
  std::string severities_, references_, epss_, kev_, out_;
};

// Parses records; reuse one for many (it keeps its buffers).
class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  // kCorrupt when `json` is not a record. `out` views the parser's buffer
  // until the next parse().
  Status parse(std::string_view json, View& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Copies the record's facts into `d` (id and the row's columns are the caller's).
void copy_to(const View& v, VulnerabilityDetails& d);

}  // namespace bulwark::vulndb::record
