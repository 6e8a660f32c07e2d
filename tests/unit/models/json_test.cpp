#include <gtest/gtest.h>

#include "models/json/config_reader.hpp"
#include "models/json/json_parse.hpp"
#include "models/json/json_write.hpp"

using namespace seedgrid;

namespace {

std::string parse_error(std::string_view text) {
  auto v = json::parse(text, "test.json");
  EXPECT_FALSE(v.has_value()) << "parsed: " << text;
  return v ? std::string() : v.error().message;
}

}  // namespace

TEST(Json, ParsesScalarsAndKeepsIntegersExact) {
  auto v =
      json::parse(R"({"a": 9007199254740993, "b": -0.5e-3, "c": true, "d": null, "e": "x"})", "t");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->find("a")->is_integer());
  EXPECT_EQ(v->find("a")->as_int(), 9007199254740993LL);  // not representable as a double
  EXPECT_EQ(v->find("b")->kind(), json::Kind::real);
  EXPECT_DOUBLE_EQ(v->find("b")->as_number(), -0.0005);
  EXPECT_TRUE(v->find("c")->as_bool());
  EXPECT_TRUE(v->find("d")->is_null());
  EXPECT_EQ(v->find("e")->as_string(), "x");
  EXPECT_EQ(v->find("missing"), nullptr);
}

TEST(Json, KeepsObjectKeyOrder) {
  auto v = json::parse(R"({"zeta": 1, "alpha": 2, "mid": 3})", "t");
  ASSERT_TRUE(v);
  const auto& members = v->as_object();
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].first, "zeta");
  EXPECT_EQ(members[1].first, "alpha");
  EXPECT_EQ(members[2].first, "mid");
  EXPECT_EQ(json::write(*v), R"({"zeta":1,"alpha":2,"mid":3})");
}

TEST(Json, DecodesEscapesAndUnicode) {
  auto v = json::parse(R"(["a\"b\\c\/\n\t", "\u00e9\u4e2d", "\ud83d\ude00", "Ġé"])", "t");
  ASSERT_TRUE(v) << v.error().message;
  const auto& a = v->as_array();
  EXPECT_EQ(a[0].as_string(), "a\"b\\c/\n\t");
  EXPECT_EQ(a[1].as_string(), "\xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(a[2].as_string(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(a[3].as_string(), "\xc4\xa0\xc3\xa9");
}

TEST(Json, ErrorsGiveLineAndColumn) {
  EXPECT_EQ(parse_error("{\n  \"a\": 1,\n  \"b\": ]\n}"),
            "test.json:3:8: expected a value, found character ']'");
  EXPECT_EQ(parse_error("[1, 2,]"), "test.json:1:7: trailing comma in array");
  EXPECT_EQ(parse_error("{\"a\": 1,}"), "test.json:1:9: trailing comma in object");
  EXPECT_EQ(parse_error("{\"a\": 1, \"a\": 2}"), "test.json:1:10: duplicate key \"a\"");
  EXPECT_EQ(parse_error("[01]"), "test.json:1:2: number with a leading zero");
  EXPECT_EQ(parse_error("{} x"), "test.json:1:4: unexpected character 'x' after the JSON value");
  EXPECT_EQ(parse_error(""), "test.json:1:1: expected a value, found end of input");
  EXPECT_EQ(parse_error("\"abc"), "test.json:1:1: unterminated string");
}

TEST(Json, RejectsWhatRfc8259Rejects) {
  for (std::string_view bad : {"NaN",
                               "Infinity",
                               "-",
                               "1.",
                               ".5",
                               "1e",
                               "+1",
                               "'a'",
                               "[1 2]",
                               "{a: 1}",
                               "{\"a\" 1}",
                               "\"\\x\"",
                               "\"\\u12\"",
                               "\"\\udc00\"",
                               "\"\\ud800x\"",
                               "\"a\nb\"",
                               "tru",
                               "nul",
                               "1e999",
                               "\"\xff\"",
                               "\"\xc0\xaf\"",
                               "\"\xed\xa0\x80\"",
                               "// c\n1",
                               "[1]]"})
    EXPECT_FALSE(json::parse(bad, "t")) << bad;
}

TEST(Json, LimitsNesting) {
  std::string deep(300, '[');
  deep += std::string(300, ']');
  EXPECT_NE(parse_error(deep).find("nesting deeper than 256"), std::string::npos);
  std::string ok(200, '[');
  ok += std::string(200, ']');
  EXPECT_TRUE(json::parse(ok, "t"));
}

