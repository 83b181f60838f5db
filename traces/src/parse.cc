#include "portpool/traces/parse.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "portpool/call.h"
#include "portpool/error.h"
#include "portpool/outcome.h"
#include "portpool/protocol.h"
#include "portpool/win32.h"
#include "trace_text.h"

#ifdef _WIN32
#include <share.h>  // _SH_DENYNO
#endif

namespace portpool::traces {
namespace {

using internal::IsBlank;

#define PORTPOOL_RETURN_IF_ERROR(expr) \
  do {                                 \
    absl::Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (false)

constexpr absl::string_view kHeaderWord = "portpool-trace";
constexpr absl::string_view kProvenancePrefix = "provenance:";
constexpr absl::string_view kArrow = "->";
constexpr size_t kMaxQuoted = 40;  // bytes of a token shown in an error message
// Columns are ints: a line is too long beyond 1 GiB whatever the options say.
constexpr size_t kLongestLineEver = size_t{1} << 30;

size_t MaxLineLength(const ParseOptions& options) {
  return std::min(options.max_line_length, kLongestLineEver);
}

// How an error message shows a piece of the input: quoted, printable ASCII
// as is, any other byte as \xNN, cut after kMaxQuoted bytes.
std::string Quote(absl::string_view text) {
  std::string out = "'";
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == kMaxQuoted) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F && byte != '\\' && byte != '\'') {
      out += static_cast<char>(byte);
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", byte);
    }
  }
  out += "'";
  return out;
}

// A blank-separated word of a line.
struct Word {
  absl::string_view text;
  int column = 0;  // 1-based byte column of text[0]
};

// A part of a word, keeping its column.
Word Part(const Word& word, size_t offset, size_t length = absl::string_view::npos) {
  return {word.text.substr(offset, length), word.column + static_cast<int>(offset)};
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsDigit(c)) return false;
  }
  return true;
}
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
uint64_t HexValue(char c) {
  if (IsDigit(c)) return static_cast<uint64_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint64_t>(c - 'a' + 10);
  return static_cast<uint64_t>(c - 'A' + 10);
}
// What a misspelt keyword looks like: letters, digits, '-' and '_', not
// starting with a digit.
bool IsWord(absl::string_view text) {
  if (text.empty() || IsDigit(text[0])) return false;
  for (char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}
// An error name's shape: an upper-case letter, then upper-case letters,
// digits and '_'.
bool IsErrorWord(absl::string_view text) {
  if (text.empty() || !(text[0] >= 'A' && text[0] <= 'Z')) return false;
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_')) return false;
  }
  return true;
}

constexpr absl::string_view kCallWhat =
    "a call (start-process, end-process, reboot, set-dynamic, env or a process name)";
constexpr absl::string_view kProcessCallWhat =
    "a process call (create, lookup, delete, socket) or a socket name";
constexpr absl::string_view kSocketCallWhat =
    "a socket call (close, getsockname, acquire, release, associate, bind)";
constexpr absl::string_view kProtocolWhat = "a protocol (tcp or udp)";
constexpr absl::string_view kPortWhat = "a port (0..65535 or raw:PORT)";
constexpr absl::string_view kAcquirePortWhat = "a port (0..65535, raw:PORT or any)";
constexpr absl::string_view kCountWhat = "a port count (0..65535)";
constexpr absl::string_view kBytesWhat = "a buffer size in bytes (0..4294967295)";
constexpr absl::string_view kTokenWhat = "a token ($name, 0xHEX or a decimal number)";
constexpr absl::string_view kErrorWhat = "an error name or number (NO_ERROR, WSAEINVAL, 87, ...)";
constexpr absl::string_view kFieldWhat =
    "a field (process=, socket=, block=, token=, port=) or end of line";

// Parses the words of one line. The line has been checked for bad bytes and
// has no line ending.
class LineParser {
 public:
  // `offset`: bytes on the line before `line` (a byte order mark), so that
  // columns count from the line's first byte.
  LineParser(absl::string_view file, int line_no, absl::string_view line, int offset = 0)
      : file_(file), line_no_(line_no), end_column_(offset + static_cast<int>(line.size()) + 1) {
    size_t i = 0;
    while (i < line.size()) {
      if (IsBlank(line[i])) {
        ++i;
        continue;
      }
      const size_t start = i;
      while (i < line.size() && !IsBlank(line[i])) ++i;
      words_.push_back({line.substr(start, i - start), offset + static_cast<int>(start) + 1});
    }
  }

