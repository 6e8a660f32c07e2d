#include "runtime/base/crypto/sodium_init.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace seedgrid {

void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "seedgrid: libsodium failed to initialise\n");
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

}  // namespace seedgrid
