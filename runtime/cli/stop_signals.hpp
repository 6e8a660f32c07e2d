#pragma once
// The signals that stop a command (SIGINT, SIGTERM): the commands that wait for them with sigwait
// (generate, sim --serve) block them before their threads start.
#include <csignal>

namespace seedgrid::cli {

sigset_t stop_signals();
// Blocks stop_signals() in this thread and every thread started after it.
void block_stop_signals();

}  // namespace seedgrid::cli