  // "portpool-trace 1".
  absl::Status ParseHeader();
  // "<call> -> <answer>".
  absl::Status ParseStep(Step& step);
  // "<call>" alone.
  absl::Status ParseCallOnly(Step& step);

 private:
  bool AtEnd() const { return pos_ >= words_.size(); }
  const Word& Peek() const { return words_[pos_]; }

  absl::Status ErrorAt(int column, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(file_, ":", line_no_, ":", column, ": ", message));
  }
  // "expected WHAT, found 'WORD'" at the current word (or the line's end).
  absl::Status Expected(absl::string_view what) const {
    if (AtEnd())
      return ErrorAt(end_column_, absl::StrCat("expected ", what, ", found end of line"));
    return ExpectedAt(Peek(), what);
  }
  absl::Status ExpectedAt(const Word& word, absl::string_view what) const {
    return ErrorAt(word.column, absl::StrCat("expected ", what, ", found ", Quote(word.text)));
  }
  absl::Status OutOfRange(const Word& word, absl::string_view what) const {
    return ErrorAt(word.column, absl::StrCat("number out of range: expected ", what, ", found ",
                                             Quote(word.text)));
  }
  // At a call's position: "unknown call 'WORD'" for a word, else expected.
  absl::Status UnknownCall(absl::string_view what) const {
    if (!AtEnd() && IsWord(Peek().text)) {
      return ErrorAt(Peek().column, absl::StrCat("unknown call ", Quote(Peek().text)));
    }
    return Expected(what);
  }

  // The next word, which must be there.
  absl::Status Take(absl::string_view what, Word& word) {
    if (AtEnd()) return Expected(what);
    word = words_[pos_++];
    return absl::OkStatus();
  }
  // Consumes the next word if it is `keyword`.
  bool Accept(absl::string_view keyword) {
    if (AtEnd() || Peek().text != keyword) return false;
    ++pos_;
    return true;
  }

  // Numbers and names, read from a word (or part of one).
  absl::Status Decimal(const Word& word, uint64_t max, absl::string_view what,
                       uint64_t& value) const;
  absl::Status U16(const Word& word, absl::string_view what, uint16_t& value) const;
  absl::Status U32(const Word& word, absl::string_view what, uint32_t& value) const;
  absl::Status Name(const Word& word, char prefix, uint32_t min, absl::string_view what,
                    uint32_t& value) const;
  absl::Status ProcessName(const Word& word, ProcessId& id) const {
    return Name(word, 'p', 1, "a process name (p1, p2, ...)", id.value);
  }
  absl::Status SocketName(const Word& word, SocketId& id) const {
    return Name(word, 's', 0, "a socket name (s1, s2, ...)", id.value);
  }
  // PORT or raw:PORT; with `any`, also "any" (for 0).
  absl::Status PortValue(const Word& word, bool any, uint16_t& port, bool& raw) const;
  // $name, 0xHEX or a decimal number.
  absl::Status TokenValue(const Word& word, std::optional<std::string>& name, Token& value) const;
  // START, START-LAST or START+0.
  absl::Status BlockValue(const Word& word, PortRange& block) const;

  absl::Status TakeU16(absl::string_view what, uint16_t& value) {
    Word word;
    PORTPOOL_RETURN_IF_ERROR(Take(what, word));
    return U16(word, what, value);
  }
  absl::Status TakeProtocol(Protocol& protocol);
  // PORT COUNT, as create, lookup, delete and acquire take it.
  absl::Status TakeBlock(bool any, PortRange& block, bool& raw);
  // Options until "->": in=BYTES (if `in`), out=BYTES (if `out`).
  absl::Status TakeSizes(absl::string_view what, uint32_t* in, uint32_t* out);

  absl::Status ParseCall(Step& step);
  absl::Status ParseProcessCall(ProcessId process, Step& step);
  absl::Status ParseSocketCall(ProcessId process, SocketId socket, Step& step);
  absl::Status ParseAnswer(Step& step);

  absl::string_view file_;
  int line_no_;
  int end_column_;
  std::vector<Word> words_;
  size_t pos_ = 0;
  bool call_only_ = false;  // a call without "-> answer"
};

absl::Status LineParser::Decimal(const Word& word, uint64_t max, absl::string_view what,
                                 uint64_t& value) const {
  if (!IsAllDigits(word.text)) return ExpectedAt(word, what);
  if (word.text.size() > 1 && word.text[0] == '0') {
    return ExpectedAt(word, absl::StrCat(what, " without leading zeros"));
  }
  uint64_t v = 0;
  for (char c : word.text) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (v > (max - digit) / 10) return OutOfRange(word, what);
    v = v * 10 + digit;
  }
  value = v;
  return absl::OkStatus();
}

