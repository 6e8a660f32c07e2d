#pragma once

namespace seedgrid {
// Initialises libsodium once per process (thread-safe); aborts if the library cannot start,
// since no key or hash could be trusted after that.
void ensure_sodium();
}  // namespace seedgrid
