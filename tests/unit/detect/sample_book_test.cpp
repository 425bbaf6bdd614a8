#include "relaywatch/detect/sample_book.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Counts = std::vector<std::pair<std::string, std::uint64_t>>;

const core::Timestamp kT0 = core::Timestamp(seconds(1795824000));

TEST(SampleBookTest, AKeyGetsAPageOnlyOnceItIsNearALimitAndThenEveryLineCounts) {
  SampleBook book;
  book.Note("bob@example.com", false, "bob@example.com", "203.0.113.5", "a@x.example", kT0);
  EXPECT_EQ(book.size(), 0u);
  book.Note("bob@example.com", true, "ceo@bank.example", "203.0.113.5", "b@x.example", kT0);
  book.Note("bob@example.com", false, "ceo@bank.example", "203.0.113.6", "b@x.example", kT0);
  const KeySample s = book.SampleOf("bob@example.com");
  EXPECT_EQ(s.senders, (Counts{{"ceo@bank.example", 2}}));
  EXPECT_EQ(s.remote_ips, (Counts{{"203.0.113.5", 1}, {"203.0.113.6", 1}}));
  EXPECT_EQ(s.recipients, (std::vector<std::string>{"b@x.example"}));
}

TEST(SampleBookTest, InterleavedKeysKeepTheirOwnPages) {
  SampleBook book;
  for (int i = 0; i < 3; ++i) {
    book.Note("a@example.com", true, "a@example.com", "192.0.2.1", "", kT0 + seconds(i));
    book.Note("b@example.com", true, "b@example.com", "192.0.2.2", "", kT0 + seconds(i));
  }
  EXPECT_EQ(book.SampleOf("a@example.com").senders, (Counts{{"a@example.com", 3}}));
  EXPECT_EQ(book.SampleOf("b@example.com").remote_ips, (Counts{{"192.0.2.2", 3}}));
}

// The book remembers the page it wrote last; once Expire drops that page, a line of the same
// key is not written into it.
TEST(SampleBookTest, AfterExpireDropsThePageWrittenLastTheKeyStartsAfresh) {
  SampleBook book;
  book.Note("amy@example.com", true, "amy@example.com", "203.0.113.9", "", kT0 + hours(2));
  book.Note("bob@example.com", true, "old@example.com", "203.0.113.5", "", kT0);  // written last
  book.Expire(kT0 + hours(2), hours(1));
  EXPECT_EQ(book.size(), 1u);  // bob's page went, amy's stays
  EXPECT_TRUE(book.SampleOf("bob@example.com").senders.empty());
  book.Note("bob@example.com", false, "new@example.com", "203.0.113.5", "", kT0 + hours(2));
  EXPECT_EQ(book.size(), 1u);
  EXPECT_TRUE(book.SampleOf("bob@example.com").senders.empty());
  book.Note("bob@example.com", true, "new@example.com", "203.0.113.5", "", kT0 + hours(2));
  EXPECT_EQ(book.size(), 2u);
  EXPECT_EQ(book.SampleOf("bob@example.com").senders, (Counts{{"new@example.com", 1}}));
  book.Note("amy@example.com", false, "amy@example.com", "203.0.113.9", "",
            kT0 + hours(2) + minutes(1));
  EXPECT_EQ(book.SampleOf("amy@example.com").senders, (Counts{{"amy@example.com", 2}}));
}

}  // namespace
}  // namespace relaywatch::detect
