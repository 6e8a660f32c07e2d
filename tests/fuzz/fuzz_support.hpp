#pragma once
// What the fuzz targets share: a per-process scratch folder for the parsers that read files, and
// the small CLIP vocabulary of the tiny preset written there once.
#include <cstdint>
#include <span>
#include <string>

namespace seedgrid::fuzz {

// A folder of this process (in /dev/shm when there is one), created on first use.
const std::string& scratch_dir();
// Writes `bytes` to scratch_dir()/name and returns the path.
std::string write_scratch(const std::string& name, std::span<const std::uint8_t> bytes);
// scratch_dir()/tokenizer with vocab.json and merges.txt of the tiny preset's vocabulary.
const std::string& tiny_tokenizer_dir();

}  // namespace seedgrid::fuzz

// Every target defines this (the libFuzzer entry point); replay_main.cpp calls it on each file of
// a corpus in the plain build, libFuzzer in the fuzzing build.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
