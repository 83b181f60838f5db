#include "testing/worker_program.h"

#ifdef _WIN32
#include <windows.h>
#endif

#ifndef PORTPOOL_CLI_EXE
#error "PORTPOOL_CLI_EXE must name the portpool program (conformance/CMakeLists.txt)"
#endif

namespace portpool::conformance::testing {

std::string WorkerProgram() {
  std::string path = PORTPOOL_CLI_EXE;
#ifdef _WIN32
  if (path.empty() || path[0] != '/') return path;
  // kernel32!wine_get_dos_file_name exists only under Wine; it returns a
  // path allocated on the process heap.
  using ToDos = WCHAR*(CDECL*)(const char*);
  const auto to_dos = reinterpret_cast<ToDos>(reinterpret_cast<void (*)()>(
      ::GetProcAddress(::GetModuleHandleW(L"kernel32.dll"), "wine_get_dos_file_name")));
  if (to_dos == nullptr) return path;
  WCHAR* dos = to_dos(path.c_str());
  if (dos == nullptr) return path;
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, dos, -1, nullptr, 0, nullptr, nullptr);
  std::string converted(static_cast<size_t>(size > 0 ? size - 1 : 0), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, dos, -1, converted.data(), size, nullptr, nullptr);
  ::HeapFree(::GetProcessHeap(), 0, dos);
  return converted;
#else
  return path;
#endif
}

}  // namespace portpool::conformance::testing
