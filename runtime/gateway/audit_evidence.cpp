#include "runtime/gateway/audit_evidence.hpp"

#include <string_view>

namespace seedgrid::gateway {

namespace {

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

}  // namespace

std::string evidence_for_client(std::string evidence, const std::string& audit_folder,
                                const std::string& models_dir) {
  replace_all(evidence, audit_folder + "/", "");
  replace_all(evidence, audit_folder, "the files sent for the audit");
  if (models_dir.empty()) {
    // find_model's answer to no folder at all ("--models-dir  is not a folder").
    replace_all(evidence, "--models-dir  is not a folder",
                "this gateway keeps no models, so it cannot run the checks that need one; "
                "`seedgrid audit RECEIPT.json --models-dir DIR` runs them where the model is");
  } else {
    replace_all(evidence, "--models-dir " + models_dir, "the gateway's models folder");
    std::string folder = models_dir;
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    replace_all(evidence, folder + "/", "");  // a checkpoint's path: its name in the folder
    // Alone, only an absolute path is surely the folder: "data" could be any word.
    if (folder.front() == '/') replace_all(evidence, folder, "the gateway's models folder");
  }
  return evidence;
}

}  // namespace seedgrid::gateway
