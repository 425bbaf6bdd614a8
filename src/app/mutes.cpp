#include "relaywatch/app/mutes.h"

#include <charconv>

#include "relaywatch/state/mutes_codec.h"
#include "relaywatch/store/atomic_file.h"
#include "relaywatch/store/safe_file.h"

namespace relaywatch::app {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

void AppendField(std::string& out, std::string_view raw) {
  out.push_back(' ');
  if (raw.empty()) {
    out.push_back('-');
    return;
  }
  if (raw == "-") {
    out += "%2D";
    return;
  }
  for (unsigned char c : raw) {
    if (c > 0x20 && c < 0x7f && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> DecodeField(std::string_view f) {
  if (f == "-") return std::string();
  if (f.empty()) return std::nullopt;  // two spaces, a trailing space
  std::string out;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(f[i]);
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;
    if (c != '%') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    if (i + 2 >= f.size()) return std::nullopt;
    const int hi = HexValue(f[i + 1]), lo = HexValue(f[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (out.size() > alerting::kMaxMuteField) return std::nullopt;
  return out;
}

}  // namespace

std::string MutesPath(const std::string& state_dir) { return state_dir + "/mutes"; }

core::Result<std::vector<alerting::Mute>> ReadMutesFile(const std::string& path) {
  auto file = store::ReadRegularFile(path, kMaxMutesFileBytes);
  if (!file) return file.error();
  switch (file->state) {
    case store::RegularFile::State::kMissing:
      return std::vector<alerting::Mute>{};
    case store::RegularFile::State::kRejected:
      return core::Error{path + ": " + file->problem};
    case store::RegularFile::State::kRead:
      break;
  }
  auto mutes = state::DecodeMutes(file->content);
  if (!mutes) return core::Error{path + ": " + mutes.error().message};
  return std::move(*mutes);
}

core::Status WriteMutesFile(const std::string& path, const std::vector<alerting::Mute>& mutes) {
  return store::WriteFileAtomic(path, state::EncodeMutes(mutes), 0600);
}

std::string EncodeMuteRequest(const MuteRequest& r) {
  std::string out = r.mute ? "mute" : "unmute";
  AppendField(out, r.key);
  AppendField(out, r.rule);
  if (r.mute) {
    out += " " + std::to_string(r.seconds);
    AppendField(out, r.reason);
  }
  return out;
}

std::optional<core::Result<MuteRequest>> ParseMuteRequest(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::vector<std::string_view> fields;
  for (std::size_t pos = 0;;) {
    const std::size_t space = line.find(' ', pos);
    fields.push_back(line.substr(pos, space == std::string_view::npos ? line.npos : space - pos));
    if (space == std::string_view::npos) break;
    pos = space + 1;
  }
  MuteRequest r;
  if (fields[0] == "mute") {
    r.mute = true;
  } else if (fields[0] == "unmute") {
    r.mute = false;
  } else {
    return std::nullopt;
  }
  const std::size_t want = r.mute ? 5 : 3;
  if (fields.size() != want) {
    return core::Result<MuteRequest>(core::Error{
        "bad " + std::string(fields[0]) + " request: expected " + std::to_string(want - 1) +
        " fields, got " + std::to_string(fields.size() - 1)});
  }
  auto bad = [&](std::string_view what) {
    return core::Result<MuteRequest>(
        core::Error{"bad " + std::string(fields[0]) + " request: bad " + std::string(what)});
  };
  auto key = DecodeField(fields[1]);
  if (!key || key->empty()) return bad("key");
  auto rule = DecodeField(fields[2]);
  if (!rule) return bad("rule");
  r.key = std::move(*key);
  r.rule = std::move(*rule);
  if (r.mute) {
    const std::string_view s = fields[3];
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), r.seconds);
    if (ec != std::errc() || end != s.data() + s.size() || r.seconds == 0 ||
        r.seconds > std::uint64_t{10} * 365 * 86400) {
      return bad("seconds");
    }
    auto reason = DecodeField(fields[4]);
    if (!reason) return bad("reason");
    r.reason = std::move(*reason);
  }
  return core::Result<MuteRequest>(std::move(r));
}

}  // namespace relaywatch::app
