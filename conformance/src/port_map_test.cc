// The port map and the table under it: what is drawn, what is labelled, and
// that nothing lives only in a tooltip.
#include "portpool/conformance/port_map.h"

#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/replay.h"

namespace portpool::conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The widths of the <rect> elements whose tooltip starts with `what`.
std::vector<double> RectWidths(const std::string& svg, const std::string& what) {
  std::vector<double> widths;
  for (size_t at = svg.find("<rect "); at != std::string::npos; at = svg.find("<rect ", at + 1)) {
    const size_t end = svg.find('>', at);
    if (end == std::string::npos) break;
    if (svg.compare(end + 1, 7 + what.size(), "<title>" + what) != 0) continue;
    const std::string element = svg.substr(at, end - at);
    const size_t width_at = element.find(" width=\"");  // not stroke-width
    if (width_at == std::string::npos) continue;
    const size_t value_at = width_at + 8;
    double width = 0;
    EXPECT_TRUE(
        absl::SimpleAtod(element.substr(value_at, element.find('"', value_at) - value_at), &width));
    widths.push_back(width);
  }
  return widths;
}

// Whether `svg` draws the bracket two pixels wide that reads as a stray
// glyph: `<path d="M<x> 24.0 V16.0 H...`. By hand: gtest's Windows regular
// expressions have no [], and std::regex trips g++ 12's -Wmaybe-uninitialized
// under ASan.
bool HasNarrowBracket(const std::string& svg) {
  const std::string open = "<path d=\"M";
  const std::string rest = " 24.0 V16.0 H";
  for (size_t at = svg.find(open); at != std::string::npos; at = svg.find(open, at + 1)) {
    size_t end = at + open.size();
    while (end < svg.size() &&
           (absl::ascii_isdigit(static_cast<unsigned char>(svg[end])) || svg[end] == '.')) {
      ++end;
    }
    if (end > at + open.size() && svg.compare(end, rest.size(), rest) == 0) return true;
  }
  return false;
}

TEST(PortMapTest, TinyBlocksAreDrawnAtAMinimumWidthWithCloseUps) {
  Machine machine(1);
  const ProcessId p = machine.StartProcess(true);
  ASSERT_TRUE(machine.Run(call::CreatePersistent{p, Protocol::kTcp, {5000, 1}}).ok());
  ASSERT_TRUE(machine.Run(call::CreatePersistent{p, Protocol::kTcp, {5001, 1}}).ok());
  auto socket = machine.Run(call::OpenSocket{p, Protocol::kTcp, Family::kIpv4});
  ASSERT_TRUE(socket.ok() && socket->socket);
  auto acquired = machine.Run(call::Acquire{p, *socket->socket, {6000, 2}});
  ASSERT_TRUE(acquired.ok() && acquired->ok()) << acquired->error;
  ASSERT_TRUE(machine.Run(call::Bind{p, *socket->socket, 5005}).ok());

  const std::string svg = PortMapSvg(machine, Protocol::kTcp);
  // Each one-port persistent block: once on the full map, once in a close-up.
  const std::vector<double> persistent = RectWidths(svg, "persistent block 5000 ");
  ASSERT_EQ(persistent.size(), 2u) << svg;
  for (double width : persistent) EXPECT_GE(width, 3.0);
  const std::vector<double> runtime = RectWidths(svg, "runtime block 6000");
  ASSERT_GE(runtime.size(), 1u);
  for (double width : runtime) EXPECT_GE(width, 3.0);
  EXPECT_THAT(svg, HasSubstr("port 5005 bound by s1 of p1 (ipv4)"));
  EXPECT_THAT(svg, HasSubstr("dynamic range 49152\u201365535 (16,384 ports)"));
  EXPECT_THAT(svg, HasSubstr(">0</text>"));
  EXPECT_THAT(svg, HasSubstr(">65535</text>"));
  EXPECT_THAT(svg, HasSubstr(">port</text>"));
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray"));  // the wedge of a close-up
  // UDP has nothing but its dynamic range: no close-ups.
  const std::string udp = PortMapSvg(machine, Protocol::kUdp);
  EXPECT_THAT(udp, Not(HasSubstr("stroke-dasharray")));
  EXPECT_THAT(udp, Not(HasSubstr("persistent block")));
}

TEST(PortMapTest, TheDynamicRangeFollowsTheMachine) {
  Machine machine(1);
  ASSERT_TRUE(machine.SetDynamicRange(Protocol::kUdp, {60000, 255}).ok());
  EXPECT_THAT(PortMapSvg(machine, Protocol::kUdp), HasSubstr("dynamic range 60000\u201360254"));
  EXPECT_THAT(PortMapSvg(machine, Protocol::kTcp),
              HasSubstr("dynamic range 49152\u201365535 (16,384 ports)"));
}

// The <text> elements' contents of an svg.
std::vector<std::string> Texts(const std::string& svg) {
  std::vector<std::string> texts;
  for (size_t at = svg.find("<text "); at != std::string::npos; at = svg.find("<text ", at + 1)) {
    const size_t begin = svg.find('>', at) + 1;
    texts.push_back(svg.substr(begin, svg.find("</text>", begin) - begin));
  }
  return texts;
}

