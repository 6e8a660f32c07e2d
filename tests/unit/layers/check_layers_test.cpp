// tests/layers/check_layers.sh against fixture trees written for each test: the real rules
// (tests/layers/layers.rules) on a tree whose includes run down the layers, then the same tree with
// one include that runs up, sideways, into a library the layer may not use, or out of every layer.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string output;
};

// A repository-shaped tree in a fresh temporary directory, removed at the end of the test.
class Tree {
 public:
  Tree() {
    std::string pattern = (fs::temp_directory_path() / "seedgrid_layers_XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
  }
  ~Tree() { fs::remove_all(root_); }

  Tree& file(const std::string& path, const std::string& text) {
    fs::create_directories((root_ / path).parent_path());
    std::ofstream(root_ / path) << text;
    return *this;
  }

  // A tree every rule accepts: each layer includes the one below it.
  Tree& honest() {
    return file("kernels/cpu/ops.hpp", "#pragma once\n#include <cstdint>\n")
        .file("kernels/cuda/gemm.cu",
              "#include <cuda_runtime.h>\n#include \"kernels/cuda/ops.hpp\"\n")
        .file("models/unet/unet.cpp",
              "#include \"models/unet/unet.hpp\"\n#include \"kernels/cpu/ops.hpp\"\n")
        .file("config/node_config.hpp", "#pragma once\n#include \"models/result.hpp\"\n")
        .file("config/parse.cpp",
              "#include <boost/json.hpp>\n#include \"config/node_config.hpp\"\n")
        .file("runtime/base/verify/commitment/merkle.hpp",
              "#pragma once\n#include \"runtime/base/crypto/hash.hpp\"\n")
        .file("runtime/base/protocol/job_result.hpp",
              "#pragma once\n#include <caf/atom.hpp>\n"
              "#include \"runtime/base/verify/commitment/merkle.hpp\"\n")
        .file("runtime/base/verify/receipt.hpp",
              "#pragma once\n#include \"runtime/base/protocol/job_result.hpp\"\n"
              "#include \"config/node_config.hpp\"\n")
        .file("actors/worker/worker_actor.cpp",
              "#include <caf/all.hpp>\n#include \"runtime/base/verify/receipt.hpp\"\n")
        .file("runtime/node/node.cpp", "#include \"actors/worker/worker_actor.hpp\"\n")
        .file("runtime/cli/main.cpp",
              "#include <CLI/CLI.hpp>\n#include \"runtime/node/node.hpp\"\n  // #include "
              "\"tests/x.hpp\"\n");
  }

  Outcome check(const std::string& extra_args = "") const {
    const std::string command =
        "bash " SEEDGRID_CHECK_LAYERS " " + extra_args + " " + root_.string() + " 2>&1";
    Outcome run;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> buf;
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;)
      run.output.append(buf.data(), n);
    const int raw = ::pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return run;
  }

  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

bool has(const Outcome& r, const std::string& text) {
  return r.output.find(text) != std::string::npos;
}

// The line of layers.rules that declares `folder`, as the checker cites it.
std::string rule_of(const std::string& folder) {
  std::ifstream rules(fs::path(SEEDGRID_CHECK_LAYERS).parent_path() / "layers.rules");
  int n = 0;
  for (std::string line; std::getline(rules, line);) {
    ++n;
    if (line.starts_with("layer") && line.find(" " + folder + " ") != std::string::npos)
      return "layers.rules:" + std::to_string(n) + "]";
  }
  return "no rule for " + folder;
}

TEST(LayerCheck, ATreeWhoseIncludesRunDownTheLayersPasses) {
  Tree tree;
  const Outcome r = tree.honest().check();
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r, "every include runs down the layers")) << r.output;
}

