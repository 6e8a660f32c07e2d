#include "models/json/json_parse.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace seedgrid::json {

namespace {

constexpr int kMaxDepth = 256;

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<Value> document() {
    skip_whitespace();
    auto v = value(0);
    if (!v) return v;
    skip_whitespace();
    if (pos_ != text_.size()) return error("unexpected ", describe_here(), " after the JSON value");
    return v;
  }

 private:
  template <class... Parts>
  std::unexpected<Error> error(Parts&&... parts) const {
    return error_at(pos_, std::forward<Parts>(parts)...);
  }

  template <class... Parts>
  std::unexpected<Error> error_at(std::size_t at, Parts&&... parts) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return fail(source_, ':', line, ':', column, ": ", std::forward<Parts>(parts)...);
  }

  std::string describe_here() const {
    if (pos_ >= text_.size()) return "end of input";
    const unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x20 && c < 0x7f) return message_of("character '", static_cast<char>(c), "'");
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
  }

  void skip_whitespace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Result<Value> value(int depth) {
    if (pos_ >= text_.size()) return error("expected a value, found end of input");
    switch (text_[pos_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': {
        auto s = string();
        if (!s) return pass_on(s);
        return Value(std::move(*s));
      }
      case 't':
        if (literal("true")) return Value(true);
        break;
      case 'f':
        if (literal("false")) return Value(false);
        break;
      case 'n':
        if (literal("null")) return Value();
        break;
      default:
        if (text_[pos_] == '-' || (text_[pos_] >= '0' && text_[pos_] <= '9')) return number();
    }
    return error("expected a value, found ", describe_here());
  }

  Result<Value> object(int depth) {
    if (depth > kMaxDepth) return error("nesting deeper than ", kMaxDepth, " levels");
    ++pos_;  // '{'
    Object members;
    std::vector<std::size_t> key_positions;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return Value(std::move(members));
    }
    while (true) {
      skip_whitespace();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return error("expected a string key, found ", describe_here());
      key_positions.push_back(pos_);
      auto key = string();
      if (!key) return pass_on(key);
      skip_whitespace();
      if (pos_ >= text_.size() || text_[pos_] != ':')
        return error("expected ':' after key \"", *key, "\", found ", describe_here());
      ++pos_;
      skip_whitespace();
      auto v = value(depth);
      if (!v) return v;
      members.emplace_back(std::move(*key), std::move(*v));
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        skip_whitespace();
        if (pos_ < text_.size() && text_[pos_] == '}') return error("trailing comma in object");
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        if (auto dup = duplicate_key(members, key_positions); !dup)
          return pass_on(dup);
        return Value(std::move(members));
      }
      return error("expected ',' or '}' in object, found ", describe_here());
    }
  }

  // Sorting keeps this O(n log n) for the 49408-member objects of a CLIP vocab.json.
  Result<void> duplicate_key(const Object& members,
                             const std::vector<std::size_t>& positions) const {
    std::vector<std::size_t> order(members.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return members[a].first != members[b].first ? members[a].first < members[b].first : a < b;
    });
    for (std::size_t i = 1; i < order.size(); ++i)
      if (members[order[i]].first == members[order[i - 1]].first)
        return error_at(positions[order[i]], "duplicate key \"", members[order[i]].first, "\"");
    return {};
  }

  Result<Value> array(int depth) {
    if (depth > kMaxDepth) return error("nesting deeper than ", kMaxDepth, " levels");
    ++pos_;  // '['
    Array items;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return Value(std::move(items));
    }
    while (true) {
      skip_whitespace();
      auto v = value(depth);
      if (!v) return v;
      items.push_back(std::move(*v));
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        skip_whitespace();
        if (pos_ < text_.size() && text_[pos_] == ']') return error("trailing comma in array");
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return Value(std::move(items));
      }
      return error("expected ',' or ']' in array, found ", describe_here());
    }
  }

  Result<Value> number() {
    const std::size_t start = pos_;
    bool integral = true;
    if (text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_])))
      return error("expected a digit after '-'");
    if (text_[pos_] == '0') {
      ++pos_;
      if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])))
        return error_at(start, "number with a leading zero");
    } else {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_])))
        return error("expected a digit after the decimal point");
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_])))
        return error("expected a digit in the exponent");
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      std::int64_t i = 0;
      auto [end, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && end == last) return Value(i);
      // Out of int64 range: keep it as a (rounded) real, as most JSON readers do.
    }
    double d = 0;
    auto [end, ec] = std::from_chars(first, last, d);
    if (ec == std::errc::result_out_of_range || !std::isfinite(d))
      return error_at(start, "number ", std::string_view(first, last), " is out of range");
    if (ec != std::errc() || end != last)
      return error_at(start, "malformed number ", std::string_view(first, last));
    return Value(d);
  }

  Result<std::uint32_t> hex4() {
    if (pos_ + 4 > text_.size()) return error("truncated \\u escape");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return error_at(pos_ + i, "invalid hex digit in \\u escape");
    }
    pos_ += 4;
    return v;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  // Length of the valid UTF-8 sequence starting at pos_, or 0 (overlong forms, surrogates and
  // code points past U+10FFFF are invalid).
  std::size_t utf8_sequence() const {
    const auto byte = [&](std::size_t i) {
      return pos_ + i < text_.size() ? static_cast<unsigned char>(text_[pos_ + i]) : 0u;
    };
    const unsigned c = byte(0);
    const auto cont = [&](std::size_t i) { return (byte(i) & 0xc0u) == 0x80u; };
    if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
      if (!cont(1) || !cont(2)) return 0;
      if (c == 0xe0 && byte(1) < 0xa0) return 0;   // overlong
      if (c == 0xed && byte(1) >= 0xa0) return 0;  // surrogate
      return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
      if (!cont(1) || !cont(2) || !cont(3)) return 0;
      if (c == 0xf0 && byte(1) < 0x90) return 0;   // overlong
      if (c == 0xf4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
      return 4;
    }
    return 0;
  }

  Result<std::string> string() {
    const std::size_t start = pos_;
    ++pos_;  // '"'
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return error_at(start, "unterminated string");
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        return error("unescaped control character ", hex, " in string");
      }
      if (c == '\\') {
        ++pos_;
        if (pos_ >= text_.size()) return error_at(start, "unterminated string");
        const char e = text_[pos_++];
        switch (e) {
          case '"': out.push_back('"'); break;
          case '\\': out.push_back('\\'); break;
          case '/': out.push_back('/'); break;
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'u': {
            const std::size_t escape_at = pos_ - 2;
            auto hi = hex4();
            if (!hi) return pass_on(hi);
            std::uint32_t cp = *hi;
            if (cp >= 0xdc00 && cp <= 0xdfff)
              return error_at(escape_at, "lone low surrogate in \\u escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
              if (text_.substr(pos_, 2) != "\\u")
                return error_at(escape_at, "high surrogate not followed by a low surrogate");
              pos_ += 2;
              auto lo = hex4();
              if (!lo) return pass_on(lo);
              if (*lo < 0xdc00 || *lo > 0xdfff)
                return error_at(escape_at, "high surrogate not followed by a low surrogate");
              cp = 0x10000 + ((cp - 0xd800) << 10) + (*lo - 0xdc00);
            }
            append_utf8(out, cp);
            break;
          }
          default: return error_at(pos_ - 2, "invalid escape '\\", e, "'");
        }
        continue;
      }
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      const std::size_t n = utf8_sequence();
      if (n == 0) return error("invalid UTF-8 in string");
      out.append(text_.substr(pos_, n));
      pos_ += n;
    }
  }

  std::string_view text_;
  std::string_view source_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Value> parse(std::string_view text, std::string_view source) {
  return Parser(text, source).document();
}

Result<Value> parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open ", path, " (missing or unreadable)");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return fail("error reading ", path);
  return parse(contents.str(), path);
}

}  // namespace seedgrid::json
