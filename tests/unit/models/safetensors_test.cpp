#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "models/tensor/half.hpp"
#include "models/weights/safetensors_reader.hpp"
#include "models/weights/safetensors_writer.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;
using seedgrid::test::TestDir;

namespace {

// A file with this exact header text and `data_bytes` zero bytes of data.
void write_raw(const std::string& path, const std::string& header, std::size_t data_bytes) {
  std::ofstream out(path, std::ios::binary);
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(n >> (8 * i)));
  out << header << std::string(data_bytes, '\0');
}

std::string read_error(const std::string& path, const SafetensorsReadOptions& options = {}) {
  auto f = read_safetensors(path, options);
  EXPECT_FALSE(f.has_value()) << path;
  return f ? std::string() : f.error().message;
}

void expect_contains(const std::string& text, std::initializer_list<std::string_view> parts) {
  for (auto p : parts)
    EXPECT_NE(text.find(p), std::string::npos) << "\"" << p << "\" not in: " << text;
}

}  // namespace

TEST(Safetensors, WriterAndReaderRoundTrip) {
  TestDir dir;
  std::map<std::string, Tensor> tensors;
  tensors["b.f32"] = Tensor::host_f32({2, 3}, {1, 2, 3, 4, 5, 6.5f});
  tensors["a.f16"] = host_to_dtype(Tensor::host_f32({3}, {0.5f, -2, 1024}), DType::f16);
  tensors["c.bf16"] = host_to_dtype(Tensor::host_f32({1, 1, 2}, {3, -0.25f}), DType::bf16);
  tensors["d.empty"] = Tensor::host({0, 4});
  tensors["e.scalar"] = Tensor::host_f32({}, {7});
  const std::string path = dir / "w.safetensors";
  ASSERT_TRUE(write_safetensors(path, tensors, {{"format", "pt"}, {"note", "ü"}}));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));

  auto file = read_safetensors(path);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->metadata, (SafetensorsMetadata{{"format", "pt"}, {"note", "ü"}}));
  ASSERT_EQ(file->entries.size(), 5u);
  EXPECT_EQ(file->entries[0].name, "a.f16");  // sorted
  for (const auto& [name, t] : tensors) {
    const SafetensorsEntry* e = file->find(name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_EQ(e->tensor.shape(), t.shape());
    EXPECT_EQ(e->tensor.dtype(), t.dtype());
    EXPECT_EQ(std::memcmp(e->tensor.raw(), t.raw(), t.bytes()), 0) << name;
  }
  EXPECT_EQ(file->find("a.f16")->dtype, "F16");
  EXPECT_EQ(file->find("c.bf16")->dtype, "BF16");
  EXPECT_EQ(file->find("nope"), nullptr);

  // Views keep the mapping alive after the file object is gone.
  Tensor kept = file->find("b.f32")->tensor;
  file = std::unexpected(Error{"dropped"});
  EXPECT_EQ(kept.f32()[5], 6.5f);

  // Header padded to 8 bytes, tensors packed back to back in name order.
  std::ifstream in(path, std::ios::binary);
  std::uint64_t header = 0;
  in.read(reinterpret_cast<char*>(&header), 8);
  EXPECT_EQ(header % 8, 0u);
  EXPECT_EQ(std::filesystem::file_size(path), 8 + header + 6 + 4 + 24 + 0 + 4);
}

TEST(Safetensors, StreamingWriterChecksWhatIsProduced) {
  TestDir dir;
  const std::string path = dir / "s.safetensors";
  auto bad =
      write_safetensors(path, {{"x", DType::f16, {2}}},
                        [](const TensorSpec&) -> Result<Tensor> { return Tensor::host({2}); });
  ASSERT_FALSE(bad);
  expect_contains(bad.error().message, {path, "\"x\"", "f32[2]", "expected f16[2]"});
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  auto dup =
      write_safetensors(path, {{"x", DType::f32, {1}}, {"x", DType::f32, {1}}},
                        [](const TensorSpec&) -> Result<Tensor> { return Tensor::host({1}); });
  ASSERT_FALSE(dup);
  expect_contains(dup.error().message, {"\"x\" appears twice"});
}

TEST(Safetensors, MissingAndTinyFiles) {
  TestDir dir;
  expect_contains(read_error(dir / "absent.safetensors"), {"absent.safetensors"});
  const std::string tiny = dir / "tiny.safetensors";
  std::ofstream(tiny) << "abc";
  expect_contains(read_error(tiny), {tiny, "3 bytes", "too short"});
}

