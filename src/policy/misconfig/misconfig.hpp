// Configuration scanning: files of known formats (Kubernetes manifests,
// Dockerfiles, Terraform, Terraform plans, CloudFormation) are parsed into
// documents with source positions, and policies written in CEL are evaluated
// over them. A new format is one file in formats/ and one line in
// formats/registry.cpp.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/model.hpp"

namespace bulwark::policy {

// A configuration file as found in the target.
struct ConfigFile {
  std::string path;   // inside the target, no leading "/"
  std::string layer;  // diffID for image files, empty for directories
  std::string text;
};

// Bounds for configuration files (read limits for the trees come from here too).
struct ConfigLimits {
  uint64_t max_file_bytes = 8ull << 20;
  ReadLimits read;
};

class ConfigFormat {
 public:
  virtual ~ConfigFormat() = default;
  // "kubernetes", "dockerfile", "terraform", "terraform-plan", "cloudformation".
  virtual std::string_view name() const = 0;
  // Whether the file may be of this format, by path only (cheap: the walker
  // asks before reading the body).
  virtual bool wants(std::string_view path) const = 0;
  // Whether the text really is of this format (a YAML file may be Kubernetes,
  // CloudFormation or neither). Called on files wants() accepted.
  virtual bool detect(std::string_view path, std::string_view text) const = 0;
  // Parses the files detect() accepted, all at once: Terraform reads a module
  // directory as a whole; the others read file by file. Problems are
  // diagnostics naming the file and line; other files are still read.
  virtual void parse(std::span<const ConfigFile* const> files, const ConfigLimits& limits,
                     std::vector<Document>& out, std::vector<Diagnostic>& diags) const = 0;
};

using ConfigFormatPtr = std::unique_ptr<ConfigFormat>;

// Every format, in registration order (formats/registry.cpp).
const std::vector<ConfigFormatPtr>& config_formats();
const ConfigFormat* find_config_format(std::string_view name);

// Factories, one per file in formats/.
ConfigFormatPtr make_kubernetes_format();
ConfigFormatPtr make_dockerfile_format();
ConfigFormatPtr make_cloudformation_format();
ConfigFormatPtr make_terraform_format();
ConfigFormatPtr make_terraform_plan_format();

// ---- Kubernetes --------------------------------------------------------------
// The path from a workload document's root to its pod spec: "spec" for a Pod,
// "spec.template.spec" for Deployment, StatefulSet, DaemonSet, ReplicaSet,
// ReplicationController and Job, "spec.jobTemplate.spec.template.spec" for
// CronJob, "template.spec" for PodTemplate; empty for other kinds.
std::string_view pod_spec_path(std::string_view kind);

}  // namespace bulwark::policy