absl::Status LineParser::U16(const Word& word, absl::string_view what, uint16_t& value) const {
  uint64_t v = 0;
  PORTPOOL_RETURN_IF_ERROR(Decimal(word, kMaxPort, what, v));
  value = static_cast<uint16_t>(v);
  return absl::OkStatus();
}

absl::Status LineParser::U32(const Word& word, absl::string_view what, uint32_t& value) const {
  uint64_t v = 0;
  PORTPOOL_RETURN_IF_ERROR(Decimal(word, std::numeric_limits<uint32_t>::max(), what, v));
  value = static_cast<uint32_t>(v);
  return absl::OkStatus();
}

absl::Status LineParser::Name(const Word& word, char prefix, uint32_t min, absl::string_view what,
                              uint32_t& value) const {
  if (word.text.size() < 2 || word.text[0] != prefix) return ExpectedAt(word, what);
  const absl::string_view digits = word.text.substr(1);
  if (!IsAllDigits(digits) || (digits.size() > 1 && digits[0] == '0')) {
    return ExpectedAt(word, what);
  }
  uint64_t v = 0;
  for (char c : digits) {
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > std::numeric_limits<uint32_t>::max()) return OutOfRange(word, what);
  }
  if (v < min) return ExpectedAt(word, what);
  value = static_cast<uint32_t>(v);
  return absl::OkStatus();
}

absl::Status LineParser::PortValue(const Word& word, bool any, uint16_t& port, bool& raw) const {
  raw = false;
  if (any && word.text == "any") {
    port = 0;
    return absl::OkStatus();
  }
  if (absl::StartsWith(word.text, "raw:")) {
    uint16_t value = 0;
    PORTPOOL_RETURN_IF_ERROR(U16(Part(word, 4), "a port after 'raw:' (0..65535)", value));
    port = win32::NetworkToHost(value);
    raw = true;
    return absl::OkStatus();
  }
  return U16(word, any ? kAcquirePortWhat : kPortWhat, port);
}

absl::Status LineParser::TokenValue(const Word& word, std::optional<std::string>& name,
                                    Token& value) const {
  if (!word.text.empty() && word.text[0] == '$') {
    if (!internal::IsTokenName(word.text)) {
      return ExpectedAt(word, "a token name ('$' and letters, digits or '_')");
    }
    name = std::string(word.text);
    value = kInvalidToken;
    return absl::OkStatus();
  }
  name.reset();
  if (absl::StartsWith(word.text, "0x")) {
    const Word hex = Part(word, 2);
    if (hex.text.empty()) return ExpectedAt(word, kTokenWhat);
    uint64_t v = 0;
    bool too_big = false;
    for (char c : hex.text) {
      if (!IsHexDigit(c)) return ExpectedAt(word, kTokenWhat);
      if (v >> 60 != 0) too_big = true;  // keep checking the digits
      v = (v << 4) | HexValue(c);
    }
    if (too_big) return OutOfRange(word, "a 64-bit token");
    value = v;
    return absl::OkStatus();
  }
  uint64_t v = 0;
  PORTPOOL_RETURN_IF_ERROR(Decimal(word, std::numeric_limits<uint64_t>::max(), kTokenWhat, v));
  value = v;
  return absl::OkStatus();
}

absl::Status LineParser::BlockValue(const Word& word, PortRange& block) const {
  constexpr absl::string_view what = "a block (START, START-LAST or START+0)";
  const size_t sep = word.text.find_first_of("-+");
  uint16_t start = 0;
  PORTPOOL_RETURN_IF_ERROR(U16(Part(word, 0, sep), what, start));
  if (sep == absl::string_view::npos) {
    block = {start, 1};
    return absl::OkStatus();
  }
  const Word rest = Part(word, sep + 1);
  if (word.text[sep] == '+') {
    if (rest.text != "0") return ExpectedAt(rest, "0 after '+' (an empty block is START+0)");
    block = {start, 0};
    return absl::OkStatus();
  }
  uint64_t last = 0;
  const uint64_t max_last = uint64_t{start} + kMaxPort - 1;
  PORTPOOL_RETURN_IF_ERROR(
      Decimal(rest, max_last, "a block's last port (at most 65535 ports)", last));
  if (last < start) return ExpectedAt(rest, "a block's last port, not below its start");
  block = {start, static_cast<uint16_t>(last - start + 1)};
  return absl::OkStatus();
}