// Each bound-port marker's x and the y of its tip (its path's third point).
std::vector<std::pair<double, double>> Markers(const std::string& svg) {
  std::vector<std::pair<double, double>> markers;
  for (size_t at = svg.find("<g><title>port "); at != std::string::npos;
       at = svg.find("<g><title>port ", at + 1)) {
    const size_t path = svg.find("<path d=\"M", at);
    const std::string d = svg.substr(path + 10, svg.find(" Z\"", path) - path - 10);
    // "x0 y0 Lx1 y1 Lx2 y2": the tip is (x2, y2).
    const std::vector<std::string> parts = absl::StrSplit(d, ' ');
    double x = 0, y = 0;
    EXPECT_TRUE(parts.size() == 6 && absl::SimpleAtod(parts[4].substr(1), &x) &&
                absl::SimpleAtod(parts[5], &y))
        << d;
    markers.emplace_back(x, y);
  }
  return markers;
}

DrawnState StateOf(const std::string& trace_text) {
  absl::StatusOr<traces::Trace> trace = traces::Parse(trace_text);
  EXPECT_TRUE(trace.ok()) << trace.status();
  traces::ReplayResult replay = traces::Replay(*trace);
  EXPECT_TRUE(replay.conforms) << (replay.error ? replay.error->message : "diverges");
  DrawnState state;
  state.machine = replay.machine;
  state.process_names = replay.process_names;
  state.socket_names = replay.socket_names;
  state.token_names = replay.token_names;
  return state;
}

// A persistent block, a runtime block and two bound ports on adjacent ports,
// all within a few ports.
const char kCrowded[] =
    "portpool-trace 1\n"
    "start-process elevated -> NO_ERROR process=p1\n"
    "p1 create tcp 5000 2 -> NO_ERROR token=$a\n"
    "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
    "p1 s1 acquire 5004 3 -> NO_ERROR block=5004-5006 token=$b\n"
    "p1 socket tcp ipv4 -> NO_ERROR socket=s2\n"
    "p1 s2 bind 5010 -> NO_ERROR port=5010\n"
    "p1 socket tcp ipv4 -> NO_ERROR socket=s3\n"
    "p1 s3 bind 5011 -> NO_ERROR port=5011\n";

TEST(PortMapTest, EveryBlockAndBoundPortIsLabelledInACloseUp) {
  const std::string svg = PortMapSvg(StateOf(kCrowded), Protocol::kTcp);
  const std::vector<std::string> texts = Texts(svg);
  for (const char* label : {"5000\u20135001", "5004\u20135006", "5010", "5011"}) {
    EXPECT_THAT(texts, testing::Contains(label)) << label << "\n" << svg;
  }
  // Tooltips carry the trace's names.
  EXPECT_THAT(svg, HasSubstr("runtime block 5004\u20135006 (3 ports), acquired by p1 on s1 (ipv4), "
                             "token $b"));
  EXPECT_THAT(svg, HasSubstr("port 5010 bound by s2 of p1 (ipv4)"));
}

TEST(PortMapTest, MarkersOfAdjacentPortsDoNotMerge) {
  const std::string svg = PortMapSvg(StateOf(kCrowded), Protocol::kTcp);
  const std::vector<std::pair<double, double>> markers = Markers(svg);
  // 5010 and 5011, on the full bar and in the close-up: each pair is either
  // far enough apart for two markers (10 and 6 pixels wide) or on two tiers.
  ASSERT_EQ(markers.size(), 4u) << svg;
  for (const auto& [a, b, width] :
       {std::tuple{markers[0], markers[1], 10.0}, std::tuple{markers[2], markers[3], 6.0}}) {
    EXPECT_TRUE(std::abs(a.first - b.first) > width || a.second != b.second)
        << "markers at x=" << a.first << " and x=" << b.first << " share the tip y=" << a.second;
  }
}

TEST(PortMapTest, ANarrowDynamicRangeGetsAPointerAndItsPortCount) {
  Machine machine(1);
  ASSERT_TRUE(machine.SetDynamicRange(Protocol::kTcp, {65281, 255}).ok());
  const std::string svg = PortMapSvg(machine, Protocol::kTcp);
  EXPECT_THAT(svg, HasSubstr(">dynamic range 65281\u201365535 (255 ports)</text>"));
  // Not a bracket two pixels wide (which reads as a stray glyph): a pointer.
  ASSERT_TRUE(HasNarrowBracket(R"(<g><path d="M12.5 24.0 V16.0 H14.5"/></g>)"));  // the check bites
  EXPECT_FALSE(HasNarrowBracket(svg));
  // The band on the bar is at least 3 pixels wide.
  const std::vector<double> band = RectWidths(svg, "dynamic range");
  ASSERT_EQ(band.size(), 1u);
  EXPECT_GE(band[0], 3.0);
}

TEST(PortMapTest, TheTableListsEveryBlockPortAndOwner) {
  const std::vector<PortTableRow> rows = PortTable(StateOf(kCrowded), Protocol::kTcp);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].ports, "5000\u20135001 (2 ports)");
  EXPECT_EQ(rows[0].what, "persistent block");
  EXPECT_EQ(rows[0].owner, "token $a");
  EXPECT_EQ(rows[1].what, "runtime block");
  EXPECT_EQ(rows[1].owner, "p1 on s1 (ipv4), token $b");
  EXPECT_EQ(rows[2].ports, "5010");
  EXPECT_EQ(rows[2].owner, "s2 of p1 (ipv4)");
  EXPECT_EQ(rows[3].ports, "5011");
  EXPECT_EQ(rows[4].what, "dynamic range");
  EXPECT_EQ(rows[4].ports, "49152\u201365535 (16,384 ports)");
}

}  // namespace
}  // namespace portpool::conformance
