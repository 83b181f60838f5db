#include "portpool/conformance/port_map.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "report_text.h"

namespace portpool::conformance {

std::string DrawnState::ProcessName(ProcessId id) const {
  auto it = process_names.find(id);
  return it != process_names.end() ? it->second : absl::StrCat("p", id.value);
}

std::string DrawnState::SocketName(SocketId id) const {
  auto it = socket_names.find(id);
  return it != socket_names.end() ? it->second : absl::StrCat("s", id.value);
}

namespace {

using report_text::Html;
using report_text::kBoundColour;
using report_text::kDynamicColour;
using report_text::kDynamicLineColour;
using report_text::kPersistentColour;
using report_text::kRuntimeColour;
using report_text::Plural;
using report_text::PortSpan;

constexpr double kMapLeft = 48;
constexpr double kMapWidth = 1104;
constexpr double kViewWidth = 1200;
constexpr double kMinBlockWidth = 3;
// In a close-up, neighbouring edges and bound-port markers must be at least
// this far apart (in pixels) to be told apart; markers alternate between two
// heights, so that adjacent ports' markers do not touch.
constexpr double kMinSeparation = 5;
constexpr size_t kMaxCloseUps = 5;
constexpr double kCloseUpGap = 28;
constexpr int kLabelRows = 4;
constexpr double kLabelRowHeight = 14;
constexpr double kCharWidth = 6.8;  // at font-size 11-12, roughly

std::string TokenText(const DrawnState& state, const Block& block) {
  if (!block.token_known) return "token not yet seen since the reboot";
  auto it = state.token_names.find(block.token);
  return it != state.token_names.end() ? absl::StrCat("token ", it->second)
                                       : absl::StrFormat("token 0x%x", block.token);
}

// A thing drawn on the map, over ports [first, last].
struct Feature {
  uint32_t first = 0;
  uint32_t last = 0;
  enum class Kind { kPersistent, kRuntime, kBound } kind = Kind::kPersistent;
  std::string label;    // under or inside a close-up: "5000–5009", "5005"
  std::string tooltip;  // the same details as the table row
  const char* colour = kPersistentColour;
};

std::vector<Feature> Features(const DrawnState& state, Protocol protocol) {
  std::vector<Feature> features;
  const Machine& machine = state.machine;
  for (const auto& [start, block] : machine.pool(protocol).blocks()) {
    Feature f;
    f.first = start;
    f.last = uint32_t{start} + block.count - 1;
    f.label = PortSpan(f.first, f.last);
    const std::string ports =
        absl::StrCat(f.label, " (", Plural(block.count, "port", "ports"), ")");
    if (block.kind == BlockKind::kPersistent) {
      f.kind = Feature::Kind::kPersistent;
      f.tooltip = absl::StrCat("persistent block ", ports, ", ", TokenText(state, block));
    } else {
      f.kind = Feature::Kind::kRuntime;
      f.colour = kRuntimeColour;
      f.tooltip =
          absl::StrCat("runtime block ", ports, ", acquired by ", state.ProcessName(block.owner),
                       " on ", state.SocketName(block.socket), " (", FamilyName(block.family),
                       "), ", TokenText(state, block));
    }
    features.push_back(std::move(f));
  }
  for (const auto& [port, binding] : machine.pool(protocol).bindings()) {
    std::vector<std::string> by;
    for (Family family : {Family::kIpv4, Family::kIpv6}) {
      if (const auto& socket = binding.of(family)) {
        const SocketState* socket_state = machine.socket(*socket);
        by.push_back(absl::StrCat(
            state.SocketName(*socket),
            socket_state ? absl::StrCat(" of ", state.ProcessName(socket_state->owner)) : "", " (",
            FamilyName(family), ")"));
      }
    }
    Feature f{port,
              port,
              Feature::Kind::kBound,
              absl::StrCat(port),
              absl::StrCat("port ", port, " bound by ", absl::StrJoin(by, ", ")),
              kBoundColour};
    features.push_back(std::move(f));
  }
  std::stable_sort(features.begin(), features.end(),
                   [](const Feature& a, const Feature& b) { return a.first < b.first; });
  return features;
}

// A horizontal scale from ports [first, last] onto [x, x + width].
struct Scale {
  double first = 0, last = kMaxPort, x = kMapLeft, width = kMapWidth;
  double At(double port) const { return x + (port - first) * width / (last - first + 1); }
  // The x range a span of ports covers, at least `min_width` wide.
  std::pair<double, double> Span(uint32_t a, uint32_t b, double min_width) const {
    double left = At(a), right = At(double{1} * b + 1);
    left = std::max(left, x);
    right = std::min(right, x + width);
    if (right - left < min_width) {
      const double mid = (left + right) / 2;
      left = std::clamp(mid - min_width / 2, x, x + width - min_width);
      right = left + min_width;
    }
    return {left, right};
  }
  double Centre(uint32_t port) const { return (At(port) + At(double{1} * port + 1)) / 2; }
};

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

// Draws `features` and the dynamic range on a bar at [top, top + height].
std::string DrawBar(const Scale& scale, double top, double height,
                    const std::vector<Feature>& features, const PortRange& dynamic,
                    bool label_inside, double marker_half_width) {
  std::string svg;
  absl::StrAppend(&svg, "<rect x=\"", Num(scale.x), "\" y=\"", Num(top), "\" width=\"",
                  Num(scale.width), "\" height=\"", Num(height),
                  "\" fill=\"#f1f5f9\" stroke=\"#94a3b8\" stroke-width=\"1\"/>\n");
  // The dynamic range, as a band behind the blocks.
  const uint32_t dyn_first = std::max<uint32_t>(dynamic.start, static_cast<uint32_t>(scale.first));
  const uint32_t dyn_last = std::min<uint32_t>(dynamic.last(), static_cast<uint32_t>(scale.last));
  if (dynamic.count > 0 && dyn_first <= dyn_last) {
    const auto [left, right] = scale.Span(dyn_first, dyn_last, kMinBlockWidth);
    absl::StrAppend(&svg, "<rect x=\"", Num(left), "\" y=\"", Num(top + 1), "\" width=\"",
                    Num(right - left), "\" height=\"", Num(height - 2), "\" fill=\"",
                    kDynamicColour, "\"><title>dynamic range ",
                    PortSpan(dynamic.start, dynamic.last()), "</title></rect>\n");
  }
  for (const Feature& f : features) {
    if (f.kind == Feature::Kind::kBound) continue;
    if (f.last < scale.first || f.first > scale.last) continue;
    const auto [left, right] =
        scale.Span(std::max(f.first, static_cast<uint32_t>(scale.first)),
                   std::min(f.last, static_cast<uint32_t>(scale.last)), kMinBlockWidth);
    absl::StrAppend(&svg, "<rect x=\"", Num(left), "\" y=\"", Num(top + 4), "\" width=\"",
                    Num(right - left), "\" height=\"", Num(height - 8), "\" fill=\"", f.colour,
                    "\" stroke=\"#fff\" stroke-width=\"0.5\"><title>", Html(f.tooltip),
                    "</title></rect>\n");
    if (label_inside && right - left > kCharWidth * static_cast<double>(f.label.size()) + 8) {
      absl::StrAppend(
          &svg, "<text x=\"", Num((left + right) / 2), "\" y=\"", Num(top + height / 2 + 4),
          "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#fff\">", Html(f.label), "</text>\n");
    }
  }
  // A marker too close to the one before it goes one tier up.
  double previous_x = -1e9;
  int tier = 0;
  for (const Feature& f : features) {
    if (f.kind != Feature::Kind::kBound) continue;
    if (f.first < scale.first || f.first > scale.last) continue;
    const double x = scale.Centre(f.first);
    const double w = marker_half_width;
    tier = x - previous_x < 2 * w + 2 ? 1 - tier : 0;
    previous_x = x;
    const double tip = top - 1 - tier * (2 * w + 3);
    absl::StrAppend(&svg, "<g><title>", Html(f.tooltip), "</title><line x1=\"", Num(x), "\" y1=\"",
                    Num(tip), "\" x2=\"", Num(x), "\" y2=\"", Num(top + height), "\" stroke=\"",
                    kBoundColour, "\" stroke-width=\"1.5\"/><path d=\"M", Num(x - w), " ",
                    Num(tip + 1 - 2 * w), " L", Num(x + w), " ", Num(tip + 1 - 2 * w), " L", Num(x),
                    " ", Num(tip), " Z\" fill=\"", kBoundColour, "\"/></g>\n");
  }
  return svg;
}

// A stretch of ports to show in a close-up, and the features in it.
struct Crowd {
  uint32_t first = 0, last = 0;  // the features' extent
  std::vector<size_t> members;   // indices into the features
};

// The close-up's port range: the crowd with room on both sides, at least 24
// ports.
std::pair<uint32_t, uint32_t> Padded(const Crowd& c) {
  const uint32_t span = c.last - c.first + 1;
  uint32_t pad = std::max<uint32_t>(2, span / 12);
  if (span + 2 * pad < 24) pad = (24 - span + 1) / 2;
  const uint32_t first = c.first > pad ? c.first - pad : 0;
  const uint32_t last = std::min<uint32_t>(kMaxPort, c.last + pad);
  return {first, last};
}

// The closest two distinct edges of a crowd's features (their first ports
// and the ports after them), in ports: what a close-up must pull apart.
uint32_t SmallestGap(const Crowd& c, const std::vector<Feature>& features) {
  std::vector<uint32_t> edges;
  for (size_t i : c.members) {
    edges.push_back(features[i].first);
    if (features[i].kind != Feature::Kind::kBound) edges.push_back(features[i].last + 1);
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  uint32_t gap = UINT32_MAX;
  for (size_t i = 1; i < edges.size(); ++i) gap = std::min(gap, edges[i] - edges[i - 1]);
  return gap;
}

double CloseUpWidth(size_t count) {
  return count == 0 ? 0
                    : (kMapWidth - kCloseUpGap * static_cast<double>(count - 1)) /
                          static_cast<double>(count);
}

// How much too narrow a close-up of `c` would be: above 1 means its closest
// features would run together.
double Crowding(const Crowd& c, const std::vector<Feature>& features, double width) {
  const auto [first, last] = Padded(c);
  const double pixels_per_port = width / (double{1} * last - first + 1);
  const uint32_t gap = SmallestGap(c, features);
  if (gap == UINT32_MAX) return 0;
  return kMinSeparation / (pixels_per_port * gap);
}

// Stretches of the port space worth a close-up: where features crowd on the
// full map (closer than ~12 pixels), or a feature is too narrow to see. Then
// crowds whose close-up would still run features together are split at their
// widest gap, while there is room for more close-ups.
std::vector<Crowd> Crowds(const std::vector<Feature>& features) {
  const uint32_t near = static_cast<uint32_t>(kMinSeparation * (kMaxPort + 1) / kMapWidth);
  std::vector<Crowd> crowds;
  for (size_t i = 0; i < features.size(); ++i) {
    const Feature& f = features[i];
    if (!crowds.empty() && f.first <= crowds.back().last + near) {
      crowds.back().last = std::max(crowds.back().last, f.last);
      crowds.back().members.push_back(i);
    } else {
      crowds.push_back({f.first, f.last, {i}});
    }
  }
  // Alone, a bound port is a clear marker and a wide block a clear bar: only
  // a narrow block needs a close-up of its own.
  std::erase_if(crowds, [&](const Crowd& c) {
    if (c.members.size() >= 2) return false;
    const Feature& f = features[c.members.front()];
    return f.kind == Feature::Kind::kBound ||
           (f.last - f.first + 1) * kMapWidth / (kMaxPort + 1) >= 8;
  });
  // The most crowded first, if there are more than fit.
  std::stable_sort(crowds.begin(), crowds.end(), [](const Crowd& a, const Crowd& b) {
    return a.members.size() > b.members.size();
  });
  if (crowds.size() > kMaxCloseUps) crowds.resize(kMaxCloseUps);

  while (crowds.size() < kMaxCloseUps) {
    const double width = CloseUpWidth(crowds.size() + 1);
    size_t worst = crowds.size();
    double worst_crowding = 1;
    for (size_t i = 0; i < crowds.size(); ++i) {
      const double crowding = Crowding(crowds[i], features, CloseUpWidth(crowds.size()));
      if (crowding > worst_crowding && crowds[i].members.size() >= 2) {
        worst = i;
        worst_crowding = crowding;
      }
    }
    if (worst == crowds.size()) break;
    // Split at the widest gap between one feature's end and the next start.
    const Crowd c = crowds[worst];
    size_t split = 0;
    uint32_t widest = 0;
    uint32_t reach = features[c.members.front()].last;
    for (size_t k = 1; k < c.members.size(); ++k) {
      const Feature& f = features[c.members[k]];
      if (f.first > reach && f.first - reach > widest) {
        widest = f.first - reach;
        split = k;
      }
      reach = std::max(reach, f.last);
    }
    if (split == 0) break;  // features overlap all the way: nothing to split
    Crowd left{
        c.first, 0, {c.members.begin(), c.members.begin() + static_cast<std::ptrdiff_t>(split)}};
    Crowd right{features[c.members[split]].first,
                c.last,
                {c.members.begin() + static_cast<std::ptrdiff_t>(split), c.members.end()}};
    for (size_t k : left.members) left.last = std::max(left.last, features[k].last);
    // Splitting only helps if the halves fit better in their narrower boxes.
    if (Crowding(left, features, width) >= worst_crowding &&
        Crowding(right, features, width) >= worst_crowding) {
      break;
    }
    crowds[worst] = std::move(left);
    crowds.insert(crowds.begin() + static_cast<std::ptrdiff_t>(worst) + 1, std::move(right));
  }
  std::sort(crowds.begin(), crowds.end(),
            [](const Crowd& a, const Crowd& b) { return a.first < b.first; });
  return crowds;
}

// The labels under a close-up: its two ends in grey, then each feature's
// ports in its colour, in up to kLabelRows rows, wherever they fit without
// touching another label. A label that fits nowhere is left out (the table
// under the map lists everything).
std::string CloseUpLabels(const Scale& zoom, double y, const std::vector<Feature>& features,
                          const Crowd& crowd) {
  std::vector<std::pair<double, double>> taken[kLabelRows];
  std::string svg;
  auto place = [&](double x, const std::string& text, const char* anchor, const char* colour) {
    const double width = kCharWidth * static_cast<double>(text.size());
    const std::string a = anchor;
    const double left = a == "start" ? x : a == "end" ? x - width : x - width / 2;
    if (left < zoom.x - 1 || left + width > zoom.x + zoom.width + 1) return false;
    for (int row = 0; row < kLabelRows; ++row) {
      bool free = true;
      for (const auto& [l, r] : taken[row]) free = free && !(left < r + 5 && l < left + width + 5);
      if (!free) continue;
      taken[row].emplace_back(left, left + width);
      absl::StrAppend(&svg, "<text x=\"", Num(x), "\" y=\"", Num(y + kLabelRowHeight * row),
                      "\" font-size=\"11.5\" fill=\"", colour, "\" text-anchor=\"", anchor, "\">",
                      Html(text), "</text>\n");
      return true;
    }
    return false;
  };
  place(zoom.x, absl::StrCat(static_cast<uint32_t>(zoom.first)), "start", "#94a3b8");
  place(zoom.x + zoom.width, absl::StrCat(static_cast<uint32_t>(zoom.last)), "end", "#94a3b8");
  // Centred under the feature if there is room, else starting or ending at
  // it; a block's first port alone as a last resort.
  auto place_near = [&](double x, const std::string& text, const char* colour) {
    return place(x, text, "middle", colour) || place(x - 3, text, "start", colour) ||
           place(x + 3, text, "end", colour);
  };
  for (size_t i : crowd.members) {
    const Feature& f = features[i];
    if (f.kind == Feature::Kind::kBound) {
      place_near(zoom.Centre(f.first), f.label, f.colour);
      continue;
    }
    const auto [left, right] =
        zoom.Span(std::max<uint32_t>(f.first, static_cast<uint32_t>(zoom.first)),
                  std::min<uint32_t>(f.last, static_cast<uint32_t>(zoom.last)), kMinBlockWidth);
    if (right - left > kCharWidth * static_cast<double>(f.label.size()) + 8) continue;  // inside
    if (!place_near((left + right) / 2, f.label, f.colour)) {
      place_near((left + right) / 2, absl::StrCat(f.first), f.colour);
    }
  }
  return svg;
}

// The dynamic range above the full bar: a bracket over its ports with its
// name, or, when it is too narrow for a bracket to read as one, a pointer.
std::string DynamicRangeMark(const Scale& full, const PortRange& dynamic) {
  std::string svg;
  if (dynamic.count == 0) return svg;
  const std::string text = absl::StrCat("dynamic range ", PortSpan(dynamic.start, dynamic.last()),
                                        " (", Plural(dynamic.count, "port", "ports"), ")");
  const auto [left, right] = full.Span(dynamic.start, dynamic.last(), kMinBlockWidth);
  const double y = 16;
  const double text_width = kCharWidth * static_cast<double>(text.size());
  if (right - left >= 24) {
    absl::StrAppend(&svg, "<path d=\"M", Num(left), " ", Num(y + 8), " V", Num(y), " H", Num(right),
                    " V", Num(y + 8), "\" fill=\"none\" stroke=\"", kDynamicLineColour,
                    "\" stroke-width=\"1.5\"/>\n");
  } else {
    // A pointer straight down to the band on the bar.
    const double x = (left + right) / 2;
    absl::StrAppend(&svg, "<path d=\"M", Num(x), " ", Num(y), " V", Num(y + 18), " M", Num(x - 4),
                    " ", Num(y + 13), " L", Num(x), " ", Num(y + 19), " L", Num(x + 4), " ",
                    Num(y + 13), "\" fill=\"none\" stroke=\"", kDynamicLineColour,
                    "\" stroke-width=\"1.5\"/>\n");
  }
  const bool near_right = left + text_width > kMapLeft + kMapWidth;
  absl::StrAppend(&svg, "<text x=\"", Num(near_right ? right : left), "\" y=\"", Num(y - 4),
                  "\" font-size=\"12\" fill=\"", kDynamicLineColour, "\" text-anchor=\"",
                  near_right ? "end" : "start", "\">", Html(text), "</text>\n");
  return svg;
}

}  // namespace

std::vector<PortTableRow> PortTable(const DrawnState& state, Protocol protocol) {
  std::vector<PortTableRow> rows;
  const PortPool& pool = state.machine.pool(protocol);
  struct Keyed {
    uint32_t port;
    int order;
    PortTableRow row;
  };
  std::vector<Keyed> keyed;
  for (const auto& [start, block] : pool.blocks()) {
    const uint32_t last = uint32_t{start} + block.count - 1;
    PortTableRow row;
    row.ports =
        absl::StrCat(PortSpan(start, last), " (", Plural(block.count, "port", "ports"), ")");
    if (block.kind == BlockKind::kPersistent) {
      row.what = "persistent block";
      row.owner = TokenText(state, block);
    } else {
      row.what = "runtime block";
      row.owner =
          absl::StrCat(state.ProcessName(block.owner), " on ", state.SocketName(block.socket), " (",
                       FamilyName(block.family), "), ", TokenText(state, block));
    }
    keyed.push_back({start, 0, std::move(row)});
  }
  for (const auto& [port, binding] : pool.bindings()) {
    for (Family family : {Family::kIpv4, Family::kIpv6}) {
      const std::optional<SocketId>& socket = binding.of(family);
      if (!socket) continue;
      const SocketState* socket_state = state.machine.socket(*socket);
      keyed.push_back(
          {port,
           1,
           {absl::StrCat(port), "bound port",
            absl::StrCat(
                state.SocketName(*socket),
                socket_state ? absl::StrCat(" of ", state.ProcessName(socket_state->owner)) : "",
                " (", FamilyName(family), ")")}});
    }
  }
  const PortRange dynamic = pool.dynamic_range();
  keyed.push_back({dynamic.start,
                   2,
                   {absl::StrCat(PortSpan(dynamic.start, dynamic.last()), " (",
                                 Plural(dynamic.count, "port", "ports"), ")"),
                    "dynamic range", "bind(0) and wildcard acquires take ports here"}});
  std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    return a.port != b.port ? a.port < b.port : a.order < b.order;
  });
  for (Keyed& k : keyed) rows.push_back(std::move(k.row));
  return rows;
}

