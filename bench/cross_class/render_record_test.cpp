// The record folder's index and files: what one tool writes the other reads back, and what is
// wrong with a damaged one is named with its file and line.
#include "bench/cross_class/render_record.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace seedgrid::bench {
namespace {

class RenderRecord : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            ("render_record_" + std::string(
                                    ::testing::UnitTest::GetInstance()->current_test_info()->name())))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  RecordFolder folder() const {
    RecordFolder f;
    f.dir = dir_;
    f.determinism_class = "cpu-x86_64-f32-0123abcd";
    f.model_id = "shapes";
    RecordedJob j;
    j.name = "j0000";
    j.spec.prompt = "two orange circles on a green background";
    j.spec.seed = 1003;
    j.spec.sampler = SamplerKind::dpmpp_2m;
    j.spec.steps = 8;
    j.spec.guidance = 5.0f;
    j.spec.width = j.spec.height = 64;
    j.latent_shape = {1, 4, 8, 8};
    f.jobs.push_back(j);
    return f;
  }
  void write_text(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F(RenderRecord, IndexAndLatentsReadBackAsWritten) {
  ASSERT_TRUE(write_index(folder()));
  auto read = read_index(dir_);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->determinism_class, "cpu-x86_64-f32-0123abcd");
  EXPECT_EQ(read->model_id, "shapes");
  ASSERT_EQ(read->jobs.size(), 1u);
  const RecordedJob& j = read->jobs[0];
  EXPECT_EQ(j.spec.prompt, "two orange circles on a green background");
  EXPECT_EQ(j.spec.seed, 1003u);
  EXPECT_EQ(j.spec.sampler, SamplerKind::dpmpp_2m);
  EXPECT_EQ(j.spec.guidance, 5.0f);
  EXPECT_EQ(j.latent_shape, (Shape{1, 4, 8, 8}));

  std::vector<Tensor> xs;
  for (int t = 0; t < 3; ++t) {
    xs.push_back(Tensor::host(j.latent_shape));
    for (std::int64_t i = 0; i < xs.back().numel(); ++i) xs.back().f32()[i] = 0.25f * t - 1e-7f * i;
  }
  ASSERT_TRUE(write_latents(dir_ + "/j0000.latents", xs));
  auto back = read_latents(dir_ + "/j0000.latents", j.latent_shape);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), 3u);
  for (int t = 0; t < 3; ++t)
    for (std::int64_t i = 0; i < xs[t].numel(); ++i)
      ASSERT_EQ((*back)[t].f32()[i], xs[t].f32()[i]) << "latent " << t << " element " << i;
}

TEST_F(RenderRecord, DamageIsNamedWithTheFileAndLine) {
  RecordFolder f = folder();
  f.jobs[0].spec.prompt = "a\ttab";
  auto refused = write_index(f);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("prompt of j0000 has a tab"), std::string::npos);

  write_text("renders.tsv", "# class c\tmodel m\nheader\nj0000\tp\t1\teuler\n");
  auto short_line = read_index(dir_);
  ASSERT_FALSE(short_line);
  EXPECT_NE(short_line.error().message.find("renders.tsv:3: expected 11 fields, found 4"),
            std::string::npos)
      << short_line.error().message;

  write_text("renders.tsv", "# class c\tmodel m\nheader\nj0000\tp\t1\theun\t8\t5\t64\t64\t4\t8\t8\n");
  auto sampler = read_index(dir_);
  ASSERT_FALSE(sampler);
  EXPECT_NE(sampler.error().message.find("renders.tsv:3: "), std::string::npos);
  EXPECT_NE(sampler.error().message.find("heun"), std::string::npos) << sampler.error().message;

  write_text("j0000.rgb", std::string(100, 'x'));
  auto pixels = read_pixels(dir_ + "/j0000.rgb", 64, 64);
  ASSERT_FALSE(pixels);
  EXPECT_NE(pixels.error().message.find("100 bytes, expected 64x64x3"), std::string::npos);
}

}  // namespace
}  // namespace seedgrid::bench