absl::Status LineParser::TakeProtocol(Protocol& protocol) {
  Word word;
  PORTPOOL_RETURN_IF_ERROR(Take(kProtocolWhat, word));
  const std::optional<Protocol> p = ProtocolFromName(word.text);
  if (!p) return ExpectedAt(word, kProtocolWhat);
  protocol = *p;
  return absl::OkStatus();
}

absl::Status LineParser::TakeBlock(bool any, PortRange& block, bool& raw) {
  Word word;
  PORTPOOL_RETURN_IF_ERROR(Take(any ? kAcquirePortWhat : kPortWhat, word));
  PORTPOOL_RETURN_IF_ERROR(PortValue(word, any, block.start, raw));
  return TakeU16(kCountWhat, block.count);
}

absl::Status LineParser::TakeSizes(absl::string_view what, uint32_t* in, uint32_t* out) {
  bool seen_in = false;
  bool seen_out = false;
  while (!AtEnd() && Peek().text != kArrow) {
    const Word word = Peek();
    uint32_t* target = nullptr;
    size_t key = 0;
    if (in != nullptr && absl::StartsWith(word.text, "in=")) {
      if (seen_in) return ErrorAt(word.column, "duplicate option 'in='");
      seen_in = true;
      target = in;
      key = 3;
    } else if (out != nullptr && absl::StartsWith(word.text, "out=")) {
      if (seen_out) return ErrorAt(word.column, "duplicate option 'out='");
      seen_out = true;
      target = out;
      key = 4;
    } else {
      return Expected(what);
    }
    PORTPOOL_RETURN_IF_ERROR(U32(Part(word, key), kBytesWhat, *target));
    ++pos_;
  }
  return absl::OkStatus();
}

absl::Status LineParser::ParseHeader() {
  constexpr absl::string_view what = "'portpool-trace 1'";
  if (AtEnd() || Peek().text != kHeaderWord) return Expected(what);
  ++pos_;
  Word version;
  PORTPOOL_RETURN_IF_ERROR(Take("a format version after 'portpool-trace'", version));
  if (version.text != "1") {
    return ErrorAt(version.column,
                   absl::StrCat("unsupported trace format version ", Quote(version.text),
                                ": expected ", kFormatVersion));
  }
  if (!AtEnd()) return Expected("end of line");
  return absl::OkStatus();
}

absl::Status LineParser::ParseStep(Step& step) {
  PORTPOOL_RETURN_IF_ERROR(ParseCall(step));
  if (!Accept(kArrow)) return Expected("'->'");
  return ParseAnswer(step);
}

absl::Status LineParser::ParseCallOnly(Step& step) {
  call_only_ = true;
  PORTPOOL_RETURN_IF_ERROR(ParseCall(step));
  if (!AtEnd()) return Expected("end of line");
  return absl::OkStatus();
}

absl::Status LineParser::ParseCall(Step& step) {
  if (AtEnd()) return Expected(kCallWhat);
  const Word first = Peek();
  if (Accept("start-process")) {
    if (Accept("elevated")) {
      step.call = call::StartProcess{.elevated = true};
    } else if (Accept("normal")) {
      step.call = call::StartProcess{.elevated = false};
    } else {
      return Expected("'elevated' or 'normal'");
    }
    return absl::OkStatus();
  }
  if (Accept("end-process")) {
    call::EndProcess c;
    Word word;
    PORTPOOL_RETURN_IF_ERROR(Take("a process name (p1, p2, ...)", word));
    PORTPOOL_RETURN_IF_ERROR(ProcessName(word, c.process));
    step.call = c;
    return absl::OkStatus();
  }
  if (Accept("reboot")) {
    step.call = call::Reboot{};
    return absl::OkStatus();
  }
  if (Accept("set-dynamic")) {
    call::SetDynamicRange c;
    // An IP version may come first (DYN-RANGE-FAMILY); without one, ipv4.
    if (!AtEnd()) {
      if (const std::optional<Family> f = FamilyFromName(Peek().text)) {
        c.family = *f;
        ++pos_;
      }
    }
    PORTPOOL_RETURN_IF_ERROR(TakeProtocol(c.protocol));
    PORTPOOL_RETURN_IF_ERROR(TakeU16("a start port (0..65535)", c.range.start));
    PORTPOOL_RETURN_IF_ERROR(TakeU16(kCountWhat, c.range.count));
    step.call = c;
    return absl::OkStatus();
  }
  if (Accept("env")) {
    call::EnvironmentBlock c;
    if (Accept("add")) {
      c.added = true;
    } else if (Accept("remove")) {
      c.added = false;
    } else {
      return Expected("'add' or 'remove'");
    }
    constexpr absl::string_view what = "a store (runtime, active or persistent)";
    Word store;
    PORTPOOL_RETURN_IF_ERROR(Take(what, store));
    const std::optional<EnvironmentStore> st = EnvironmentStoreFromName(store.text);
    if (!st) return ExpectedAt(store, what);
    c.store = *st;
    PORTPOOL_RETURN_IF_ERROR(TakeProtocol(c.protocol));
    PORTPOOL_RETURN_IF_ERROR(TakeU16("a start port (0..65535)", c.block.start));
    PORTPOOL_RETURN_IF_ERROR(TakeU16(kCountWhat, c.block.count));
    step.call = c;
    return absl::OkStatus();
  }
  if (first.text.size() >= 2 && first.text[0] == 'p' && IsDigit(first.text[1])) {
    ProcessId process;
    PORTPOOL_RETURN_IF_ERROR(ProcessName(first, process));
    ++pos_;
    return ParseProcessCall(process, step);
  }
  return UnknownCall(kCallWhat);
}

