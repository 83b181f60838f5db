// The netsh parsers on captured text, in the shapes public reports show
// (Hyper-V hosts, GitHub runners, Kubernetes nodes), plus the model's own
// rendering of netsh (netsh_listing.h) read back.
#include "portpool/conformance/netsh_parse.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/netsh_listing.h"

namespace portpool::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A developer machine with Hyper-V/WSL2: WinNAT's 100-port blocks, the
// administered 50000-50059, a one-port WSD entry. (Windows ends lines with
// CRLF.)
constexpr char kHyperVTcp[] =
    "\r\n"
    "Protocol tcp Port Exclusion Ranges\r\n"
    "\r\n"
    "Start Port    End Port\r\n"
    "----------    --------\r\n"
    "      1061        1160\r\n"
    "      5357        5357\r\n"
    "     49708       49807\r\n"
    "     50000       50059     *\r\n"
    "     50060       50159\r\n"
    "     52315       52315     *\r\n"
    "\r\n"
    "* - Administered port exclusions.\r\n"
    "\r\n";

// A GitHub windows-2025 runner (fluentd's report): UDP-only exclusions.
constexpr char kRunnerUdp[] =
    "\n"
    "Protocol udp Port Exclusion Ranges\n"
    "\n"
    "Start Port    End Port\n"
    "----------    --------\n"
    "     54315       54414\n"
    "     54415       54514\n"
    "\n"
    "* - Administered port exclusions.\n"
    "\n";

// No exclusions at all.
constexpr char kEmpty[] =
    "\n"
    "Protocol tcp Port Exclusion Ranges\n"
    "\n"
    "Start Port    End Port\n"
    "----------    --------\n"
    "\n"
    "* - Administered port exclusions.\n";

// A German Windows: the words change, the numbers and dashes do not.
constexpr char kGerman[] =
    "\n"
    "Protokoll tcp Portausschlussbereiche\n"
    "\n"
    "Startport    Endport\n"
    "----------    --------\n"
    "      5985        5985\n"
    "     33300       33363\n"
    "     50000       50059     *\n"
    "\n"
    "* - Verwaltete Portausschl\xfcsse.\n";

constexpr char kDynamicTcp[] =
    "\r\n"
    "Protocol tcp Dynamic Port Range\r\n"
    "---------------------------------\r\n"
    "Start Port      : 49152\r\n"
    "Number of Ports : 16384\r\n"
    "\r\n";

constexpr char kDynamicWidened[] =
    "\n"
    "Protocol udp Dynamic Port Range\n"
    "---------------------------------\n"
    "Start Port      : 1024\n"
    "Number of Ports : 64511\n";

TEST(ParseExcludedPortRanges, HyperVHost) {
  auto ranges = ParseExcludedPortRanges(kHyperVTcp);
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_THAT(*ranges,
              ElementsAre(ExcludedRange{{1061, 100}, false}, ExcludedRange{{5357, 1}, false},
                          ExcludedRange{{49708, 100}, false}, ExcludedRange{{50000, 60}, true},
                          ExcludedRange{{50060, 100}, false}, ExcludedRange{{52315, 1}, true}));
}

TEST(ParseExcludedPortRanges, RunnerUdpAndEmptyAndLocalised) {
  auto udp = ParseExcludedPortRanges(kRunnerUdp);
  ASSERT_TRUE(udp.ok()) << udp.status();
  EXPECT_THAT(*udp,
              ElementsAre(ExcludedRange{{54315, 100}, false}, ExcludedRange{{54415, 100}, false}));
  auto empty = ParseExcludedPortRanges(kEmpty);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(*empty, IsEmpty());
  auto german = ParseExcludedPortRanges(kGerman);
  ASSERT_TRUE(german.ok()) << german.status();
  EXPECT_THAT(*german,
              ElementsAre(ExcludedRange{{5985, 1}, false}, ExcludedRange{{33300, 64}, false},
                          ExcludedRange{{50000, 60}, true}));
}

