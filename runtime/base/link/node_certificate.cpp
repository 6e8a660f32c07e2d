#include "runtime/base/link/node_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <cstdio>

namespace seedgrid::link {

namespace {

// The subject: the node id as its common name (64 characters, the most X.509 allows there) under
// an organization that says what the name is.
constexpr const char* kOrganization = "seedgrid node";

std::string hex(const unsigned char* bytes, std::size_t n) {
  std::string out;
  char buf[3];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += buf;
  }
  return out;
}

std::string common_name(X509* certificate) {
  X509_NAME* subject = X509_get_subject_name(certificate);
  if (!subject) return {};
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

Result<NodeCertificate> make_certificate(const Identity& signer, std::string_view named_node_id) {
  const auto& seed = signer.secret_seed();
  std::shared_ptr<EVP_PKEY> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()),
      EVP_PKEY_free);
  if (!key) return fail("OpenSSL cannot hold the Ed25519 node key (is libssl3 too old?)");
  std::shared_ptr<X509> cert(X509_new(), X509_free);
  if (!cert) return fail("OpenSSL cannot create a certificate (out of memory?)");
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  // Validity is no part of the trust: a node id is trusted (pinned) or not, whatever the date. The
  // window only has to contain every clock the certificate meets.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 50L * 365 * 24 * 3600);
  const std::string id(named_node_id);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(kOrganization), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(id.c_str()), -1, -1,
                                 0) != 1)
    return fail("OpenSSL cannot name node \"", id, "\" in a certificate (at most 64 characters)");
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (X509_sign(cert.get(), key.get(), nullptr) <= 0)  // Ed25519 signs without a digest
    return fail("OpenSSL cannot sign the node certificate");
  return NodeCertificate{std::move(cert), std::move(key)};
}

Result<std::string> certified_node_id(X509* certificate) {
  if (!certificate) return fail("it presented no certificate");
  EVP_PKEY* key = X509_get0_pubkey(certificate);
  if (!key || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
    return fail("its certificate's key is not an Ed25519 node key");
  std::array<unsigned char, 32> raw{};
  std::size_t n = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &n) != 1 || n != raw.size())
    return fail("its certificate's key is not an Ed25519 node key");
  const std::string id = hex(raw.data(), raw.size());
  if (X509_verify(certificate, key) != 1)
    return fail("its certificate for key ", id, " is not signed by that key");
  const std::string cn = common_name(certificate);
  if (cn != id)
    return fail("its certificate names node \"", cn, "\" but holds the key of node ", id,
                " (a certificate must name its own key)");
  return id;
}

}  // namespace seedgrid::link