absl::Status LineParser::ParseProcessCall(ProcessId process, Step& step) {
  if (AtEnd()) return Expected(kProcessCallWhat);
  const Word word = Peek();
  const bool create = word.text == "create";
  if (create || word.text == "lookup") {
    ++pos_;
    Protocol protocol = Protocol::kTcp;
    PortRange block;
    PORTPOOL_RETURN_IF_ERROR(TakeProtocol(protocol));
    PORTPOOL_RETURN_IF_ERROR(TakeBlock(/*any=*/false, block, step.raw_port));
    const bool null_token = Accept("null-token");
    if (create) {
      step.call = call::CreatePersistent{process, protocol, block, null_token};
    } else {
      step.call = call::LookupPersistent{process, protocol, block, null_token};
    }
    // A lone call (ParseCallOnly) checks for its end of line itself.
    if (!call_only_ && !null_token && (AtEnd() || Peek().text != kArrow)) {
      return Expected("'null-token' or '->'");
    }
    return absl::OkStatus();
  }
  if (word.text == "delete") {
    ++pos_;
    call::DeletePersistent c;
    c.process = process;
    PORTPOOL_RETURN_IF_ERROR(TakeProtocol(c.protocol));
    PORTPOOL_RETURN_IF_ERROR(TakeBlock(/*any=*/false, c.block, step.raw_port));
    step.call = c;
    return absl::OkStatus();
  }
  if (word.text == "socket") {
    ++pos_;
    call::OpenSocket c;
    c.process = process;
    PORTPOOL_RETURN_IF_ERROR(TakeProtocol(c.protocol));
    constexpr absl::string_view what = "an address family (ipv4 or ipv6)";
    Word family;
    PORTPOOL_RETURN_IF_ERROR(Take(what, family));
    const std::optional<Family> f = FamilyFromName(family.text);
    if (!f) return ExpectedAt(family, what);
    c.family = *f;
    step.call = c;
    return absl::OkStatus();
  }
  if (word.text.size() >= 2 && word.text[0] == 's' && IsDigit(word.text[1])) {
    SocketId socket;
    PORTPOOL_RETURN_IF_ERROR(SocketName(word, socket));
    ++pos_;
    return ParseSocketCall(process, socket, step);
  }
  return UnknownCall(kProcessCallWhat);
}

absl::Status LineParser::ParseSocketCall(ProcessId process, SocketId socket, Step& step) {
  if (Accept("close")) {
    step.call = call::CloseSocket{process, socket};
    return absl::OkStatus();
  }
  if (Accept("getsockname")) {
    step.call = call::GetSockName{process, socket};
    return absl::OkStatus();
  }
  if (Accept("acquire")) {
    call::Acquire c;
    c.process = process;
    c.socket = socket;
    PORTPOOL_RETURN_IF_ERROR(TakeBlock(/*any=*/true, c.request, step.raw_port));
    PORTPOOL_RETURN_IF_ERROR(TakeSizes("in=BYTES, out=BYTES or '->'", &c.in_size, &c.out_size));
    step.call = c;
    return absl::OkStatus();
  }
  const bool release = !AtEnd() && Peek().text == "release";
  if (release || Accept("associate")) {
    if (release) ++pos_;
    Token token = kInvalidToken;
    uint32_t in_size = call::kTokenSize;
    uint32_t out_size = 0;
    Word word;
    PORTPOOL_RETURN_IF_ERROR(Take(kTokenWhat, word));
    PORTPOOL_RETURN_IF_ERROR(TokenValue(word, step.token_argument, token));
    PORTPOOL_RETURN_IF_ERROR(TakeSizes("in=BYTES, out=BYTES or '->'", &in_size, &out_size));
    if (release) {
      step.call = call::Release{process, socket, token, in_size, out_size};
    } else {
      step.call = call::Associate{process, socket, token, in_size, out_size};
    }
    return absl::OkStatus();
  }
  if (Accept("bind")) {
    call::Bind c;
    c.process = process;
    c.socket = socket;
    Word word;
    PORTPOOL_RETURN_IF_ERROR(Take(kPortWhat, word));
    PORTPOOL_RETURN_IF_ERROR(PortValue(word, /*any=*/false, c.port, step.raw_port));
    step.call = c;
    return absl::OkStatus();
  }
  return UnknownCall(kSocketCallWhat);
}

