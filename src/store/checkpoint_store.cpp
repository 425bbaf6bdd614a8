#include "relaywatch/store/checkpoint_store.h"

#include "relaywatch/core/text.h"
#include "relaywatch/store/atomic_file.h"
#include "relaywatch/store/dir_ops.h"
#include "relaywatch/store/safe_file.h"

namespace relaywatch::store {

CheckpointStore::CheckpointStore(std::string state_dir)
    : state_dir_(std::move(state_dir)), path_(state_dir_ + "/checkpoint") {}

core::Result<CheckpointStore::Loaded> CheckpointStore::Load() {
  core::Result<RegularFile> text = ReadRegularFile(path_, kMaxCheckpointBytes);
  if (!text) return text.error();
  Loaded loaded;
  if (text->state == RegularFile::State::kMissing) {
    loaded.notice = "no checkpoint at " + core::EscapeForLog(path_) + ": starting fresh";
    return loaded;
  }
  if (text->state == RegularFile::State::kRejected) {
    // Not a file this code wrote (a FIFO, a symlink, a device, a file past the cap): never read
    // it, move it out of the way so the next Save can commit, and start fresh.
    loaded.notice = "unable to use checkpoint " + core::EscapeForLog(path_) + ": " + text->problem;
    if (core::Result<std::string> aside = SetAsideBadFile(path_); aside) {
      loaded.notice += "; moved it to " + core::EscapeForLog(*aside);
    } else {
      loaded.notice += "; " + aside.error().message;
    }
    loaded.notice += "; starting fresh";
    return loaded;
  }
  core::Result<state::Checkpoint> decoded = state::DecodeCheckpoint(text->content);
  if (decoded) {
    loaded.checkpoint = std::move(decoded).value();
    return loaded;
  }
  // Keep the bad file for a person, under the first free name; the next Save replaces the
  // checkpoint either way, so a failed move loses nothing but the evidence.
  std::string aside;
  for (int n = 1; n <= kMaxCorruptCopies; ++n) {
    aside = path_ + ".corrupt-" + std::to_string(n);
    if (!PathExists(aside)) break;
  }
  loaded.notice =
      "unable to use checkpoint " + core::EscapeForLog(path_) + ": " + decoded.error().message;
  if (core::Status moved = RenameFile(path_, aside); moved) {
    loaded.notice += "; moved it to " + core::EscapeForLog(aside);
  } else {
    loaded.notice += "; " + moved.error().message;
  }
  loaded.notice += "; starting fresh";
  return loaded;
}

core::Status CheckpointStore::Save(const state::Checkpoint& checkpoint) {
  if (core::Status made = EnsureDir(state_dir_, 0700); !made) return made;
  return WriteFileAtomic(path_, state::EncodeCheckpoint(checkpoint), 0600);
}

core::Status CheckpointStore::SaveEncoded(std::string_view text) {
  if (core::Status made = EnsureDir(state_dir_, 0700); !made) return made;
  return WriteFileAtomic(path_, text, 0600);
}

}  // namespace relaywatch::store
