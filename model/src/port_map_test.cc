// PortMap (portpool/port_map.h): unit tests of its edges (leaf and word
// boundaries, empty leaves appearing and disappearing, iterating backwards
// from end), and a property that it answers exactly as std::map<uint16_t,
// Block> under random operations, since the pools trust it to be one.
#include "portpool/port_map.h"

#include <initializer_list>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "portpool/port_pool.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace portpool {
namespace {

using Map = PortMap<Block>;
using Reference = std::map<uint16_t, Block>;

Block WithToken(Token token) {
  Block b;
  b.token = token;
  return b;
}

std::vector<std::pair<uint16_t, Token>> Contents(const Map& map) {
  std::vector<std::pair<uint16_t, Token>> result;
  for (const auto& [key, block] : map) result.emplace_back(key, block.token);
  return result;
}

std::vector<std::pair<uint16_t, Token>> Contents(const Reference& map) {
  std::vector<std::pair<uint16_t, Token>> result;
  for (const auto& [key, block] : map) result.emplace_back(key, block.token);
  return result;
}

TEST(PortMap, StartsEmpty) {
  Map map;
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.begin(), map.end());
  EXPECT_EQ(map.find(0), map.end());
  EXPECT_EQ(map.upper_bound(0), map.end());
  EXPECT_EQ(map.lower_bound(65535), map.end());
  EXPECT_THROW(map.at(7), std::out_of_range);
}

TEST(PortMap, KeepsKeyOrderAcrossLeavesAndWords) {
  Map map;
  const std::vector<uint16_t> keys = {65535, 0, 256, 255, 63, 64, 127, 128, 511, 512, 40000, 1};
  for (uint16_t k : keys) EXPECT_TRUE(map.try_emplace(k, WithToken(k + 1)).second);
  EXPECT_EQ(map.size(), keys.size());
  std::vector<uint16_t> seen;
  for (const auto& [key, block] : map) {
    EXPECT_EQ(block.token, Token{key} + 1u);
    seen.push_back(key);
  }
  EXPECT_EQ(seen,
            (std::vector<uint16_t>{0, 1, 63, 64, 127, 128, 255, 256, 511, 512, 40000, 65535}));
  // Backwards from end.
  std::vector<uint16_t> backwards;
  for (auto it = map.end(); it != map.begin();) backwards.push_back((--it)->first);
  EXPECT_EQ(backwards, (std::vector<uint16_t>(seen.rbegin(), seen.rend())));
}

TEST(PortMap, BoundsAtLeafEdges) {
  Map map;
  map.try_emplace(255, WithToken(1));
  map.try_emplace(512, WithToken(2));
  EXPECT_EQ(map.upper_bound(255)->first, 512);
  EXPECT_EQ(map.lower_bound(255)->first, 255);
  EXPECT_EQ(map.lower_bound(256)->first, 512);
  EXPECT_EQ(map.upper_bound(0)->first, 255);
  EXPECT_EQ(map.upper_bound(512), map.end());
  // The block before a port: --upper_bound, across an empty leaf.
  auto it = map.upper_bound(400);
  --it;
  EXPECT_EQ(it->first, 255);
  EXPECT_EQ(map.find(256), map.end());
}

TEST(PortMap, InsertOrAssignReplaces) {
  Map map;
  EXPECT_TRUE(map.insert_or_assign(9, WithToken(1)).second);
  auto [it, inserted] = map.insert_or_assign(9, WithToken(2));
  EXPECT_FALSE(inserted);
  EXPECT_EQ(it->second.token, 2u);
  EXPECT_EQ(map.size(), 1u);
  EXPECT_FALSE(map.try_emplace(9, WithToken(3)).second);
  EXPECT_EQ(map.at(9).token, 2u);
}

TEST(PortMap, EraseReturnsTheNextEntryAndDropsEmptyLeaves) {
  Map map;
  for (uint16_t k : std::initializer_list<uint16_t>{10, 20, 300, 70000 % 65536}) {
    map.try_emplace(k, WithToken(k));
  }
  auto it = map.erase(map.find(20));
  EXPECT_EQ(it->first, 300);  // the next leaf
  it = map.erase(it);         // 300's leaf becomes empty
  ASSERT_NE(it, map.end());
  EXPECT_EQ(it->first, 70000 % 65536);
  it = map.erase(it);  // end() changes with the erase: compare after it
  EXPECT_EQ(it, map.end());
  EXPECT_EQ(map.erase(uint16_t{11}), 0u);
  EXPECT_EQ(map.erase(uint16_t{10}), 1u);
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.begin(), map.end());
}

TEST(PortMap, FullLeafAndFullMap) {
  Map map;
  for (uint32_t k = 0; k <= 65535; ++k) map.try_emplace(static_cast<uint16_t>(k), WithToken(k));
  EXPECT_EQ(map.size(), 65536u);
  EXPECT_EQ(map.find(65535)->second.token, 65535u);
  EXPECT_EQ(map.upper_bound(65534)->first, 65535);
  EXPECT_EQ(std::prev(map.end())->first, 65535);
  EXPECT_EQ(erase_if(map, [](const auto& e) { return e.first % 2 == 0; }), 32768u);
  EXPECT_EQ(map.begin()->first, 1);
  EXPECT_EQ(map.lower_bound(256)->first, 257);
  map.clear();
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.find(1), map.end());
}

