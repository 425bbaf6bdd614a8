#include "relaywatch/follow/file_order.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/stamp/tai64n.h"

namespace relaywatch::follow {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

core::Timestamp At(std::int64_t unix_seconds) {
  return core::Timestamp(std::chrono::seconds(unix_seconds));
}

// A listed file: an archive labelled at `label` seconds, or "previous"/"current" (label ignored).
LogFileInfo File(const std::string& kind, std::uint64_t inode, std::string head,
                 std::int64_t label = 0) {
  LogFileInfo f;
  if (kind == "current" || kind == "previous") {
    f.name = kind;
  } else {
    f.name = stamp::FormatTai64nLabel(At(label)) + (kind == "u" ? ".u" : ".s");
  }
  f.kind = *stamp::ParseLogFileName(f.name);
  f.id = FileIdentity{FileKey{1, inode}, std::move(head)};
  f.size = f.id.head.size();
  return f;
}

// Archives as ".s:INODE" / ".u:INODE", the others by name.
std::vector<std::string> Names(const std::vector<LogFileInfo>& files,
                               const std::vector<std::size_t>& indices) {
  std::vector<std::string> out;
  for (std::size_t i : indices) {
    const LogFileInfo& f = files[i];
    out.push_back(f.name[0] == '@'
                      ? std::string(".") + f.name.back() + ":" + std::to_string(f.id.key.inode)
                      : f.name);
  }
  return out;
}

// A directory as multilog leaves it: three archives (inodes 11, 12, 13), then current (14).
std::vector<LogFileInfo> Dir() {
  return {File("s", 11, "@4000 a\n", 1000), File("s", 12, "@4000 b\n", 2000),
          File("u", 13, "@4000 c\n", 3000), File("current", 14, "@4000 d\n")};
}

TEST(SameFileTest, NeedsTheSameKeyAndTheEarlierHeadAsAPrefixOfTheLater) {
  FileIdentity a{FileKey{1, 5}, "@4000 abc"};
  EXPECT_TRUE(SameFile(a, a));
  EXPECT_TRUE(SameFile(a, FileIdentity{FileKey{1, 5}, "@4000 abc\n@4000 more"}));
  EXPECT_FALSE(SameFile(a, FileIdentity{FileKey{1, 5}, "@4000"}));  // files do not shrink
  EXPECT_FALSE(SameFile(a, FileIdentity{FileKey{1, 5}, ""}));       // a new current, recycled inode
  EXPECT_FALSE(SameFile(a, FileIdentity{FileKey{1, 5}, "@4000 abd"}));  // inode recycled
  EXPECT_FALSE(SameFile(a, FileIdentity{FileKey{2, 5}, "@4000 abc"}));
  EXPECT_FALSE(SameFile(FileIdentity{FileKey{1, 5}, ""}, FileIdentity{FileKey{1, 5}, ""}));
}

TEST(FilesAfterTest, TakesEverythingAfterTheNewestOpenFileWhereverItMoved) {
  auto files = Dir();
  EXPECT_THAT(Names(files, FilesAfter(files, {FileKey{1, 12}}, {})),
              ElementsAre(".u:13", "current"));
  // The open current was rotated to @3000.u (inode 13) and a new current created.
  EXPECT_THAT(Names(files, FilesAfter(files, {FileKey{1, 11}, FileKey{1, 13}}, {})),
              ElementsAre("current"));
  EXPECT_THAT(FilesAfter(files, {FileKey{1, 14}}, {}), IsEmpty());
}

TEST(FilesAfterTest, SkipsWhatTheCursorPutsBehindWhenTheNewestOpenFileIsGone) {
  auto files = Dir();
  ReadCursor cursor;
  cursor.archived_through = At(2000);
  // Inode 99 was deleted: only the archive after 2000 and current are new.
  EXPECT_THAT(Names(files, FilesAfter(files, {FileKey{1, 99}}, cursor)),
              ElementsAre(".u:13", "current"));
  cursor.behind.push_back(FileIdentity{FileKey{1, 13}, "@4000 c\n"});
  EXPECT_THAT(Names(files, FilesAfter(files, {}, cursor)), ElementsAre("current"));
}

TEST(FilesAfterTest, DoesNotMistakeARecycledInodeForAFileBehind) {
  auto files = Dir();
  ReadCursor cursor;
  cursor.archived_through = At(3000);
  cursor.behind.push_back(FileIdentity{FileKey{1, 14}, "@4000 old current\n"});
  EXPECT_THAT(Names(files, FilesAfter(files, {}, cursor)), ElementsAre("current"));
  cursor.behind.push_back(FileIdentity{FileKey{1, 14}, "@4000 d\n"});
  EXPECT_THAT(FilesAfter(files, {}, cursor), IsEmpty());
}

TEST(FilesAfterTest, TakesAFileListedAsArchiveAndAsPreviousOnce) {
  // Between multilog's link() and unlink(): inode 13 is both @3000.s and previous.
  std::vector<LogFileInfo> files = {File("s", 11, "a", 1000), File("s", 13, "c", 3000),
                                    File("previous", 13, "c"), File("current", 14, "d")};
  EXPECT_THAT(Names(files, FilesAfter(files, {FileKey{1, 11}}, {})),
              ElementsAre(".s:13", "current"));
  ReadCursor cursor;
  cursor.archived_through = At(1000);
  EXPECT_THAT(Names(files, FilesAfter(files, {}, cursor)), ElementsAre(".s:13", "current"));
}

TEST(FilesAfterTest, DoesNotPutAnEmptyNewCurrentBehindForItsRecycledInode) {
  auto files = Dir();
  files[3].id.head = "";  // current just created, on the inode of a file read and pruned
  ReadCursor cursor;
  cursor.archived_through = At(3000);
  NoteFinished(cursor, FileIdentity{FileKey{1, 14}, "@4000 pruned\n"});
  EXPECT_THAT(Names(files, FilesAfter(files, {}, cursor)), ElementsAre("current"));
  NoteFinished(cursor, FileIdentity{FileKey{1, 15}, ""});  // identifies nothing: not kept
  EXPECT_EQ(cursor.behind.size(), 1u);
}

TEST(FilesAfterTest, NeverReturnsAFileAlreadyOpen) {
  auto files = Dir();
  EXPECT_THAT(Names(files, FilesAfter(files, {FileKey{1, 14}, FileKey{1, 99}}, {})),
              ElementsAre(".s:11", ".s:12", ".u:13"));
}

TEST(NoteTakenTest, PutsEveryEarlierFileBehind) {
  std::vector<LogFileInfo> files = {File("s", 11, "a", 1000), File("previous", 12, "b"),
                                    File("current", 13, "c")};
  ReadCursor cursor;
  NoteTaken(cursor, files, 2);
  EXPECT_EQ(cursor.archived_through, At(1000));
  ASSERT_EQ(cursor.behind.size(), 1u);
  EXPECT_EQ(cursor.behind[0].key.inode, 12u);
  // previous becomes @2000.s: still behind, although its label is newer than archived_through.
  std::vector<LogFileInfo> later = {File("s", 11, "a", 1000), File("s", 12, "b", 2000),
                                    File("current", 14, "e")};
  EXPECT_THAT(Names(later, FilesAfter(later, {FileKey{1, 99}}, cursor)), ElementsAre("current"));
}

TEST(NoteTakenTest, ArchivedThroughOnlyMovesForward) {
  auto files = Dir();
  ReadCursor cursor;
  NoteTaken(cursor, files, 2);
  EXPECT_EQ(cursor.archived_through, At(3000));
  NoteTaken(cursor, files, 0);
  EXPECT_EQ(cursor.archived_through, At(3000));
  NoteAllBehind(cursor, {File("s", 1, "x", 5000), File("previous", 2, "y")});
  EXPECT_EQ(cursor.archived_through, At(5000));
  EXPECT_EQ(cursor.behind.back().key.inode, 2u);
}

TEST(NoteFinishedTest, KeepsOnlyTheNewestFilesBehind) {
  ReadCursor cursor;
  for (std::uint64_t i = 1; i <= kMaxBehind + 3; ++i) {
    NoteFinished(cursor, FileIdentity{FileKey{1, i}, "h"});
  }
  NoteFinished(cursor, FileIdentity{FileKey{1, kMaxBehind + 3}, "h"});  // already there
  ASSERT_EQ(cursor.behind.size(), kMaxBehind);
  EXPECT_EQ(cursor.behind.front().key.inode, 4u);
  EXPECT_EQ(cursor.behind.back().key.inode, kMaxBehind + 3);
}

// A reader that took `current` (inode 12) of [@1000.s (11), current (12)], as a tail start does.
ReadCursor TookCurrent() {
  ReadCursor cursor;
  NoteTaken(cursor, {File("s", 11, "a", 1000), File("current", 12, "b")}, 1);
  return cursor;
}

TEST(NoteListingTest, CountsTheArchivesPrunedBeforeTheReaderOpenedThem) {
  ReadCursor cursor = TookCurrent();
  // While the reader was stopped multilog archived its current as @2000 and four files after it
  // (3000, 4000, 5000, 6000), and pruned all but the newest two archives; inotify named each.
  for (std::int64_t t : {2000, 3000, 4000, 5000, 6000}) NoteArchiveNamed(cursor, At(t));
  std::vector<LogFileInfo> files = {File("s", 15, "e", 5000), File("s", 16, "f", 6000),
                                    File("current", 17, "g")};
  auto pruned = NoteListing(cursor, files);
  ASSERT_TRUE(pruned.has_value());
  // @2000 was the file held open (read whole through its descriptor); 3000 and 4000 never read.
  EXPECT_EQ(pruned->files, 2u);
  EXPECT_TRUE(pruned->count_known);
  EXPECT_EQ(pruned->after, At(2000));
  EXPECT_EQ(pruned->through, At(4000));
  // Accounted for once: the same listing again finds nothing more.
  EXPECT_EQ(NoteListing(cursor, files), std::nullopt);
  EXPECT_THAT(cursor.labels.pending, ElementsAre(At(5000), At(6000)));
}

TEST(NoteListingTest, FindsNothingWhenEveryArchiveIsListedOrWasTaken) {
  ReadCursor cursor = TookCurrent();
  NoteArchiveNamed(cursor, At(2000));
  // current (12) became @2000, a new current (13) was taken, became @3000; 14 is current.
  std::vector<LogFileInfo> files = {File("s", 12, "b", 2000), File("current", 13, "c")};
  EXPECT_EQ(NoteListing(cursor, files), std::nullopt);
  NoteTaken(cursor, files, 1);
  NoteArchiveNamed(cursor, At(3000));
  EXPECT_EQ(NoteListing(cursor, {File("s", 12, "b", 2000), File("s", 13, "c", 3000),
                                 File("current", 14, "d")}),
            std::nullopt);
  EXPECT_THAT(cursor.labels.unlabelled, IsEmpty());
}

TEST(NoteListingTest, GivesTheLabelsOfFilesTakenAsCurrentOrPreviousToThemInOrder) {
  ReadCursor cursor;
  std::vector<LogFileInfo> start = {File("s", 11, "a", 1000), File("previous", 12, "b"),
                                    File("current", 13, "c")};
  NoteTaken(cursor, start, 1);
  NoteTaken(cursor, start, 2);
  // Both archived (2000, 3000) and pruned, with one more (4000) that nobody read.
  for (std::int64_t t : {2000, 3000, 4000, 5000}) NoteArchiveNamed(cursor, At(t));
  auto pruned = NoteListing(cursor, {File("s", 16, "f", 5000), File("current", 17, "g")});
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(pruned->files, 1u);
  EXPECT_EQ(pruned->after, At(3000));
  EXPECT_EQ(pruned->through, At(4000));
}

TEST(NoteListingTest, LeavesALabelNewerThanTheListingToTheNextListing) {
  ReadCursor cursor = TookCurrent();
  NoteArchiveNamed(cursor, At(2000));
  NoteArchiveNamed(cursor, At(3000));  // named after the listing below was taken
  std::vector<LogFileInfo> files = {File("s", 12, "b", 2000), File("current", 13, "c")};
  EXPECT_EQ(NoteListing(cursor, files), std::nullopt);
  EXPECT_THAT(cursor.labels.pending, ElementsAre(At(3000)));
  NoteTaken(cursor, files, 1);
  EXPECT_EQ(NoteListing(cursor, {File("s", 12, "b", 2000), File("s", 13, "c", 3000),
                                 File("current", 14, "d")}),
            std::nullopt);
}

TEST(NoteListingTest, CountsAnArchiveListedButNotYetTakenOnceItIsPruned) {
  ReadCursor cursor = TookCurrent();
  NoteArchiveNamed(cursor, At(2000));
  // The reader holds too many files to take 13 and 14 yet.
  std::vector<LogFileInfo> files = {File("s", 12, "b", 2000), File("s", 13, "c", 3000),
                                    File("s", 14, "d", 4000), File("current", 15, "e")};
  EXPECT_EQ(NoteListing(cursor, files), std::nullopt);
  NoteTaken(cursor, files, 1);
  // Before it could, multilog pruned 14 (and 12, 13, which it had).
  auto pruned = NoteListing(cursor, {File("s", 15, "e", 5000), File("current", 16, "f")});
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(pruned->files, 1u);
  EXPECT_EQ(pruned->after, At(3000));
  EXPECT_EQ(pruned->through, At(4000));
}

TEST(NoteListingTest, TakesAFileListedAsPreviousAndAsArchiveForOneFile) {
  ReadCursor cursor;
  // Between multilog's link() and unlink(): 12 is both @2000 and previous.
  std::vector<LogFileInfo> files = {File("s", 12, "b", 2000), File("previous", 12, "b"),
                                    File("current", 13, "c")};
  NoteTaken(cursor, files, 0);
  NoteTaken(cursor, files, 2);
  EXPECT_THAT(cursor.labels.unlabelled, ElementsAre(FileKey{1, 13}));
  // So 13's label is 3000, and 4000 was pruned unread.
  for (std::int64_t t : {3000, 4000}) NoteArchiveNamed(cursor, At(t));
  auto pruned = NoteListing(cursor, {File("s", 15, "e", 5000), File("current", 16, "f")});
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(pruned->files, 1u);
  EXPECT_EQ(pruned->through, At(4000));
}

TEST(NoteListingTest, DropsTheStaleEntryOfACurrentDeletedRatherThanArchived) {
  ReadCursor cursor = TookCurrent();  // current 12 is deleted by hand: it never gets a label
  std::vector<LogFileInfo> files = {File("s", 13, "c", 2000), File("current", 14, "d")};
  NoteArchiveNamed(cursor, At(2000));
  EXPECT_EQ(NoteListing(cursor, files), std::nullopt);  // 13 is listed: still to be read
  NoteTaken(cursor, files, 0);
  NoteTaken(cursor, files, 1);
  EXPECT_THAT(cursor.labels.unlabelled, ElementsAre(FileKey{1, 14}));
}

TEST(NoteListingTest, WithLabelsMissedOnlyTellsThatTheNewestFileTakenIsGone) {
  ReadCursor cursor = TookCurrent();
  NoteLabelsIncomplete(cursor);
  // current (12) still listed, as an archive: nothing after it can have been pruned.
  EXPECT_EQ(NoteListing(cursor, {File("s", 12, "b", 2000), File("current", 13, "c")}),
            std::nullopt);
  EXPECT_TRUE(cursor.labels.complete);
  NoteTaken(cursor, {File("s", 12, "b", 2000), File("current", 13, "c")}, 1);
  NoteLabelsIncomplete(cursor);
  auto pruned = NoteListing(cursor, {File("s", 16, "f", 6000), File("current", 17, "g")});
  ASSERT_TRUE(pruned.has_value());
  EXPECT_FALSE(pruned->count_known);
  EXPECT_EQ(pruned->after, At(2000));
  EXPECT_EQ(pruned->through, At(6000));
  // The file taken whose label went unseen is gone: it takes no later label.
  EXPECT_THAT(cursor.labels.unlabelled, IsEmpty());
}

TEST(NoteListingTest, CountsEveryArchiveOfADirectoryFollowedBeforeItHeldAnything) {
  ReadCursor cursor;  // started on a missing directory: every file in it is new
  for (std::int64_t t : {1000, 2000, 3000}) NoteArchiveNamed(cursor, At(t));
  auto pruned = NoteListing(cursor, {File("s", 13, "c", 3000), File("current", 14, "d")});
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(pruned->files, 2u);
  EXPECT_EQ(pruned->after, std::nullopt);
  EXPECT_EQ(pruned->through, At(2000));
}

state::Position PositionIn(const LogFileInfo& f, std::uint64_t offset, std::size_t fp_len) {
  state::Position p;
  p.device = f.id.key.device;
  p.inode = f.id.key.inode;
  p.fingerprint_len = static_cast<std::uint32_t>(fp_len);
  p.fingerprint = state::Fingerprint(std::string_view(f.id.head).substr(0, fp_len));
  p.offset = offset;
  return p;
}

TEST(PlanResumeTest, FindsThePositionsFileAfterItWasArchived) {
  auto files = Dir();
  state::Position p = PositionIn(files[1], 5, 4);
  ResumePlan plan = PlanResume(files, p);
  EXPECT_EQ(plan.index, 1u);
  EXPECT_EQ(plan.offset, 5u);
  EXPECT_FALSE(plan.gap);
}

TEST(PlanResumeTest, TakesAnInodeWithAnotherFingerprintForAnotherFile) {
  auto files = Dir();
  state::Position p = PositionIn(files[1], 5, 4);
  p.fingerprint ^= 1;
  ResumePlan plan = PlanResume(files, p);
  EXPECT_TRUE(plan.gap);
  EXPECT_EQ(plan.index, 0u);  // no last stamp: every listed file may be newer
}

TEST(PlanResumeTest, ContinuesAfterAPrunedFileWithTheFirstArchiveNotOlderThanTheLastStamp) {
  auto files = Dir();
  state::Position p;
  p.inode = 42;
  p.last_stamp = At(1500);
  ResumePlan plan = PlanResume(files, p);
  EXPECT_TRUE(plan.gap);
  EXPECT_EQ(plan.index, 1u);
  EXPECT_EQ(plan.offset, 0u);
  p.last_stamp = At(9000);
  EXPECT_EQ(PlanResume(files, p).index, 3u);  // only current
  EXPECT_EQ(PlanResume({}, p).index, std::nullopt);
}

TEST(PlanResumeTest, TakesAPositionWithNoFileForNothingReadAndNoGap) {
  state::Position none;  // saved by a reader that started in a directory with nothing in it
  ResumePlan plan = PlanResume(Dir(), none);
  EXPECT_FALSE(plan.gap);
  EXPECT_EQ(plan.index, 0u);
  EXPECT_EQ(plan.offset, 0u);
  plan = PlanResume({}, none);
  EXPECT_FALSE(plan.gap);
  EXPECT_EQ(plan.index, std::nullopt);
}

TEST(PlanResumeTest, NeedsTheWholeFingerprintedHead) {
  auto files = Dir();
  state::Position p = PositionIn(files[3], 0, 8);
  files[3].id.head = "@400";  // the listing read fewer bytes than the position fingerprinted
  EXPECT_TRUE(PlanResume(files, p).gap);
}

TEST(PlanWarmStartTest, StartsAtTheFirstArchiveClosedAtOrAfterTheInstant) {
  auto files = Dir();
  EXPECT_EQ(PlanWarmStart(files, At(500)), 0u);
  EXPECT_EQ(PlanWarmStart(files, At(2000)), 1u);
  EXPECT_EQ(PlanWarmStart(files, At(2001)), 2u);
  EXPECT_EQ(PlanWarmStart(files, At(4000)), 3u);
  EXPECT_EQ(PlanWarmStart({}, At(4000)), std::nullopt);
}

TEST(FingerprintTest, IsFnv1a64) {
  EXPECT_EQ(state::Fingerprint(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(state::Fingerprint("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(state::Fingerprint("foobar"), 0x85944171f73967e8ull);
}

}  // namespace
}  // namespace relaywatch::follow
