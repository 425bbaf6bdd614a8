// Micro-benchmark of ParseEvent on the lines a submission log is made of.
//
// `report` must handle >= 2M lines/s end to end on 2 cores, so parsing one chkuser line has to
// stay well under 200 ns. Each benchmark parses one representative line in a loop; "Mix" cycles
// through a submission log's usual proportions.
#include <benchmark/benchmark.h>

#include <string_view>
#include <vector>

#include "relaywatch/parse/parser.h"

namespace {

using relaywatch::parse::Event;
using relaywatch::parse::ParseEvent;

constexpr std::string_view kRelaying =
    "CHKUSER relaying rcpt: from <ceo@bank.example:suzy@example.com:> remote "
    "<laptop:unknown:203.0.113.5> rcpt <x@gmail.example> : client allowed to relay";
constexpr std::string_view kRelayingIpv6 =
    "CHKUSER relaying rcpt: from <tom@example.com:tom@example.com:> remote "
    "<[IPv6:2001:db8::5]:unknown:2001:db8::5> rcpt <friend@gmail.example> : client allowed to "
    "relay";
constexpr std::string_view kFieldNamed =
    "CHKUSER relaying rcpt: from <ceo@bank.example|remoteinfo/auth:suzy@example.com|"
    "chkuser-identify:> remote <helo:laptop|remotehostname:unknown|remotehostip:203.0.113.5> "
    "rcpt <x@gmail.example> : client allowed to relay";
constexpr std::string_view kTcpserverOk =
    "tcpserver: ok 4321 mail.example.com:192.0.2.10:587 :203.0.113.5::51234";
constexpr std::string_view kQlogReceived =
    "qlogreceived: result=accepted code=250 reason=queueaccept detail= helo=laptop "
    "mailfrom=ceo@bank.example rcptto=x@gmail.example,y@yahoo.example relay=yes rcpthosts=no "
    "size=2048 authuser=suzy@example.com authtype=login encrypted=tls sslverified=no "
    "localip=192.0.2.10 localport=587 remoteip=203.0.113.5 remoteport=51234 remotehost=unknown "
    "qp=4333 pid=4321";
constexpr std::string_view kPolicy =
    "policy_check: local suzy@example.com -> remote x@gmail.example (AUTHENTICATED SENDER)";
constexpr std::string_view kQmailSend = "delivery 2392: success: 209.85.127.177_accepted_message./";

void ParseOne(benchmark::State& state, std::string_view text) {
  for (auto _ : state) {
    Event event = ParseEvent("", text);
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_ChkuserRelaying(benchmark::State& state) { ParseOne(state, kRelaying); }
void BM_ChkuserRelayingIpv6(benchmark::State& state) { ParseOne(state, kRelayingIpv6); }
void BM_ChkuserFieldNamed(benchmark::State& state) { ParseOne(state, kFieldNamed); }
void BM_TcpserverOk(benchmark::State& state) { ParseOne(state, kTcpserverOk); }
void BM_QlogReceived(benchmark::State& state) { ParseOne(state, kQlogReceived); }
void BM_PolicyCheck(benchmark::State& state) { ParseOne(state, kPolicy); }
void BM_OtherLine(benchmark::State& state) { ParseOne(state, kQmailSend); }

void BM_Mix(benchmark::State& state) {
  const std::vector<std::string_view> lines = {kRelaying, kRelaying,    kRelaying,     kPolicy,
                                               kPolicy,   kTcpserverOk, kRelayingIpv6, kQmailSend};
  std::size_t i = 0;
  for (auto _ : state) {
    Event event = ParseEvent("", lines[i]);
    benchmark::DoNotOptimize(event);
    i = (i + 1 == lines.size()) ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ChkuserRelaying);
BENCHMARK(BM_ChkuserRelayingIpv6);
BENCHMARK(BM_ChkuserFieldNamed);
BENCHMARK(BM_TcpserverOk);
BENCHMARK(BM_QlogReceived);
BENCHMARK(BM_PolicyCheck);
BENCHMARK(BM_OtherLine);
BENCHMARK(BM_Mix);

}  // namespace

BENCHMARK_MAIN();