std::string PortMapSvg(const DrawnState& state, Protocol protocol) {
  const PortPool& pool = state.machine.pool(protocol);
  const std::vector<Feature> features = Features(state, protocol);
  const std::vector<Crowd> crowds = Crowds(features);
  const PortRange dynamic = pool.dynamic_range();

  const double bar_top = 44, bar_height = 34;
  const double axis_y = bar_top + bar_height;
  const double zoom_top = axis_y + 64;  // top of the close-up bars
  const double zoom_height = 26;
  const double labels_top = zoom_top + zoom_height + 16;
  const double height =
      crowds.empty() ? axis_y + 30 : labels_top + kLabelRowHeight * (kLabelRows - 1) + 12;

  std::string svg =
      absl::StrCat("<svg viewBox=\"0 0 ", Num(kViewWidth), " ", Num(height),
                   "\" width=\"100%\" role=\"img\" aria-label=\"", ProtocolName(protocol),
                   " port map\" font-family=\"system-ui, 'DejaVu Sans', sans-serif\">\n");
  const Scale full;
  absl::StrAppend(&svg, DynamicRangeMark(full, dynamic));
  absl::StrAppend(&svg, DrawBar(full, bar_top, bar_height, features, dynamic, false, 5));
  // The axis: every 8192 ports, and the top port.
  for (uint32_t port = 0; port <= kMaxPort + 1; port += 8192) {
    const uint32_t shown = std::min<uint32_t>(port, kMaxPort);
    const double x = port > kMaxPort ? kMapLeft + kMapWidth : full.At(port);
    absl::StrAppend(&svg, "<line x1=\"", Num(x), "\" y1=\"", Num(axis_y), "\" x2=\"", Num(x),
                    "\" y2=\"", Num(axis_y + 6), "\" stroke=\"#475569\"/>\n");
    absl::StrAppend(&svg, "<text x=\"", Num(x), "\" y=\"", Num(axis_y + 19),
                    "\" font-size=\"12\" fill=\"#475569\" text-anchor=\"",
                    port == 0         ? "start"
                    : port > kMaxPort ? "end"
                                      : "middle",
                    "\">", shown, "</text>\n");
  }
  absl::StrAppend(&svg, "<text x=\"", Num(kMapLeft - 8), "\" y=\"", Num(axis_y + 19),
                  "\" font-size=\"12\" fill=\"#64748b\" text-anchor=\"end\">port</text>\n");
  absl::StrAppend(&svg, "<text x=\"", Num(kMapLeft - 8), "\" y=\"", Num(bar_top + 22),
                  "\" font-size=\"15\" font-weight=\"700\" text-anchor=\"end\" fill=\"#0f172a\">",
                  absl::AsciiStrToUpper(ProtocolName(protocol)), "</text>\n");

  // Close-ups of crowded stretches, side by side, each tied to its place on
  // the full bar by a shaded wedge.
  const double each = CloseUpWidth(crowds.size());
  for (size_t i = 0; i < crowds.size(); ++i) {
    const auto [first, last] = Padded(crowds[i]);
    Scale zoom;
    zoom.first = first;
    zoom.last = last;
    zoom.x = kMapLeft + static_cast<double>(i) * (each + kCloseUpGap);
    zoom.width = each;
    const auto [from_left, from_right] = full.Span(first, last, 2);
    absl::StrAppend(&svg, "<path d=\"M", Num(from_left), " ", Num(bar_top + bar_height), " L",
                    Num(from_right), " ", Num(bar_top + bar_height), " L", Num(zoom.x + zoom.width),
                    " ", Num(zoom_top - 16), " L", Num(zoom.x), " ", Num(zoom_top - 16),
                    " Z\" fill=\"#cbd5e1\" fill-opacity=\"0.35\" stroke=\"#94a3b8\" "
                    "stroke-width=\"0.75\" stroke-dasharray=\"3 2\"/>\n");
    absl::StrAppend(&svg, DrawBar(zoom, zoom_top, zoom_height, features, dynamic, true, 3));
    absl::StrAppend(&svg, CloseUpLabels(zoom, labels_top, features, crowds[i]));
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

std::string PortMapSvg(const Machine& machine, Protocol protocol) {
  DrawnState state;
  state.machine = machine;
  return PortMapSvg(state, protocol);
}

}  // namespace portpool::conformance