TEST(ParseExcludedPortRanges, RejectsWhatIsNotAListing) {
  // What netsh prints instead of a listing when it cannot give one.
  for (const char* text : {"The following command was not found: int ipv4 show "
                           "excludedportrange protocol=tcp.\r\n",
                           "The requested operation requires elevation (Run as "
                           "administrator).\r\n",
                           ""}) {
    auto ranges = ParseExcludedPortRanges(text);
    EXPECT_FALSE(ranges.ok()) << text;
    EXPECT_THAT(ranges.status().message(), HasSubstr("no dashed header line"));
  }
}

TEST(ParseExcludedPortRanges, RejectsBadEntries) {
  const std::string header = "Start Port    End Port\n----------    --------\n";
  for (const char* entry : {"  5000   4999\n", "  0   10\n", "  65535   65536\n", "  12  x\n"}) {
    auto ranges = ParseExcludedPortRanges(header + entry);
    EXPECT_FALSE(ranges.ok()) << entry;
    EXPECT_THAT(ranges.status().message(), HasSubstr("line 3")) << entry;
  }
  auto before_header = ParseExcludedPortRanges("  100  200\n----------\n");
  EXPECT_FALSE(before_header.ok());
}

TEST(ParseExcludedPortRanges, ReadsTheModelsOwnListing) {
  Machine machine(1);
  const ProcessId admin = machine.StartProcess(true);
  ASSERT_TRUE(machine.Run(call::CreatePersistent{admin, Protocol::kTcp, {5000, 10}}).ok());
  ASSERT_TRUE(machine.Run(call::CreatePersistent{admin, Protocol::kTcp, {65535, 1}}).ok());
  const Outcome socket = *machine.Run(call::OpenSocket{admin, Protocol::kTcp, Family::kIpv4});
  ASSERT_TRUE(machine.Run(call::Acquire{admin, *socket.socket, {6000, 3}}).ok());
  auto ranges = ParseExcludedPortRanges(FormatExcludedPortRanges(machine, Protocol::kTcp));
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_THAT(*ranges, ElementsAre(ExcludedRange{{5000, 10}, true}, ExcludedRange{{6000, 3}, false},
                                   ExcludedRange{{65535, 1}, true}));
  auto dynamic = ParseDynamicPortRange(FormatDynamicPortRange(machine, Protocol::kUdp));
  ASSERT_TRUE(dynamic.ok()) << dynamic.status();
  EXPECT_EQ(*dynamic, kDefaultDynamicRange);
}

TEST(ParseDynamicPortRange, DefaultWidenedAndBad) {
  auto tcp = ParseDynamicPortRange(kDynamicTcp);
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  EXPECT_EQ(*tcp, (PortRange{49152, 16384}));
  auto widened = ParseDynamicPortRange(kDynamicWidened);
  ASSERT_TRUE(widened.ok()) << widened.status();
  EXPECT_EQ(*widened, (PortRange{1024, 64511}));
  EXPECT_FALSE(ParseDynamicPortRange("Element not found.\r\n").ok());
  EXPECT_FALSE(ParseDynamicPortRange("Start Port : 60000\nNumber of Ports : 6000\n").ok());
  EXPECT_FALSE(ParseDynamicPortRange("Start Port : 0\nNumber of Ports : 10\n").ok());
}

// A fake command runner answering the netsh commands it is given.
CommandRunner Fake(std::map<std::string, std::string> answers) {
  return [answers](const std::string& command) -> absl::StatusOr<std::string> {
    auto it = answers.find(command);
    if (it == answers.end()) return absl::NotFoundError("no such command: " + command);
    return it->second;
  };
}

// The persistent store of the Hyper-V host: 52315 is administered in the
// active store only (store=active, PS-4).
constexpr char kHyperVTcpPersistent[] =
    "\r\n"
    "Protocol tcp Port Exclusion Ranges\r\n"
    "\r\n"
    "Start Port    End Port\r\n"
    "----------    --------\r\n"
    "     50000       50059     *\r\n"
    "\r\n"
    "* - Administered port exclusions.\r\n";

