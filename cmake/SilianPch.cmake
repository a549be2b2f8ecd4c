# Precompiled headers (SILIAN_PCH, on by default): the build's time goes mostly to parsing the same
# third-party headers in every file (libstdc++, the generated silian.pb.h with protobuf's headers,
# nlohmann/json, Catch2, cpprestsdk with Boost.Asio: 180,000 to 300,000 lines a file, of which Silian's own
# are 1 to 3%). Each target with many files parses them once into a precompiled header.
#
# Only third-party headers (and the generated protobuf header, which every module links through base/) go
# in, never a Silian header, so the include roots (cmake/SilianModule.cmake) still enforce the layering.
# A file must still include what it uses: the build without precompiled headers (the fuzz build,
# SILIAN_PCH=OFF) checks that.
#
# silian_precompile(TARGET [PROTO] [JSON] [CATCH] [CPPREST] [SQLITE])
set(SILIAN_PCH_STD
  <algorithm> <array> <atomic> <chrono> <cstddef> <cstdint> <cstdio> <cstdlib> <cstring> <filesystem>
  <fstream> <functional> <iostream> <map> <memory> <mutex> <optional> <set> <sstream> <string>
  <string_view> <thread> <tuple> <unordered_map> <utility> <variant> <vector>)

function(silian_precompile target)
  if(NOT SILIAN_PCH)
    return()
  endif()
  cmake_parse_arguments(P "PROTO;JSON;CATCH;CPPREST;SQLITE" "" "" ${ARGN})
  set(headers ${SILIAN_PCH_STD})
  if(P_PROTO)
    list(APPEND headers <silian.pb.h>)
  endif()
  if(P_JSON)
    list(APPEND headers <nlohmann/json.hpp>)
  endif()
  if(P_CATCH)
    list(APPEND headers <catch2/catch.hpp>)
  endif()
  if(P_CPPREST)
    list(APPEND headers <cpprest/http_listener.h>)
  endif()
  if(P_SQLITE)
    list(APPEND headers <sqlite3.h>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
  # GCC 12 loses, through a precompiled header, that libstdc++'s headers are system headers for the
  # middle end's bounds warnings: std::string's inlined memcpy is then reported (-Warray-bounds,
  # -Wstringop-overflow, -Wstringop-overread, -Wrestrict: the known false positives of GCC bugs 105651,
  # 105329 and 106199) in files that compile cleanly without the header. Those four are off where a
  # precompiled header is used; the build without one (SILIAN_PCH=OFF) still reports them.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread
      -Wno-restrict)
  endif()
endfunction()