absl::Status LineParser::ParseAnswer(Step& step) {
  Word error_word;
  PORTPOOL_RETURN_IF_ERROR(Take(kErrorWhat, error_word));
  if (IsAllDigits(error_word.text)) {
    uint32_t code = 0;
    PORTPOOL_RETURN_IF_ERROR(U32(error_word, kErrorWhat, code));
    step.outcome.error = static_cast<Error>(code);
  } else if (IsErrorWord(error_word.text)) {
    const std::optional<Error> error = ErrorFromName(error_word.text);
    if (!error)
      return ErrorAt(error_word.column, absl::StrCat("unknown error ", Quote(error_word.text)));
    step.outcome.error = *error;
  } else {
    return ExpectedAt(error_word, kErrorWhat);
  }

  enum Field { kProcess, kSocket, kBlock, kToken, kPort, kFieldCount };
  constexpr absl::string_view kKeys[kFieldCount] = {"process", "socket", "block", "token", "port"};
  bool seen[kFieldCount] = {};
  while (!AtEnd()) {
    const Word word = words_[pos_++];
    const size_t eq = word.text.find('=');
    if (eq == absl::string_view::npos) return ExpectedAt(word, kFieldWhat);
    const absl::string_view key = word.text.substr(0, eq);
    const Word value = Part(word, eq + 1);
    int field = kFieldCount;
    for (int i = 0; i < kFieldCount; ++i) {
      if (kKeys[i] == key) field = i;
    }
    if (field == kFieldCount) {
      return ErrorAt(word.column,
                     absl::StrCat("unknown field ", Quote(key),
                                  " (expected process, socket, block, token or port)"));
    }
    if (seen[field]) return ErrorAt(word.column, absl::StrCat("duplicate field ", Quote(key)));
    seen[field] = true;
    switch (field) {
      case kProcess: {
        ProcessId id;
        PORTPOOL_RETURN_IF_ERROR(ProcessName(value, id));
        step.outcome.process = id;
        break;
      }
      case kSocket: {
        SocketId id;
        PORTPOOL_RETURN_IF_ERROR(SocketName(value, id));
        step.outcome.socket = id;
        break;
      }
      case kBlock: {
        PortRange block;
        PORTPOOL_RETURN_IF_ERROR(BlockValue(value, block));
        step.outcome.block = block;
        break;
      }
      case kToken: {
        Token token = kInvalidToken;
        PORTPOOL_RETURN_IF_ERROR(TokenValue(value, step.outcome_token_name, token));
        step.outcome.token = token;
        break;
      }
      default: {
        uint16_t port = 0;
        PORTPOOL_RETURN_IF_ERROR(U16(value, "a port (0..65535)", port));
        step.outcome.port = port;
        break;
      }
    }
  }
  return absl::OkStatus();
}

// Builds a trace from its lines, one at a time, so that a file can be
// streamed through it.
class TraceBuilder {
 public:
  TraceBuilder(absl::string_view file, const ParseOptions& options)
      : file_(file), options_(options) {}

  // The next line, without its '\n' (a '\r' before it is allowed).
  absl::Status AddLine(absl::string_view line);
  // The error for a next line longer than the limit.
  absl::Status LineTooLong() const {
    const size_t limit = MaxLineLength(options_);
    return ErrorAt(line_no_ + 1, static_cast<int>(limit) + 1,
                   absl::StrCat("line too long: more than ", limit,
                                " bytes (the limit ParseOptions::max_line_length)"));
  }
  absl::StatusOr<Trace> Finish() &&;

 private:
  enum class Section { kHeader, kProvenance, kBody };