// DYN-RANGE-FAMILY (NS-8): the IPv6 ranges are read on their own; a runner
// image's widened range (1024 with 64511 ports) is read as it is.
TEST(ReadNetshSnapshot, RunsEveryCommandAndReadsBothIpVersions) {
  const std::vector<std::string> commands = NetshSnapshotCommands();
  ASSERT_EQ(commands.size(), 6u);
  EXPECT_THAT(commands[4], HasSubstr("ipv6 show dynamicport tcp"));
  const std::vector<std::string> stores = NetshPersistentStoreCommands();
  ASSERT_EQ(stores.size(), 2u);
  auto snapshot = ReadNetshSnapshot(Fake({{commands[0], kHyperVTcp},
                                          {commands[1], kRunnerUdp},
                                          {commands[2], kDynamicTcp},
                                          {commands[3], kDynamicWidened},
                                          {commands[4], kDynamicTcp},
                                          {commands[5], kDynamicTcp},
                                          {stores[0], kHyperVTcpPersistent}}));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->of(Protocol::kTcp).excluded.size(), 6u);
  EXPECT_EQ(snapshot->of(Protocol::kUdp).excluded.size(), 2u);
  EXPECT_EQ(snapshot->of(Protocol::kTcp).dynamic, (PortRange{49152, 16384}));
  EXPECT_EQ(snapshot->of(Protocol::kUdp).dynamic, (PortRange{1024, 64511}));
  EXPECT_EQ(snapshot->of(Protocol::kUdp).dynamic_ipv6, (PortRange{49152, 16384}));
  // 52315 is administered but not in the persistent store: store=active.
  std::vector<bool> active;
  for (const ExcludedRange& e : snapshot->of(Protocol::kTcp).excluded) {
    active.push_back(e.active_only);
  }
  EXPECT_THAT(active, ElementsAre(false, false, false, false, false, true));
  EXPECT_EQ(DescribeSnapshot(*snapshot),
            "tcp: 6 excluded (2 administered), dynamic 49152-65535, 0 bound; "
            "udp: 2 excluded (0 administered), dynamic 1024-65534 (ipv6 49152-65535), 0 bound");
}

// Without the persistent store's listings every administered entry is
// taken as persistent.
TEST(ReadNetshSnapshot, WithoutThePersistentStoreEveryAdministeredEntryIsPersistent) {
  const std::vector<std::string> commands = NetshSnapshotCommands();
  auto snapshot = ReadNetshSnapshot(Fake({{commands[0], kHyperVTcp},
                                          {commands[1], kRunnerUdp},
                                          {commands[2], kDynamicTcp},
                                          {commands[3], kDynamicTcp},
                                          {commands[4], kDynamicTcp},
                                          {commands[5], kDynamicTcp}}));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  for (const ExcludedRange& e : snapshot->of(Protocol::kTcp).excluded) {
    EXPECT_FALSE(e.active_only) << FormatRange(e.range);
  }
}

TEST(ReadNetshSnapshot, NamesTheCommandThatFailed) {
  const std::vector<std::string> commands = NetshSnapshotCommands();
  auto failed = ReadNetshSnapshot(Fake({{commands[0], kHyperVTcp}}));
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr(commands[1]));
  auto garbage = ReadNetshSnapshot(Fake({{commands[0], "Access is denied.\n"}}));
  ASSERT_FALSE(garbage.ok());
  EXPECT_THAT(garbage.status().message(), HasSubstr(commands[0]));
}

