// Fuzzes the parse stage: ParseEvent on any bytes, as a multilog line's text, as a syslog tag and
// text, and after the Stamper. Invariants: it never crashes (ASan/UBSan watch every read), every
// string_view of the Event points into the text it was given, and EventKindName names it.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "relaywatch/parse/parser.h"
#include "relaywatch/stamp/stamper.h"

namespace {

using relaywatch::fuzz::Check;
using relaywatch::fuzz::Inside;
namespace parse = relaywatch::parse;

struct ViewsInside {
  std::string_view text;
  bool All(std::initializer_list<std::string_view> views) const {
    for (std::string_view v : views) {
      if (!Inside(v, text)) return false;
    }
    return true;
  }
  bool operator()(const parse::OtherEvent&) const { return true; }
  bool operator()(const parse::MalformedEvent& e) const { return !e.reason.empty(); }
  bool operator()(const parse::ChkuserEvent& e) const {
    return All(
        {e.sender, e.auth_user, e.ident, e.helo, e.remote_host, e.remote_ip, e.rcpt, e.reason});
  }
  bool operator()(const parse::QlogEvent& e) const {
    return All(
        {e.result, e.reason, e.detail, e.mailfrom, e.rcptto, e.authuser, e.remoteip, e.localport});
  }
  bool operator()(const parse::SimscanEvent& e) const {
    return All({e.verdict, e.remote_ip, e.sender, e.recipients});
  }
  bool operator()(const parse::QmtRecvEvent& e) const { return All({e.sender}); }
  bool operator()(const parse::PolicyCheckEvent& e) const { return All({e.principal, e.rcpt}); }
  bool operator()(const parse::TcpserverEvent& e) const { return All({e.remote_ip, e.local_port}); }
  bool operator()(const parse::SmtpdEvent& e) const { return All({e.auth_type, e.user, e.text}); }
  bool operator()(const parse::SpamdykeEvent& e) const {
    return All(
        {e.verdict, e.from, e.to, e.origin_ip, e.origin_rdns, e.auth, e.encryption, e.reason});
  }
  bool operator()(const parse::RblsmtpdEvent& e) const { return All({e.remote_ip, e.zone}); }
  bool operator()(const parse::VchkpwEvent& e) const {
    return All({e.service, e.user, e.remote_ip});
  }
};

void ParseAndCheck(std::string_view tag, std::string_view text) {
  const parse::Event event = parse::ParseEvent(tag, text);
  Check(!parse::EventKindName(event).empty(), "EventKindName is empty", text);
  Check(std::visit(ViewsInside{text}, event), "an Event field does not point into the text", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = relaywatch::fuzz::AsText(data, size);
  // The whole input as the text of a multilog line.
  ParseAndCheck("", in);
  // Up to the first NUL as a syslog tag, the rest as its text.
  if (const std::size_t nul = in.find('\0'); nul != std::string_view::npos) {
    ParseAndCheck(in.substr(0, nul), in.substr(nul + 1));
  }
  // As a raw line through the Stamper, the way the pipeline calls the parser.
  relaywatch::stamp::Stamper stamper(relaywatch::core::LocalZone::Fixed(0));
  const relaywatch::stamp::Line line = stamper.Stamp(in);
  ParseAndCheck(line.tag, line.text);
  return 0;
}