  absl::Status ErrorAt(int line, int column, absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(file_, ":", line, ":", column, ": ", message));
  }
  absl::Status AddComment(std::string text);
  // Counts a comment or provenance line against the limit.
  absl::Status CountCommentLine() {
    if (++comment_lines_ <= options_.max_comment_lines) return absl::OkStatus();
    return ErrorAt(
        line_no_, 1,
        absl::StrCat("too many comment and provenance lines: more than ",
                     options_.max_comment_lines, " (the limit ParseOptions::max_comment_lines)"));
  }

  absl::string_view file_;
  const ParseOptions& options_;
  int line_no_ = 0;
  Section section_ = Section::kHeader;
  size_t comment_lines_ = 0;
  std::vector<std::string> pending_comments_;
  Trace trace_;
};

absl::Status TraceBuilder::AddComment(std::string text) {
  PORTPOOL_RETURN_IF_ERROR(CountCommentLine());
  if (trace_.steps.empty()) {
    trace_.comments.push_back(std::move(text));
  } else {
    pending_comments_.push_back(std::move(text));
  }
  return absl::OkStatus();
}

absl::Status TraceBuilder::AddLine(absl::string_view line) {
  if (line_no_ == INT_MAX - 1) return ErrorAt(line_no_, 1, "too many lines");
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > MaxLineLength(options_)) return LineTooLong();
  ++line_no_;
  size_t skipped = 0;  // bytes before `line` (a byte order mark)
  if (line_no_ == 1 && absl::StartsWith(line, "\xEF\xBB\xBF")) {
    line.remove_prefix(3);
    skipped = 3;
  }
  const internal::BadByte bad = internal::FindBadByte(line);
  if (bad.offset < line.size()) {
    const int column = static_cast<int>(skipped + bad.offset) + 1;
    const auto byte = static_cast<unsigned char>(line[bad.offset]);
    return ErrorAt(line_no_, column,
                   bad.control ? absl::StrFormat("unexpected control character 0x%02x", byte)
                               : absl::StrFormat("invalid UTF-8 (byte 0x%02x)", byte));
  }
  const absl::string_view content = internal::StripLeadingBlanks(line);
  const int indent = static_cast<int>(line.size() - content.size());

  if (section_ == Section::kHeader) {
    PORTPOOL_RETURN_IF_ERROR(
        LineParser(file_, line_no_, line, static_cast<int>(skipped)).ParseHeader());
    section_ = Section::kProvenance;
    return absl::OkStatus();
  }
  if (content.empty()) return absl::OkStatus();  // blank line
  if (content[0] == '#') {
    absl::string_view text = internal::StripTrailingBlanks(content.substr(1));
    if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
    section_ = Section::kBody;
    return AddComment(std::string(text));
  }
  if (absl::StartsWith(content, kProvenancePrefix)) {
    if (section_ != Section::kProvenance) {
      return ErrorAt(line_no_, indent + 1,
                     "provenance lines must come directly after the header line");
    }
    const absl::string_view text = internal::StripTrailingBlanks(
        internal::StripLeadingBlanks(content.substr(kProvenancePrefix.size())));
    if (text.empty()) {
      return ErrorAt(line_no_, static_cast<int>(line.size()) + 1,
                     "expected provenance text, found end of line");
    }
    PORTPOOL_RETURN_IF_ERROR(CountCommentLine());
    trace_.provenance.emplace_back(text);
    return absl::OkStatus();
  }
  section_ = Section::kBody;
  if (trace_.steps.size() >= options_.max_steps) {
    return ErrorAt(line_no_, indent + 1,
                   absl::StrCat("too many steps: more than ", options_.max_steps,
                                " (the limit ParseOptions::max_steps)"));
  }
  Step step;
  PORTPOOL_RETURN_IF_ERROR(LineParser(file_, line_no_, line).ParseStep(step));
  step.line = line_no_;
  step.comments = std::move(pending_comments_);
  pending_comments_.clear();
  trace_.steps.push_back(std::move(step));
  return absl::OkStatus();
}

absl::StatusOr<Trace> TraceBuilder::Finish() && {
  if (section_ == Section::kHeader) {
    return ErrorAt(1, 1, "expected 'portpool-trace 1', found end of file");
  }
  if (!pending_comments_.empty()) trace_.trailing_comments = std::move(pending_comments_);
  return std::move(trace_);
}