TEST(Safetensors, HeaderLengthPastEndOfFile) {
  TestDir dir;
  const std::string path = dir / "h.safetensors";
  {
    std::ofstream out(path, std::ios::binary);
    const std::uint64_t n = 1000;
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << "{}";
  }
  expect_contains(read_error(path),
                  {path, "header length 1000", "past the end of the file (10 bytes)"});
}

TEST(Safetensors, BadJsonHeader) {
  TestDir dir;
  const std::string path = dir / "j.safetensors";
  write_raw(path, "{\"w\": {\"dtype\": \"F32\",, }}", 0);
  expect_contains(read_error(path), {path, "(JSON header):1:23: expected a string key"});
  write_raw(path, "[1, 2]", 0);
  expect_contains(read_error(path), {path, "must be a JSON object"});
}

TEST(Safetensors, OffsetsOutOfRange) {
  TestDir dir;
  const std::string path = dir / "o.safetensors";
  write_raw(path, R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 8);
  expect_contains(read_error(path),
                  {path, "tensor \"w\"", "[0, 16]", "past the end of the data (8 bytes)"});
  write_raw(path, R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", 8);
  expect_contains(read_error(path), {path, "tensor \"w\"", "end before they begin"});
}

TEST(Safetensors, TruncatedFile) {
  TestDir dir;
  const std::string path = dir / "t.safetensors";
  ASSERT_TRUE(write_safetensors(path, {{"layer.weight", Tensor::host({64})}}));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  expect_contains(read_error(path), {path, "tensor \"layer.weight\"", "truncated"});
}

TEST(Safetensors, OverlappingTensors) {
  TestDir dir;
  const std::string path = dir / "v.safetensors";
  write_raw(path,
            R"({"first": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                "second": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
            16);
  expect_contains(read_error(path), {path, "tensor \"second\"", "overlaps tensor \"first\""});
}

TEST(Safetensors, SizeMustMatchShapeAndDtype) {
  TestDir dir;
  const std::string path = dir / "z.safetensors";
  write_raw(path, R"({"w": {"dtype": "F16", "shape": [3, 2], "data_offsets": [0, 24]}})", 24);
  expect_contains(read_error(path), {path, "tensor \"w\"", "span 24 bytes", "F16[3, 2] needs 12"});
}

TEST(Safetensors, UnknownAndUnsupportedDtypes) {
  TestDir dir;
  const std::string path = dir / "d.safetensors";
  write_raw(path, R"({"q": {"dtype": "Q4_K", "shape": [2], "data_offsets": [0, 2]}})", 2);
  expect_contains(read_error(path), {path, "tensor \"q\"", "unknown dtype \"Q4_K\""});

  write_raw(path,
            R"({"ids": {"dtype": "I64", "shape": [1, 3], "data_offsets": [0, 24]},
                "w": {"dtype": "F32", "shape": [1], "data_offsets": [24, 28]}})",
            28);
  expect_contains(read_error(path), {path, "tensor \"ids\"", "dtype I64", "F32, F16 and BF16"});
  SafetensorsReadOptions skip;
  skip.skip_other_dtypes = [](std::string_view name) { return name == "ids"; };
  auto file = read_safetensors(path, skip);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_FALSE(file->find("ids")->tensor.defined());
  EXPECT_TRUE(file->find("w")->tensor.defined());
}

TEST(Safetensors, MalformedEntries) {
  TestDir dir;
  const std::string path = dir / "m.safetensors";
  const std::pair<std::string, std::string> cases[] = {
      {R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
       "non-negative integers"},
      {R"({"w": {"dtype": "F32", "shape": 4, "data_offsets": [0, 16]}})",
       "\"shape\" must be a list"},
      {R"({"w": {"dtype": "F32", "shape": [1]}})", "lacks \"data_offsets\""},
      {R"({"w": {"dtype": 1, "shape": [1], "data_offsets": [0, 4]}})",
       "\"dtype\" must be a string"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", "[begin, end]"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})",
       "unexpected key \"x\""},
      {R"({"w": [1]})", "entry must be an object"},
  };
  for (const auto& [header, message] : cases) {
    write_raw(path, header, 16);
    expect_contains(read_error(path), {path, "tensor \"w\"", message});
  }
  write_raw(path, R"({"__metadata__": {"format": 1}})", 0);
  expect_contains(read_error(path), {path, "__metadata__", "\"format\""});
}