TEST(Json, WriterRoundTrips) {
  json::Value v = json::Object{};
  v.set("s", "quote \" backslash \\ tab \t ctl \x01 é");
  v.set("i", std::int64_t{-42});
  v.set("r", 0.1);
  v.set("whole", 2.0);
  v.set("tiny", json::float_value(1e-5f));
  v.set("list", json::Array{1, "two", nullptr, false, json::Array{}, json::Object{}});
  for (int indent : {-1, 0, 2}) {
    const std::string text = json::write(v, indent);
    auto back = json::parse(text, "t");
    ASSERT_TRUE(back) << back.error().message << "\n" << text;
    EXPECT_EQ(*back, v) << text;
  }
  EXPECT_EQ(json::write(json::Value(2.0)), "2.0");
  EXPECT_EQ(json::write(json::float_value(1e-5f)), "1e-05");
  EXPECT_EQ(json::write(json::Value("\x01")), "\"\\u0001\"");
  EXPECT_EQ(json::write(json::parse(R"({"a":[1,{"b":null}]})", "t").value(), 2),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ]\n}");
}

TEST(Json, SetReplacesInPlace) {
  json::Value v = json::Object{};
  v.set("a", 1);
  v.set("b", 2);
  v.set("a", 3);
  EXPECT_EQ(json::write(v), R"({"a":3,"b":2})");
}

TEST(ConfigReader, ReadsTypedFieldsAndIgnoresUnknownKeys) {
  auto root = json::parse(
      R"({"n": 4, "f": 1, "g": 0.25, "b": true, "s": "x", "l": [1, 2], "one": 7, "names": ["a"],
          "unknown": {"deep": [1]}, "nothing": null})",
      "cfg.json");
  ASSERT_TRUE(root);
  json::ConfigReader r(*root, "cfg.json");
  int n = 0, nothing = 5;
  float f = 0, g = 0;
  bool b = false;
  std::string s;
  std::vector<int> l, one;
  std::vector<std::string> names;
  r.read("n", n);
  r.read("f", f);
  r.read("g", g);
  r.read("b", b);
  r.read("s", s);
  r.read("l", l);
  r.read("one", one);
  r.read("names", names);
  r.read("nothing", nothing);
  r.read("absent", nothing);
  r.require("nothing", {1});
  ASSERT_TRUE(r.status()) << r.status().error().message;
  EXPECT_EQ(n, 4);
  EXPECT_EQ(f, 1.0f);
  EXPECT_EQ(g, 0.25f);
  EXPECT_TRUE(b);
  EXPECT_EQ(s, "x");
  EXPECT_EQ(l, (std::vector<int>{1, 2}));
  EXPECT_EQ(one, (std::vector<int>{7}));
  EXPECT_EQ(names, (std::vector<std::string>{"a"}));
  EXPECT_EQ(nothing, 5);
}

TEST(ConfigReader, ReportsFirstErrorWithFileKeyAndValue) {
  auto root = json::parse(R"({"n": "4", "act": "relu", "shift": "scale_shift", "k": 1.5})", "t");
  ASSERT_TRUE(root);
  {
    json::ConfigReader r(*root, "unet/config.json");
    int n = 0, k = 0;
    r.read("n", n);
    r.read("k", k);  // ignored: an error is already recorded
    EXPECT_EQ(r.status().error().message,
              "unet/config.json: key \"n\" must be an integer, found \"4\"");
  }
  {
    json::ConfigReader r(*root, "c.json");
    std::string act = "silu";
    r.read_choice("act", act, {"silu", "gelu"});
    EXPECT_EQ(r.status().error().message,
              "c.json: key \"act\" has unsupported value \"relu\" (supported: \"silu\", \"gelu\")");
  }
  {
    json::ConfigReader r(*root, "c.json");
    r.require("shift", {"default"});
    EXPECT_EQ(
        r.status().error().message,
        "c.json: key \"shift\" has unsupported value \"scale_shift\" (seedgrid implements only "
        "\"default\")");
  }
  {
    json::ConfigReader r(json::Value(json::Array{}), "c.json");
    EXPECT_EQ(r.status().error().message,
              "c.json: expected a JSON object at the top level, found array");
  }
}

TEST(Json, ParseFileNamesMissingPath) {
  auto v = json::parse_file("/nonexistent/dir/config.json");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("/nonexistent/dir/config.json"), std::string::npos);
}