std::string ErrnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// std::fopen(path, "rb"), setting errno when it fails. MSVC deprecates fopen
// (C4996) in favour of fopen_s, which opens the file for this process alone;
// _fsopen with _SH_DENYNO shares it the way fopen does.
std::FILE* OpenForReading(const std::string& path) {
#ifdef _WIN32
  return ::_fsopen(path.c_str(), "rb", _SH_DENYNO);
#else
  return std::fopen(path.c_str(), "rb");  // C4996-safe: not compiled on Windows
#endif
}

}  // namespace

absl::StatusOr<Trace> Parse(absl::string_view text, absl::string_view file,
                            const ParseOptions& options) {
  if (text.size() > options.max_trace_size) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": trace too large: ", text.size(),
                                                   " bytes, more than ", options.max_trace_size,
                                                   " (the limit ParseOptions::max_trace_size)"));
  }
  TraceBuilder builder(file, options);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == absl::string_view::npos) end = text.size();
    PORTPOOL_RETURN_IF_ERROR(builder.AddLine(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  return std::move(builder).Finish();
}

absl::StatusOr<Trace> ParseFile(const std::string& path, const ParseOptions& options) {
  const auto too_large = [&](std::optional<uint64_t> size) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": trace too large: ", size ? absl::StrCat(*size, " bytes, ") : "", "more than ",
        options.max_trace_size, size ? "" : " bytes", " (the limit ParseOptions::max_trace_size)"));
  };
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (ec) return absl::InvalidArgumentError(absl::StrCat(path, ": ", ec.message()));
  if (status.type() == std::filesystem::file_type::directory) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a trace file"));
  }
  if (status.type() == std::filesystem::file_type::regular) {
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > options.max_trace_size) return too_large(size);
  }

  std::FILE* f = OpenForReading(path);
  if (f == nullptr) {
    const int error = errno;
    const std::string message = absl::StrCat(path, ": cannot open: ", ErrnoMessage(error));
    return error == ENOENT ? absl::NotFoundError(message) : absl::InvalidArgumentError(message);
  }
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};

  TraceBuilder builder(path, options);
  // The current line: never more than the limit plus a '\r'.
  const size_t max_buffered = MaxLineLength(options) + 1;
  std::string line;
  std::vector<char> chunk(64 * 1024);
  uint64_t total = 0;
  while (true) {
    const size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
    if (n == 0) {
      if (std::ferror(f)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": read error: ", ErrnoMessage(errno)));
      }
      break;
    }
    total += n;
    if (total > options.max_trace_size) return too_large(std::nullopt);
    absl::string_view data(chunk.data(), n);
    while (!data.empty()) {
      const size_t nl = data.find('\n');
      const absl::string_view piece = data.substr(0, nl);
      if (piece.size() > max_buffered - line.size()) return builder.LineTooLong();
      line.append(piece.data(), piece.size());
      if (nl == absl::string_view::npos) break;
      PORTPOOL_RETURN_IF_ERROR(builder.AddLine(line));
      line.clear();
      data.remove_prefix(nl + 1);
    }
  }
  if (!line.empty()) PORTPOOL_RETURN_IF_ERROR(builder.AddLine(line));
  return std::move(builder).Finish();
}

namespace {

// One line on its own, without a trace around it: its length and bytes are
// checked as a trace's lines are, then `parse` reads its words.
template <typename ParseFn>
absl::StatusOr<Step> ParseLoneLine(absl::string_view file, absl::string_view line, ParseFn parse) {
  if (line.size() > kMaxLineLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ":1:", kMaxLineLength + 1, ": line too long: more than ", kMaxLineLength, " bytes"));
  }
  const internal::BadByte bad = internal::FindBadByte(line);
  if (bad.offset < line.size()) {
    const auto byte = static_cast<unsigned char>(line[bad.offset]);
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":1:", bad.offset + 1, ": ",
                     bad.control ? absl::StrFormat("unexpected control character 0x%02x", byte)
                                 : absl::StrFormat("invalid UTF-8 (byte 0x%02x)", byte)));
  }
  Step step;
  LineParser parser(file, 1, line);
  PORTPOOL_RETURN_IF_ERROR(parse(parser, step));
  step.line = 1;
  return step;
}

}  // namespace

absl::StatusOr<Step> ParseStep(absl::string_view line) {
  return ParseLoneLine("<step>", line,
                       [](LineParser& parser, Step& step) { return parser.ParseStep(step); });
}

absl::StatusOr<Step> ParseCallLine(absl::string_view line) {
  return ParseLoneLine("<call>", line,
                       [](LineParser& parser, Step& step) { return parser.ParseCallOnly(step); });
}

}  // namespace portpool::traces
