// `main` for programs that define `wmain` (Windows' wide-character entry
// point) instead: library portpool::compat_wmain, which such a program links
// besides portpool::compat, as a mingw build of it links with -municode. A
// library of its own, because an archive member defining main would be
// taken ahead of gtest_main's by every test linking portpool::compat.
#include <clocale>
#include <cstdlib>
#include <cwchar>
#include <string>
#include <vector>

int wmain(int argc, wchar_t** argv);

int main(int argc, char** argv) {
  // The arguments are in the user's locale's encoding; the program then runs
  // in the "C" locale, as a Windows program's CRT starts.
  std::setlocale(LC_CTYPE, "");
  std::vector<std::wstring> wide;
  wide.reserve(static_cast<size_t>(argc));
  for (int i = 0; i < argc; ++i) {
    std::mbstate_t state{};
    const char* source = argv[i];
    const size_t length = std::mbsrtowcs(nullptr, &source, 0, &state);
    if (length == static_cast<size_t>(-1)) {
      // Not valid in the locale: byte by byte, as Latin-1.
      std::wstring bytes;
      for (const char* c = argv[i]; *c != '\0'; ++c) {
        bytes.push_back(static_cast<wchar_t>(static_cast<unsigned char>(*c)));
      }
      wide.push_back(std::move(bytes));
      continue;
    }
    std::wstring converted(length, L'\0');
    source = argv[i];
    state = std::mbstate_t{};
    std::mbsrtowcs(converted.data(), &source, length, &state);
    wide.push_back(std::move(converted));
  }
  std::setlocale(LC_CTYPE, "C");
  std::vector<wchar_t*> pointers;
  for (std::wstring& argument : wide) pointers.push_back(argument.data());
  pointers.push_back(nullptr);
  return wmain(argc, pointers.data());
}