TEST(PortMap, CopiesAreIndependent) {
  Map a;
  a.try_emplace(5, WithToken(5));
  Map b = a;
  b.at(5).token = 6;
  b.try_emplace(6, WithToken(6));
  EXPECT_EQ(a.at(5).token, 5u);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 2u);
}

// Keys concentrated on a few leaves and their edges, so that leaves fill,
// empty and reappear; sometimes anywhere.
rc::Gen<uint16_t> Keys() {
  return rc::gen::weightedOneOf<uint16_t>({
      {3, rc::gen::inRange<uint16_t>(0, 600)},
      {1, rc::gen::elementOf(std::vector<uint16_t>{0, 63, 64, 255, 256, 511, 512, 65535})},
      {1, rc::gen::arbitrary<uint16_t>()},
  });
}

RC_GTEST_PROP(PortMap, BehavesLikeAStdMap, ()) {
  Map map;
  Reference reference;
  const int steps = *rc::gen::inRange(1, 400);
  for (int step = 0; step < steps; ++step) {
    const int op = *rc::gen::inRange(0, 9);
    const uint16_t key = *Keys();
    const Token token = static_cast<Token>(step) + 1;
    switch (op) {
      case 0: {  // try_emplace
        auto [it, inserted] = map.try_emplace(key, WithToken(token));
        auto [rit, rinserted] = reference.try_emplace(key, WithToken(token));
        RC_ASSERT(inserted == rinserted);
        RC_ASSERT(it->first == rit->first);
        RC_ASSERT(it->second.token == rit->second.token);
        break;
      }
      case 1: {  // insert_or_assign
        auto [it, inserted] = map.insert_or_assign(key, WithToken(token));
        auto [rit, rinserted] = reference.insert_or_assign(key, WithToken(token));
        RC_ASSERT(inserted == rinserted);
        RC_ASSERT(it->second.token == rit->second.token);
        break;
      }
      case 2:  // erase(key)
        RC_ASSERT(map.erase(key) == reference.erase(key));
        break;
      case 3: {  // erase(find(key)), and what it returns
        auto it = map.find(key);
        auto rit = reference.find(key);
        RC_ASSERT((it == map.end()) == (rit == reference.end()));
        if (it == map.end()) break;
        it = map.erase(it);
        rit = reference.erase(rit);
        RC_ASSERT((it == map.end()) == (rit == reference.end()));
        if (it != map.end()) RC_ASSERT(it->first == rit->first);
        break;
      }
      case 4: {  // lookups and bounds, and the entry before
        const Map& m = map;
        auto it = m.find(key);
        auto rit = reference.find(key);
        RC_ASSERT((it == m.end()) == (rit == reference.end()));
        if (it != m.end()) RC_ASSERT(it->second.token == rit->second.token);
        for (bool upper : {false, true}) {
          auto b = upper ? m.upper_bound(key) : m.lower_bound(key);
          auto rb = upper ? reference.upper_bound(key) : reference.lower_bound(key);
          RC_ASSERT((b == m.end()) == (rb == reference.end()));
          if (b != m.end()) RC_ASSERT(b->first == rb->first);
          RC_ASSERT((b == m.begin()) == (rb == reference.begin()));
          if (b != m.begin()) RC_ASSERT(std::prev(b)->first == std::prev(rb)->first);
        }
        break;
      }
      case 5: {  // erasing during iteration: every key with this parity
        const int parity = key % 2;
        for (auto it = map.begin(); it != map.end();) {
          it = it->first % 2 == parity ? map.erase(it) : std::next(it);
        }
        std::erase_if(reference, [&](const auto& e) { return e.first % 2 == parity; });
        break;
      }
      case 6: {  // erase_if, by token
        const Token below = token / 2;
        const size_t erased = erase_if(map, [&](const auto& e) { return e.second.token < below; });
        const size_t rerased =
            std::erase_if(reference, [&](const auto& e) { return e.second.token < below; });
        RC_ASSERT(erased == rerased);
        break;
      }
      case 7: {  // change values in place through iteration
        for (auto& [k, block] : map) block.token += k;
        for (auto& [k, block] : reference) block.token += k;
        break;
      }
      case 8: {  // a copy, then clear now and then
        Map copy = map;
        RC_ASSERT(Contents(copy) == Contents(reference));
        if (key % 16 == 0) {
          map.clear();
          reference.clear();
        }
        break;
      }
    }
    RC_ASSERT(map.size() == reference.size());
    RC_ASSERT(map.empty() == reference.empty());
  }
  RC_ASSERT(Contents(map) == Contents(reference));
  // Backwards too.
  std::vector<uint16_t> backwards, rbackwards;
  for (auto it = map.end(); it != map.begin();) backwards.push_back((--it)->first);
  for (auto it = reference.rbegin(); it != reference.rend(); ++it) rbackwards.push_back(it->first);
  RC_ASSERT(backwards == rbackwards);
}

}  // namespace
}  // namespace portpool
