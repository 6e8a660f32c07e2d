#include "runtime/base/image/png_text.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace seedgrid {

namespace {

constexpr std::array<std::uint8_t, 8> kSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

std::array<std::uint32_t, 256> crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void append_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

struct Chunk {
  std::size_t offset;  // of the length field
  std::string type;
  std::span<const std::uint8_t> data;
};

// A chunk type as an error message shows it: its four letters, or its bytes in hex when they are
// not letters (a damaged file's bytes would reach the terminal raw).
std::string shown_type(std::string_view type) {
  const bool letters = std::all_of(type.begin(), type.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
  });
  if (letters) return "'" + std::string(type) + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "of bytes";
  for (const char ch : type) {
    const auto b = static_cast<unsigned char>(ch);
    out += std::string(" 0x") + kHex[b >> 4] + kHex[b & 15];
  }
  return out;
}

Result<std::vector<Chunk>> chunks_of(std::span<const std::uint8_t> png) {
  if (png.size() < kSignature.size() ||
      std::memcmp(png.data(), kSignature.data(), kSignature.size()) != 0)
    return fail("not a PNG file: the 8-byte signature is missing");
  std::vector<Chunk> chunks;
  std::size_t at = kSignature.size();
  while (at < png.size()) {
    if (png.size() - at < 12) return fail("PNG chunk at byte ", at, " is cut off");
    const std::uint32_t length = read_be32(png.data() + at);
    if (length > png.size() - at - 12)
      return fail("PNG chunk at byte ", at, " claims ", length, " bytes, past the end of the file");
    Chunk c{at, std::string(reinterpret_cast<const char*>(png.data() + at + 4), 4),
            png.subspan(at + 8, length)};
    const std::uint32_t stored = read_be32(png.data() + at + 8 + length);
    if (png_crc32(png.subspan(at + 4, length + 4)) != stored)
      return fail("PNG chunk ", shown_type(c.type), " at byte ", at, " has a bad CRC");
    chunks.push_back(c);
    at += 12 + length;
    if (chunks.back().type == "IEND") break;
  }
  if (chunks.empty() || chunks.front().type != "IHDR")
    return fail("PNG file does not start with an IHDR chunk");
  return chunks;
}

// UTF-8 -> Latin-1 when every character fits; false otherwise.
bool to_latin1(std::string_view utf8, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
    } else if ((b == 0xC2 || b == 0xC3) && i + 1 < utf8.size()) {
      const auto next = static_cast<unsigned char>(utf8[++i]);
      out.push_back(static_cast<char>(((b & 0x03) << 6) | (next & 0x3F)));
    } else {
      return false;
    }
  }
  return true;
}

std::string latin1_to_utf8(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (std::uint8_t b : bytes) {
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
    } else {
      out.push_back(static_cast<char>(0xC0 | (b >> 6)));
      out.push_back(static_cast<char>(0x80 | (b & 0x3F)));
    }
  }
  return out;
}

}  // namespace

std::uint32_t png_crc32(std::span<const std::uint8_t> bytes) {
  static const std::array<std::uint32_t, 256> table = crc_table();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::uint8_t b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

Result<std::vector<std::uint8_t>> insert_png_text(std::span<const std::uint8_t> png,
                                                  const PngText& entry) {
  if (entry.keyword.empty() || entry.keyword.size() > 79)
    return fail("PNG text keyword '", entry.keyword, "' must have 1 to 79 characters");
  for (char c : entry.keyword)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E)
      return fail("PNG text keyword '", entry.keyword, "' must be printable ASCII");
  // Neither chunk may hold a NUL in its text: a reader takes it for the end of the text (tEXt) or
  // of a field (iTXt), and the rest would be lost or misread.
  if (const auto nul = entry.text.find('\0'); nul != std::string::npos)
    return fail("PNG text '", entry.keyword, "' holds a NUL at byte ", nul,
                ", which a text chunk cannot carry");
  auto chunks = chunks_of(png);
  if (!chunks) return pass_on(chunks);

  std::string latin1;
  std::vector<std::uint8_t> body;  // type + data
  const auto append = [&body](std::string_view s) { body.insert(body.end(), s.begin(), s.end()); };
  if (to_latin1(entry.text, latin1)) {
    append("tEXt");
    append(entry.keyword);
    body.push_back(0);
    append(latin1);
  } else {
    append("iTXt");
    append(entry.keyword);
    // keyword terminator, compression flag 0, method 0, empty language tag, empty translated
    // keyword
    for (int i = 0; i < 5; ++i) body.push_back(0);
    append(entry.text);
  }
  const Chunk& ihdr = chunks->front();
  const std::size_t insert_at = ihdr.offset + 12 + ihdr.data.size();
  std::vector<std::uint8_t> out(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(insert_at));
  append_be32(out, static_cast<std::uint32_t>(body.size() - 4));
  out.insert(out.end(), body.begin(), body.end());
  append_be32(out, png_crc32(body));
  out.insert(out.end(), png.begin() + static_cast<std::ptrdiff_t>(insert_at), png.end());
  return out;
}

Result<std::vector<PngText>> read_png_text(std::span<const std::uint8_t> png) {
  auto chunks = chunks_of(png);
  if (!chunks) return pass_on(chunks);
  std::vector<PngText> out;
  for (const Chunk& c : *chunks) {
    if (c.type != "tEXt" && c.type != "iTXt") continue;
    const auto* begin = c.data.data();
    const auto* end = begin + c.data.size();
    const auto* nul = std::find(begin, end, std::uint8_t{0});
    if (nul == end)
      return fail("PNG ", c.type, " chunk at byte ", c.offset, " has no keyword terminator");
    PngText t;
    t.keyword.assign(begin, nul);
    if (c.type == "tEXt") {
      t.text = latin1_to_utf8(std::span<const std::uint8_t>(nul + 1, end));
    } else {
      if (end - nul < 3) return fail("PNG iTXt chunk at byte ", c.offset, " is cut off");
      if (nul[1] != 0) continue;  // compressed iTXt: not written by seedgrid, skipped
      const auto* lang_end = std::find(nul + 3, end, std::uint8_t{0});
      const auto* translated_end =
          lang_end == end ? end : std::find(lang_end + 1, end, std::uint8_t{0});
      if (translated_end == end) return fail("PNG iTXt chunk at byte ", c.offset, " is malformed");
      t.text.assign(translated_end + 1, end);
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace seedgrid
