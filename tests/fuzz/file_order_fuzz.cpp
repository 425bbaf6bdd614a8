// Fuzzes the reading-order decisions of follow/file_order.h on any multilog listing (files in
// reading order, with recycled inodes, a file listed twice, empty files, equal archive labels)
// and any reader state. Invariants:
//   - FilesAfter returns indices in range, ascending, never a file whose key is open, never one key
//     twice; when the newest open file is listed, only files after it;
//   - PlanResume's index is in range, and without a gap it is a file MatchesPosition accepts;
//     PlanWarmStart's index is in range;
//   - the cursor keeps at most kMaxBehind files and archived_through never moves back;
//   - after NoteAllBehind, FilesAfter with nothing open gives back only the empty files that are
//     not archives (they cannot be recognised, DESIGN: read again), once per key, provided the
//     listing has at most kMaxBehind non-empty files that are not archives.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz_check.h"
#include "relaywatch/follow/file_order.h"

namespace {

namespace core = relaywatch::core;
namespace follow = relaywatch::follow;
namespace stamp = relaywatch::stamp;
using relaywatch::fuzz::Check;

follow::FileKey AnyKey(FuzzedDataProvider& in) {
  return {in.ConsumeIntegralInRange<std::uint64_t>(0, 1),
          in.ConsumeIntegralInRange<std::uint64_t>(1, 6)};
}

follow::FileIdentity AnyIdentity(FuzzedDataProvider& in) {
  follow::FileIdentity id;
  id.key = AnyKey(in);
  id.head = in.ConsumeRandomLengthString(12);
  return id;
}

core::Timestamp SmallTime(FuzzedDataProvider& in) {
  return core::Timestamp(std::chrono::seconds(in.ConsumeIntegralInRange(0, 5)));
}

int Group(const follow::LogFileInfo& f) {
  return f.kind.kind == stamp::LogFileKind::kPrevious  ? 1
         : f.kind.kind == stamp::LogFileKind::kCurrent ? 2
                                                       : 0;
}

std::vector<follow::LogFileInfo> Listing(FuzzedDataProvider& in) {
  std::vector<follow::LogFileInfo> files;
  for (int n = in.ConsumeIntegralInRange(0, 8); n > 0; --n) {
    follow::LogFileInfo f;
    f.kind.kind = static_cast<stamp::LogFileKind>(in.ConsumeIntegralInRange(0, 3));
    if (follow::IsArchive(f)) f.kind.time = SmallTime(in);
    f.name =
        follow::IsArchive(f)
            ? stamp::ArchiveName(f.kind.time, f.kind.kind == stamp::LogFileKind::kArchiveUnfinished)
        : f.kind.kind == stamp::LogFileKind::kCurrent ? "current"
                                                      : "previous";
    f.id = AnyIdentity(in);
    f.size = f.id.head.size() + in.ConsumeIntegralInRange(0, 100);
    files.push_back(std::move(f));
  }
  std::stable_sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(Group(a), a.kind.time, a.kind.kind) <
           std::make_tuple(Group(b), b.kind.time, b.kind.kind);
  });
  return files;
}

void CheckAfter(const std::vector<follow::LogFileInfo>& files,
                const std::vector<follow::FileKey>& open, const follow::ReadCursor& cursor) {
  const std::vector<std::size_t> after = follow::FilesAfter(files, open, cursor);
  std::vector<follow::FileKey> keys;
  for (std::size_t k = 0; k < after.size(); ++k) {
    Check(after[k] < files.size(), "FilesAfter: index out of range");
    Check(k == 0 || after[k - 1] < after[k], "FilesAfter: not ascending");
    const follow::FileKey key = files[after[k]].id.key;
    Check(std::find(open.begin(), open.end(), key) == open.end(), "FilesAfter: an open file");
    Check(std::find(keys.begin(), keys.end(), key) == keys.end(), "FilesAfter: a key twice");
    keys.push_back(key);
  }
  if (!open.empty()) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (files[i].id.key == open.back()) {
        for (std::size_t k : after) Check(k > i, "FilesAfter: a file before the newest open one");
        break;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::vector<follow::LogFileInfo> files = Listing(in);

  // A reader's history: files taken and finished, in any order the bytes say.
  follow::ReadCursor cursor;
  std::vector<follow::FileKey> open;
  for (int step = in.ConsumeIntegralInRange(0, 12); step > 0; --step) {
    const std::optional<core::Timestamp> before = cursor.archived_through;
    switch (in.ConsumeIntegralInRange(0, 3)) {
      case 0:
        follow::NoteTaken(cursor, files, in.ConsumeIntegralInRange<std::size_t>(0, files.size()));
        break;
      case 1:
        follow::NoteFinished(cursor, AnyIdentity(in));
        break;
      case 2:
        open.push_back(AnyKey(in));
        break;
      default:
        if (!open.empty()) open.erase(open.begin());
        break;
    }
    Check(cursor.behind.size() <= follow::kMaxBehind, "the cursor keeps too many files");
    Check(!before || (cursor.archived_through && *cursor.archived_through >= *before),
          "archived_through moved back");
    CheckAfter(files, open, cursor);
  }

  relaywatch::state::Position position;
  const follow::FileIdentity id = AnyIdentity(in);
  position.device = id.key.device;
  position.inode = id.key.inode;
  position.fingerprint_len = in.ConsumeIntegralInRange<std::uint32_t>(0, 12);
  position.fingerprint = relaywatch::state::Fingerprint(std::string_view(id.head).substr(
      0, std::min<std::size_t>(id.head.size(), position.fingerprint_len)));
  position.offset = in.ConsumeIntegral<std::uint64_t>();
  if (in.ConsumeBool()) position.last_stamp = SmallTime(in);
  const follow::ResumePlan plan = follow::PlanResume(files, position);
  if (plan.index) {
    Check(*plan.index < files.size(), "PlanResume: index out of range");
    if (!plan.gap) {
      Check(follow::MatchesPosition(files[*plan.index], position) && plan.offset == position.offset,
            "PlanResume: no gap, yet not the position's file");
    }
  } else {
    Check(plan.gap || files.empty(), "PlanResume: no file and no gap");
  }
  if (const auto warm = follow::PlanWarmStart(files, SmallTime(in))) {
    Check(*warm < files.size(), "PlanWarmStart: index out of range");
  }

  std::size_t non_empty = 0;
  for (const auto& f : files) non_empty += !follow::IsArchive(f) && !f.id.head.empty();
  if (non_empty <= follow::kMaxBehind) {
    follow::ReadCursor all;
    follow::NoteAllBehind(all, files);
    std::vector<std::size_t> expected;
    std::set<std::pair<std::uint64_t, std::uint64_t>> keys;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (follow::IsArchive(files[i]) || !files[i].id.head.empty()) continue;
      if (keys.insert({files[i].id.key.device, files[i].id.key.inode}).second) {
        expected.push_back(i);
      }
    }
    Check(follow::FilesAfter(files, {}, all) == expected,
          "after NoteAllBehind, FilesAfter gives more than the empty files");
  }
  return 0;
}