TEST(SeedModel, PersistentUnknownTokensRuntimeForeignAndDynamicRange) {
  MachineSnapshot snapshot;
  snapshot.of(Protocol::kTcp).excluded = {{{5357, 1}, false}, {{50000, 60}, true}};
  snapshot.of(Protocol::kUdp).dynamic = PortRange{1025, 300};
  Machine model(0);
  std::vector<std::string> warnings;
  ASSERT_TRUE(SeedModel(snapshot, model, &warnings).ok());
  EXPECT_THAT(warnings, IsEmpty());
  EXPECT_EQ(model.unknown_tokens(), 1);
  EXPECT_EQ(model.pool(Protocol::kUdp).dynamic_range(), (PortRange{1025, 300}));
  const Block* persistent = model.pool(Protocol::kTcp).FindExact({50000, 60});
  ASSERT_NE(persistent, nullptr);
  EXPECT_EQ(persistent->kind, BlockKind::kPersistent);
  EXPECT_FALSE(persistent->token_known);

  // What the seeded model then allows: the administered block's token is
  // unknown (any fresh token), Create over either block is refused, and a
  // bind into the foreign runtime block is WSAEACCES.
  Outcome admin;
  admin.process = ProcessId{1};
  ASSERT_TRUE(model.Observe(call::StartProcess{true}, admin).ok());
  auto lookup = model.Expect(call::LookupPersistent{*admin.process, Protocol::kTcp, {50000, 60}});
  ASSERT_TRUE(lookup.ok());
  Outcome found;
  found.token = 0x1234;
  EXPECT_TRUE(model.Check(*lookup, found).conforms);
  auto create = model.Expect(call::CreatePersistent{*admin.process, Protocol::kTcp, {5350, 10}});
  ASSERT_TRUE(create.ok());
  EXPECT_TRUE(create->AllowsError(Error::kSharingViolation));
  EXPECT_FALSE(create->AllowsError(Error::kNoError));
}

TEST(SeedModel, OverlappingEntriesAreLeftOutWithAWarning) {
  MachineSnapshot snapshot;
  snapshot.of(Protocol::kTcp).excluded = {{{5000, 10}, true}, {{5005, 10}, false}};
  Machine model(0);
  std::vector<std::string> warnings;
  ASSERT_TRUE(SeedModel(snapshot, model, &warnings).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("5005-5014"));
  EXPECT_EQ(model.pool(Protocol::kTcp).blocks().size(), 1u);
}

// DYN-RANGE-SEEDED: a machine may be in a range netsh's set command would
// refuse (runner images: 1024 with 64511 ports); seeding takes it, for each
// IP version. Only a range that does not fit is an error.
TEST(SeedModel, TakesAnyDynamicRangeAMachineMayBeIn) {
  MachineSnapshot snapshot;
  snapshot.of(Protocol::kTcp).dynamic = PortRange{1024, 64511};
  snapshot.of(Protocol::kTcp).dynamic_ipv6 = PortRange{60000, 10};
  Machine model(0);
  ASSERT_TRUE(SeedModel(snapshot, model).ok());
  EXPECT_EQ(model.pool(Protocol::kTcp).dynamic_range(Family::kIpv4), (PortRange{1024, 64511}));
  EXPECT_EQ(model.pool(Protocol::kTcp).dynamic_range(Family::kIpv6), (PortRange{60000, 10}));
  MachineSnapshot broken;
  broken.of(Protocol::kUdp).dynamic_ipv6 = PortRange{65530, 10};
  Machine other(0);
  EXPECT_FALSE(SeedModel(broken, other).ok());
}

// ENV-ACTIVE-EXCLUSION: a store=active entry is seeded as one.
TEST(SeedModel, AStoreActiveEntryIsSeededAsOne) {
  MachineSnapshot snapshot;
  snapshot.of(Protocol::kTcp).excluded = {{{20000, 4}, true, true}};
  Machine model(0);
  ASSERT_TRUE(SeedModel(snapshot, model).ok());
  const Block* block = model.pool(Protocol::kTcp).FindExact({20000, 4});
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(block->active_only);
}

TEST(MachineSeedExisting, RefusesBadRangesAndOverlaps) {
  Machine model(0);
  EXPECT_TRUE(model.SeedExisting(Protocol::kUdp, {100, 10}, BlockKind::kRuntime).ok());
  EXPECT_FALSE(model.SeedExisting(Protocol::kUdp, {105, 1}, BlockKind::kPersistent).ok());
  EXPECT_TRUE(model.SeedExisting(Protocol::kTcp, {105, 1}, BlockKind::kPersistent).ok());
  EXPECT_FALSE(model.SeedExisting(Protocol::kTcp, {65535, 2}, BlockKind::kRuntime).ok());
  EXPECT_FALSE(model.SeedExisting(Protocol::kTcp, {7, 0}, BlockKind::kRuntime).ok());
}

}  // namespace
}  // namespace portpool::conformance
