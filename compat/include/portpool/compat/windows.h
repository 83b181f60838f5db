// Drop-in <windows.h> of portpool compat: Windows code that reserves ports
// compiles on Linux unmodified and runs against the portpool model
// (library portpool::compat; docs/drop-in.md). With this folder on the
// include path, `#include <windows.h>` finds this file.
//
// It declares, with the SDK's names, values and sizes, the base types,
// macros and error codes that port-reservation code uses, and the CRT's
// `_wtoi`; a program may define `wmain` instead of `main` (and link
// portpool::compat_wmain, whose `main` calls it). Not the rest of Win32.
//
// Sizes follow Windows' LLP64 model, not Linux's LP64: DWORD, ULONG and LONG
// are 32 bits, as in Wine's winelib headers. WCHAR is wchar_t, which has 32
// bits on Linux (16 on Windows).
#ifndef PORTPOOL_COMPAT_WINDOWS_H_
#define PORTPOOL_COMPAT_WINDOWS_H_

#ifndef __cplusplus
#error \
    "portpool compat: the drop-in Windows headers are C++ (their functions are C++ names, so that they never replace the C library's socket or bind); compile this file as C++"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

// Calling conventions and annotations: x86-64 has one calling convention.
#ifndef WINAPI
#define WINAPI
#endif
#ifndef WSAAPI
#define WSAAPI
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef APIENTRY
#define APIENTRY
#endif
#ifndef PASCAL
#define PASCAL
#endif
#ifndef __cdecl
#define __cdecl
#endif
#ifndef __stdcall
#define __stdcall
#endif
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#ifndef FAR
#define FAR
#endif
#ifndef NEAR
#define NEAR
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef VOID
#define VOID void
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

// Base types (basetsd.h, minwindef.h, winnt.h), LLP64 sizes.
typedef void* PVOID;
typedef void* LPVOID;
typedef const void* LPCVOID;
typedef void* HANDLE;
typedef int BOOL;
typedef unsigned char BYTE;
typedef unsigned char UCHAR;
typedef unsigned char BOOLEAN;
typedef char CHAR;
typedef wchar_t WCHAR;
typedef short SHORT;
typedef unsigned short USHORT;
typedef unsigned short WORD;
typedef int INT;
typedef unsigned int UINT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef int64_t LONG64;
typedef int64_t INT64;
typedef int64_t LONGLONG;
typedef uint64_t ULONG64;
typedef uint64_t UINT64;
typedef uint64_t DWORD64;
typedef uint64_t ULONGLONG;
typedef intptr_t INT_PTR;
typedef intptr_t LONG_PTR;
typedef uintptr_t UINT_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t DWORD_PTR;
typedef size_t SIZE_T;
typedef BOOL* PBOOL;
typedef BYTE* PBYTE;
typedef BYTE* LPBYTE;
typedef USHORT* PUSHORT;
typedef WORD* PWORD;
typedef WORD* LPWORD;
typedef ULONG* PULONG;
typedef DWORD* PDWORD;
typedef DWORD* LPDWORD;
typedef LONG* PLONG;
typedef ULONG64* PULONG64;
typedef CHAR* LPSTR;
typedef CHAR* PSTR;
typedef const CHAR* LPCSTR;
typedef const CHAR* PCSTR;
typedef WCHAR* LPWSTR;
typedef WCHAR* PWSTR;
typedef const WCHAR* LPCWSTR;
typedef const WCHAR* PCWSTR;

#define MAKEWORD(low, high) \
  ((WORD)(((BYTE)((DWORD_PTR)(low)&0xff)) | ((WORD)((BYTE)((DWORD_PTR)(high)&0xff))) << 8))
#define LOBYTE(w) ((BYTE)((DWORD_PTR)(w)&0xff))
#define HIBYTE(w) ((BYTE)(((DWORD_PTR)(w) >> 8) & 0xff))
#define LOWORD(l) ((WORD)((DWORD_PTR)(l)&0xffff))
#define HIWORD(l) ((WORD)(((DWORD_PTR)(l) >> 16) & 0xffff))

#define ZeroMemory(destination, length) memset((destination), 0, (length))
#define SecureZeroMemory(destination, length) memset((destination), 0, (length))

// winerror.h: the codes the port-reservation functions return, and the two
// names of success.
#define NO_ERROR 0L
#define ERROR_SUCCESS 0L
#define ERROR_ACCESS_DENIED 5L
#define ERROR_INVALID_HANDLE 6L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_SHARING_VIOLATION 32L
#define ERROR_NOT_SUPPORTED 50L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_NOACCESS 998L
#define ERROR_NOT_FOUND 1168L

namespace portpool::compat::sdk {

// The CRT's _wtoi: the leading decimal integer of `text`, 0 if there is
// none, clamped to int's range.
inline int _wtoi(const wchar_t* text) {
  if (text == nullptr) return 0;
  const long long value = wcstoll(text, nullptr, 10);
  if (value > INT32_MAX) return INT32_MAX;
  if (value < INT32_MIN) return INT32_MIN;
  return static_cast<int>(value);
}

}  // namespace portpool::compat::sdk

using ::portpool::compat::sdk::_wtoi;

// A program may define wmain instead of main: portpool::compat_wmain's main
// converts the arguments (from the user's locale) and calls it.
int wmain(int argc, wchar_t** argv);

#endif  // PORTPOOL_COMPAT_WINDOWS_H_
