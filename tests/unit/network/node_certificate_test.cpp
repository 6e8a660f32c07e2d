// A node certificate certifies exactly its own key: made from the node key it names that key's id
// and is signed by it; one that names another id, or whose signature is not its key's, certifies
// nothing, and the reason names both ids.
#include "runtime/base/link/node_certificate.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>

namespace seedgrid::link {
namespace {

TEST(NodeCertificate, CertifiesTheNodeIdOfItsOwnKey) {
  const Identity id = Identity::generate();
  auto cert = make_node_certificate(id);
  ASSERT_TRUE(cert) << cert.error().message;
  auto certified = certified_node_id(cert->certificate.get());
  ASSERT_TRUE(certified) << certified.error().message;
  EXPECT_EQ(*certified, id.node_id());
}

TEST(NodeCertificate, ACertificateNamingAnotherKeyCertifiesNothing) {
  const Identity holder = Identity::generate();
  const Identity named = Identity::generate();
  auto cert = make_certificate(holder, named.node_id());
  ASSERT_TRUE(cert) << cert.error().message;
  auto certified = certified_node_id(cert->certificate.get());
  ASSERT_FALSE(certified);
  EXPECT_NE(certified.error().message.find("names node \"" + named.node_id() + "\""),
            std::string::npos)
      << certified.error().message;
  EXPECT_NE(certified.error().message.find("holds the key of node " + holder.node_id()),
            std::string::npos)
      << certified.error().message;
}

TEST(NodeCertificate, ACertificateSignedByAnotherKeyCertifiesNothing) {
  const Identity id = Identity::generate();
  const Identity other = Identity::generate();
  auto cert = make_node_certificate(id);
  auto foreign = make_node_certificate(other);
  ASSERT_TRUE(cert && foreign);
  // The same certificate, re-signed by another key: its key no longer vouches for it.
  ASSERT_GT(X509_sign(cert->certificate.get(), foreign->key.get(), nullptr), 0);
  auto certified = certified_node_id(cert->certificate.get());
  ASSERT_FALSE(certified);
  EXPECT_NE(certified.error().message.find("is not signed by that key"), std::string::npos)
      << certified.error().message;
}

}  // namespace
}  // namespace seedgrid::link
