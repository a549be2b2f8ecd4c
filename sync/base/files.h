// Files that may hold personal data, written and read safely. The one helper every writer of the programs
// uses (bundles, frontier files, reports and exports written to a path), so that the rule lives in one place:
//
//   - the content goes to a fresh temporary file in the target's directory, named
//     ".<target name>.<16 random hex digits>.tmp" and created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600:
//     a file or symbolic link planted under any name can neither be followed nor reused;
//   - it is flushed and fsync'ed, then renamed over the target (rename never follows a link), and the
//     directory is fsync'ed: a reader sees the old file or the whole new one, never a part;
//   - the target is refused when it exists and is not a regular file (a symbolic link, a directory, a
//     device), naming it; on any failure the temporary file is removed and the target is untouched.
//
// Reading: a size limit checked with fstat before anything is read (and again while reading, for a file that
// grows), and only regular files. Every function is thread-safe; messages name the file and the value.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silian {

// The mode of every file WriteFileAtomically creates: owner read and write only.
inline constexpr unsigned kPrivateFileMode = 0600;

// Writes the file at `path` as described above; `write` fills the (borrowed) stdio stream and returns
// non-OK to abort. `what` names the file in messages ("bundle", "frontier file"):
//   cannot write bundle "out.bundle": it is a symbolic link; give the path of a regular file
// Errors: kInvalidArgument for a target that cannot be written (no such directory, not a regular file,
// permission denied), kInternal for an I/O failure, or whatever `write` returned.
Status WriteFileAtomically(const std::string& path, std::string_view what,
                           const std::function<Status(std::FILE* out)>& write);
// The check WriteFileAtomically makes of the target first, for a caller that reports before writing: OK when
// `path` does not exist or is a regular file; kInvalidArgument naming it otherwise.
Status CheckWriteTarget(const std::string& path, std::string_view what);
// The same with the whole content given.
Status WriteFileAtomically(const std::string& path, std::string_view what, std::string_view bytes);

// The whole content of the regular file at `path`, when it has at most `max_bytes` bytes. Errors:
// kNotFound when it does not exist; kInvalidArgument when it cannot be read or is not a regular file;
// kResourceExhausted, before reading it, when it is larger:
//   catalogue "big.json" has 20971520 bytes; the limit is 16777216
Result<std::string> ReadFileBounded(const std::string& path, std::string_view what, uint64_t max_bytes);

}  // namespace silian
