// Included by the fuzz targets that parse protobuf (one translation unit each): protobuf logs every string
// field with invalid UTF-8 it parses; that is the input's fault and only noise here, so libFuzzer's
// initialisation hook silences it.
#pragma once

#include <google/protobuf/stubs/logging.h>

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}
