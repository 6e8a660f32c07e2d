#pragma once
// The evidence of a /v1/audit check as the client reads it. The checks (runtime/base/verify) were
// written for `seedgrid audit`, whose user named the files and the --models-dir; here the receipt
// and the PNG are the client's, written to a folder of the server's for the check, and the models
// are the gateway's: no server path means anything to the client (nor is it the client's business).
#include <string>

namespace seedgrid::gateway {

// `evidence` without `audit_folder` (the client's files keep their own names: the receipt's
// image_file, "<request id>-<job index>.png") and without `models_dir` (named as the gateway's
// models folder; an empty one, a gateway that keeps no models, said as such).
std::string evidence_for_client(std::string evidence, const std::string& audit_folder,
                                const std::string& models_dir);

}  // namespace seedgrid::gateway
