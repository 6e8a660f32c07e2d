#include "runtime/gateway/audit_evidence.hpp"

#include <gtest/gtest.h>

namespace seedgrid::gateway {
namespace {

constexpr const char* kFolder = "/tmp/seedgrid-audit-0123456789abcdef";

TEST(AuditEvidence, TheClientsFilesKeepTheirNamesWithoutTheServersFolder) {
  EXPECT_EQ(evidence_for_client("r-0.png is not the file the worker signed: it no longer decodes "
                                "(reading /tmp/seedgrid-audit-0123456789abcdef/r-0.png: not a PNG)",
                                kFolder, "/srv/models"),
            "r-0.png is not the file the worker signed: it no longer decodes (reading r-0.png: "
            "not a PNG)");
  EXPECT_EQ(evidence_for_client("signed by worker 3fa2", kFolder, "/srv/models"),
            "signed by worker 3fa2");
}

// A receipt naming a model the gateway does not hold showed the gateway's models folder (and the
// command line's --models-dir) to whoever sent it.
TEST(AuditEvidence, TheModelsFolderIsTheGatewaysNeverItsPath) {
  const std::string id(64, 'a');
  EXPECT_EQ(evidence_for_client("no checkpoint under --models-dir /srv/models/ (2 found, "
                                "subfolders included) is model " + id,
                                kFolder, "/srv/models/"),
            "no checkpoint under the gateway's models folder (2 found, subfolders included) is "
            "model " + id);
  EXPECT_EQ(evidence_for_client("loading /srv/models/sd15/unet.bin: truncated", kFolder,
                                "/srv/models"),
            "loading sd15/unet.bin: truncated");
  const auto none = evidence_for_client("--models-dir  is not a folder", kFolder, "");
  EXPECT_EQ(none.find("--models-dir  "), std::string::npos) << none;
  EXPECT_NE(none.find("keeps no models"), std::string::npos) << none;
  // A relative folder's name alone could be any word of the evidence.
  EXPECT_EQ(evidence_for_client("the data differ", kFolder, "data"), "the data differ");
}

}  // namespace
}  // namespace seedgrid::gateway
