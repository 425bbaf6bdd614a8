// SampleBook: what the keys near a limit did, for the alert body.
//
// Only keys whose count reached half a limit get a page (so 100,000 quiet logins cost nothing
// here); each page holds at most kTop senders and IPs with counts and kShown recipients.
// Pages not touched within the longest window are dropped by Expire, and at most max_pages are
// kept (a sender rule's limit of 1 opens a page per forged login): a new page past it takes the
// place of the idlest one.
#ifndef RELAYWATCH_DETECT_SAMPLE_BOOK_H_
#define RELAYWATCH_DETECT_SAMPLE_BOOK_H_

#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/recent_key.h"
#include "relaywatch/core/string_map.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/detector_state.h"
#include "relaywatch/detect/finding.h"
#include "relaywatch/detect/idlest_keys.h"

namespace relaywatch::detect {

class SampleBook {
 public:
  static constexpr std::size_t kTop = 8;
  static constexpr std::size_t kShown = 5;

  // Records one line of `key`; opens the page when `open` (the key is near a limit).
  void Note(std::string_view key, bool open, std::string_view sender, std::string_view ip,
            std::string_view rcpt, core::Timestamp t);
  // The page of `key`, most used first; empty when it has none.
  KeySample SampleOf(std::string_view key) const;
  void Expire(core::Timestamp now, core::Duration longest_window);
  std::size_t size() const { return pages_.size(); }
  // 0: no cap.
  void set_max_pages(std::size_t max) { max_pages_ = max; }

  // Every page, sorted by key; Restore replaces the book with them (over the cap, the idlest go).
  std::vector<SamplePage> Snapshot() const;
  void Restore(std::vector<SamplePage> pages);

 private:
  struct Page {
    std::vector<std::pair<std::string, std::uint64_t>> senders;
    std::vector<std::pair<std::string, std::uint64_t>> ips;
    std::vector<std::string> recipients;
    core::Timestamp last{};
  };
  void EvictIdlest();

  core::StringMap<Page> pages_;
  core::RecentKey<Page> recent_;  // the page noted last; every erase forgets it
  std::size_t max_pages_ = 0;
  IdlestKeys idlest_;
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_SAMPLE_BOOK_H_
