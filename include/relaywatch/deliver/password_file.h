// PasswordFile: the SMTP AUTH password, read from a file only its owner can read.
//
// The config names a file instead of holding the password, so relaywatch.yaml can stay readable.
// The file is read at each delivery (a changed password needs no restart). It must be a regular
// file with no permission bits for group or others (chmod 600); anything else is refused with
// an error naming the file, which the SMTP transport reports as kTemporary: the admin fixes the
// file and the next attempt sends. The password is the first line, without its line end.
#ifndef RELAYWATCH_DELIVER_PASSWORD_FILE_H_
#define RELAYWATCH_DELIVER_PASSWORD_FILE_H_

#include <string>

#include "relaywatch/core/result.h"

namespace relaywatch::deliver {

// The password in `path`, or an Error:
//   "unable to open password file /p: No such file or directory"
//   "refusing password file /p: mode 0644 lets group or others read or change it (chmod 600 /p)"
//   "refusing password file /p: not a regular file"
//   "refusing password file /p: the first line is empty"
core::Result<std::string> ReadPasswordFile(const std::string& path);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_PASSWORD_FILE_H_