TEST(LayerCheck, AModelsFileIncludingConfigFailsNamingTheFileTheLineAndTheRule) {
  Tree tree;
  tree.honest().file("models/unet/unet_config.cpp",
                     "#include \"models/unet/unet.hpp\"\n\n#include \"config/node_config.hpp\"\n");
  const Outcome r = tree.check();
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r,
                  "models/unet/unet_config.cpp:3: \"config/node_config.hpp\" runs up the layers: "
                  "models (level 2) may not include config (level 3)"))
      << r.output;
  EXPECT_TRUE(has(r, rule_of("models"))) << r.output;
  EXPECT_TRUE(has(r, "1 include(s) in 1 file(s) break the layers")) << r.output;
}

TEST(LayerCheck, ConfigReachingForRuntimeBehindHasIncludeFails) {
  Tree tree;
  tree.honest().file("config/validator_thresholds.cpp",
                     "#if __has_include(\"runtime/base/verify/calibrated_thresholds.hpp\")\n"
                     "#endif\n");
  const Outcome r = tree.check();
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r,
                  "config/validator_thresholds.cpp:1: \"runtime/base/verify/calibrated_thresholds"
                  ".hpp\" runs up the layers: config (level 3) may not include "
                  "runtime/base/verify"))
      << r.output;
}

TEST(LayerCheck, ProtocolMayUseTheCommitmentBelowItButNotTheAuditsAboveIt) {
  Tree tree;
  tree.honest().file("runtime/base/protocol/audit.hpp",
                     "#pragma once\n#include \"runtime/base/verify/audits.hpp\"\n");
  const Outcome r = tree.check();
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r,
                  "runtime/base/protocol/audit.hpp:2: \"runtime/base/verify/audits.hpp\" runs up "
                  "the layers: runtime/base/protocol (level 6) may not include "
                  "runtime/base/verify (level 7)"))
      << r.output;
  EXPECT_FALSE(has(r, "job_result.hpp")) << r.output;  // its commitment/ include is allowed
}

TEST(LayerCheck, FoldersOfOneLevelStayIndependentOfEachOther) {
  Tree tree;
  tree.honest().file("runtime/base/crypto/identity.cpp",
                     "#include \"runtime/base/storage/database.hpp\"\n");
  const Outcome r = tree.check();
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r,
                  "runtime/base/crypto/identity.cpp:1: \"runtime/base/storage/database.hpp\" "
                  "crosses a layer: runtime/base/crypto and runtime/base/storage are both level 4"))
      << r.output;
}

TEST(LayerCheck, TheCoreIncludingALibraryBeyondTheStandardOneFails) {
  Tree tree;
  tree.honest().file("models/json/reader.cpp", "#include <vector>\n#include <boost/json.hpp>\n");
  const Outcome r = tree.check();
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r,
                  "models/json/reader.cpp:2: <boost/json.hpp> uses boost, which models may not "
                  "use (it may use: cuda)"))
      << r.output;
}

TEST(LayerCheck, AFolderNoRuleNamesFailsUntilItGetsItsLine) {
  Tree tree;
  tree.honest().file("runtime/scripting/lua_host.cpp",
                     "#include \"runtime/base/protocol/job.hpp\"\n");
  const Outcome r = tree.check();
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r, "runtime/scripting/lua_host.cpp: is in no layer: add its folder to"))
      << r.output;
}

TEST(LayerCheck, AnIncludeNotWrittenFromTheRepositoryTopFails) {
  Tree tree;
  tree.honest().file("actors/worker/renderer.cpp", "#include \"renderer.hpp\"\n");
  const Outcome r = tree.check();
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r,
                  "actors/worker/renderer.cpp:1: \"renderer.hpp\" is not rooted at a layer "
                  "folder"))
      << r.output;
}

TEST(LayerCheck, AnUnreadableRulesLineStopsTheCheckWithItsLineNumber) {
  Tree tree;
  tree.honest().file("rules", "library caf caf/\nlayer one kernels\n");
  const Outcome r = tree.check("--rules " + (tree.root() / "rules").string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r, "rules:2: expected: layer LEVEL FOLDER [LIBRARY ...]")) << r.output;
}

}  // namespace
