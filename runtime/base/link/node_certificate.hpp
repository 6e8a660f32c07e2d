#pragma once
// A node's TLS certificate is its Ed25519 node key and nothing more: an X.509 certificate for that
// key, signed by that key, whose subject names the node id (O=seedgrid node, CN=<64 hex>). It is made
// in memory at every start, so there is no certificate file to lose or to mismatch. A peer's
// certificate is accepted when it is such a certificate (an Ed25519 key, signed by itself, naming
// that key's node id); TLS 1.3 then proves the peer holds the private key (CertificateVerify), so
// the node id read from the certificate is the peer's identity. No CA is involved: a node id is
// already a public key, so a CA signature would add nothing but a second thing to trust.
#include <memory>
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace seedgrid::link {

struct NodeCertificate {
  std::shared_ptr<X509> certificate;
  std::shared_ptr<EVP_PKEY> key;  // the node key, as OpenSSL holds it
};

// The certificate `signer`'s key presents. `named_node_id` is what its subject says; a node names
// its own id (a test names another one to show that such a certificate is refused).
Result<NodeCertificate> make_certificate(const Identity& signer, std::string_view named_node_id);
inline Result<NodeCertificate> make_node_certificate(const Identity& identity) {
  return make_certificate(identity, identity.node_id());
}

// The node id a peer's certificate certifies, or why it certifies none (naming what it holds).
Result<std::string> certified_node_id(X509* certificate);

}  // namespace seedgrid::link
