// An ordered map keyed by a port number (uint16_t): what a pool keeps its
// blocks in (PortPool::Blocks).
//
// Why not absl::btree_map: at tens of thousands of blocks a btree lookup is a
// chain of ~5 dependent cache misses, and the checker and the simulator look
// blocks up in no particular order. Keys of 16 bits allow a two-level radix
// index instead: the high byte selects a leaf through a 256-entry table, the
// low byte selects the entry through the leaf's 256-bit presence bitmap,
// whose rank (one popcount) is the entry's place. So find, lower_bound and
// upper_bound cost two dependent reads and a few word operations at any
// size; a 256-bit summary of the non-empty leaves makes ++ and -- across
// leaves (the block before a port) a few word operations too, however sparse
// the map. Leaves hold their entries packed in key order, which keeps memory
// near the 32 bytes of an entry whatever the insertion order (a btree's
// half-full nodes cost more), and allocates nothing up front: a fresh
// machine of the fuzz campaigns pays for what it holds. Leaves never move,
// and an emptied leaf keeps a small buffer for the next: creating and
// deleting a lone block in a small pool then neither allocates nor shifts
// other leaves.
//
// The interface is the subset of std::map's that the model uses. As with
// absl::btree_map, inserting or erasing invalidates every iterator and
// pointer into the map, except the iterator erase returns. An entry's key
// (`first`) must not be changed through an iterator.
#ifndef PORTPOOL_PORT_MAP_H_
#define PORTPOOL_PORT_MAP_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace portpool {

template <typename V>
class PortMap {
 public:
  using key_type = uint16_t;
  using mapped_type = V;
  using value_type = std::pair<uint16_t, V>;
  using size_type = size_t;

  template <bool kConst>
  class Iterator;
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    summary_ = {};
    leaves_.clear();
    free_.clear();
    size_ = 0;
  }

  iterator begin() { return iterator(this, summary_.Next(0), 0); }
  iterator end() { return iterator(this, kEnd, 0); }
  const_iterator begin() const { return const_iterator(this, summary_.Next(0), 0); }
  const_iterator end() const { return const_iterator(this, kEnd, 0); }

  iterator find(uint16_t key) { return ToMutable(std::as_const(*this).find(key)); }
  const_iterator find(uint16_t key) const {
    const uint32_t hi = key >> 8, lo = key & 255;
    if (!summary_.Has(hi)) return end();
    const Leaf& l = LeafOf(hi);
    if (!l.present.Has(lo)) return end();
    return const_iterator(this, hi, l.present.RankBelow(lo));
  }
  bool contains(uint16_t key) const { return find(key) != end(); }
  V& at(uint16_t key) { return const_cast<V&>(std::as_const(*this).at(key)); }
  const V& at(uint16_t key) const {
    const_iterator it = find(key);
    if (it == end()) throw std::out_of_range("PortMap::at: no such key");
    return it->second;
  }

  // The first entry whose key is >= key, and > key.
  iterator lower_bound(uint16_t key) { return ToMutable(Bound(key, false)); }
  const_iterator lower_bound(uint16_t key) const { return Bound(key, false); }
  iterator upper_bound(uint16_t key) { return ToMutable(Bound(key, true)); }
  const_iterator upper_bound(uint16_t key) const { return Bound(key, true); }

  template <typename... Args>
  std::pair<iterator, bool> try_emplace(uint16_t key, Args&&... args) {
    const uint32_t hi = key >> 8, lo = key & 255;
    if (!summary_.Has(hi)) {
      if (free_.empty()) {
        slot_[hi] = static_cast<uint8_t>(leaves_.size());
        leaves_.emplace_back();
      } else {
        slot_[hi] = free_.back();
        free_.pop_back();
      }
      summary_.Set(hi);
    }
    Leaf& l = leaves_[slot_[hi]];
    const uint32_t pos = l.present.RankBelow(lo);
    if (l.present.Has(lo)) return {iterator(this, hi, pos), false};
    if (l.entries.size() == l.entries.capacity()) {
      // Grow by an eighth (not the vector's doubling): entries are most of
      // the memory, and a leaf holds 256 at most, so copying stays cheap.
      l.entries.reserve(
          std::min<size_t>(256, l.entries.size() + std::max<size_t>(2, l.entries.size() / 8)));
    }
    l.entries.emplace(l.entries.begin() + pos, std::piecewise_construct, std::forward_as_tuple(key),
                      std::forward_as_tuple(std::forward<Args>(args)...));
    l.present.Set(lo);
    ++size_;
    return {iterator(this, hi, pos), true};
  }
  template <typename M>
  std::pair<iterator, bool> insert_or_assign(uint16_t key, M&& value) {
    auto result = try_emplace(key, std::forward<M>(value));
    if (!result.second) result.first->second = std::forward<M>(value);
    return result;
  }

  // Erases the entry at `it`; returns the iterator to the entry after it.
  iterator erase(const_iterator it) {
    Leaf& l = leaves_[slot_[it.hi_]];
    l.present.Clear(l.entries[it.pos_].first & 255);
    l.entries.erase(l.entries.begin() + it.pos_);
    --size_;
    if (l.entries.empty()) Free(it.hi_);
    if (it.pos_ == l.entries.size()) return iterator(this, summary_.Next(it.hi_ + 1), 0);
    return iterator(this, it.hi_, it.pos_);
  }
  iterator erase(iterator it) { return erase(const_iterator(it)); }
  size_t erase(uint16_t key) {
    const_iterator it = find(key);
    if (it == end()) return 0;
    erase(it);
    return 1;
  }

  // Erases every entry for which pred(entry) holds, in key order; returns
  // how many. Linear in the size (erasing one by one would move each leaf's
  // tail each time).
  template <typename Pred>
  friend size_t erase_if(PortMap& map, Pred pred) {
    const size_t before = map.size_;
    for (uint32_t hi = map.summary_.Next(0); hi != kEnd; hi = map.summary_.Next(hi + 1)) {
      Leaf& l = map.leaves_[map.slot_[hi]];
      map.size_ -= std::erase_if(l.entries, [&](value_type& e) {
        if (!pred(static_cast<const value_type&>(e))) return false;
        l.present.Clear(e.first & 255);
        return true;
      });
      if (l.entries.empty()) map.Free(hi);
    }
    return before - map.size_;
  }

  template <bool kConst>
  class Iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = PortMap::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = std::conditional_t<kConst, const value_type&, value_type&>;
    using pointer = std::conditional_t<kConst, const value_type*, value_type*>;

    Iterator() = default;
    // iterator converts to const_iterator.
    template <bool kOther, typename = std::enable_if_t<kConst && !kOther>>
    Iterator(const Iterator<kOther>& other)  // NOLINT(google-explicit-constructor)
        : map_(other.map_), hi_(other.hi_), pos_(other.pos_) {}

    reference operator*() const { return map_->leaves_[map_->slot_[hi_]].entries[pos_]; }
    pointer operator->() const { return &**this; }
    Iterator& operator++() {
      if (++pos_ == map_->LeafOf(hi_).entries.size()) {
        hi_ = map_->summary_.Next(hi_ + 1);
        pos_ = 0;
      }
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    Iterator& operator--() {
      if (pos_ == 0) {
        hi_ = map_->summary_.Prev(hi_);
        pos_ = static_cast<uint32_t>(map_->LeafOf(hi_).entries.size());
      }
      --pos_;
      return *this;
    }
    Iterator operator--(int) {
      Iterator old = *this;
      --*this;
      return old;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) {
      return a.hi_ == b.hi_ && a.pos_ == b.pos_;
    }

   private:
    friend class PortMap;
    using Map = std::conditional_t<kConst, const PortMap, PortMap>;
    Iterator(Map* map, uint32_t hi, uint32_t pos) : map_(map), hi_(hi), pos_(pos) {}

    Map* map_ = nullptr;
    // The entry's high byte (kEnd at the end) and its place in the leaf.
    uint32_t hi_ = kEnd;
    uint32_t pos_ = 0;
  };

 private:
  static constexpr uint32_t kEnd = 256;
  // An emptied leaf keeps its buffer up to this many entries, for the next
  // leaf; a larger one is freed.
  static constexpr size_t kKeptCapacity = 8;

  // A set of bytes (0..255), which knows how many of its members are below
  // each word, so that a rank is one popcount.
  class Bits {
   public:
    bool Has(uint32_t b) const { return (words_[b >> 6] >> (b & 63)) & 1; }
    void Set(uint32_t b) {
      if (Has(b)) return;
      words_[b >> 6] |= uint64_t{1} << (b & 63);
      for (uint32_t w = (b >> 6) + 1; w < 4; ++w) ++below_[w];
    }
    void Clear(uint32_t b) {
      if (!Has(b)) return;
      words_[b >> 6] &= ~(uint64_t{1} << (b & 63));
      for (uint32_t w = (b >> 6) + 1; w < 4; ++w) --below_[w];
    }
    // How many members are below b.
    uint32_t RankBelow(uint32_t b) const {
      const uint32_t word = b >> 6;
      return below_[word] + Popcount(words_[word] & ((uint64_t{1} << (b & 63)) - 1));
    }
    // The first member >= b (0..256), or kEnd.
    uint32_t Next(uint32_t b) const {
      if (b >= kEnd) return kEnd;
      uint32_t w = b >> 6;
      uint64_t bits = words_[w] & (~uint64_t{0} << (b & 63));
      while (bits == 0) {
        if (++w == 4) return kEnd;
        bits = words_[w];
      }
      return (w << 6) + static_cast<uint32_t>(std::countr_zero(bits));
    }
    // The last member < b (1..256); there must be one.
    uint32_t Prev(uint32_t b) const {
      uint32_t w = (b - 1) >> 6;
      uint64_t bits = words_[w] & (~uint64_t{0} >> (63 - ((b - 1) & 63)));
      while (bits == 0) bits = words_[--w];
      return (w << 6) + 63 - static_cast<uint32_t>(std::countl_zero(bits));
    }

   private:
    // std::popcount compiles to a libgcc call unless the target has POPCNT
    // (x86-64 before -march=x86-64-v2 does not): count bits inline.
    static constexpr uint32_t Popcount(uint64_t x) {
      x = x - ((x >> 1) & 0x5555555555555555ULL);
      x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
      x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
      return static_cast<uint32_t>((x * 0x0101010101010101ULL) >> 56);
    }

    std::array<uint64_t, 4> words_{};
    std::array<uint8_t, 4> below_{};  // members in the words before (192 at most)
  };

  struct Leaf {
    Bits present;                     // bit lo: the key (high byte, lo) is here
    std::vector<value_type> entries;  // in key order; empty if the leaf is free
  };

  const Leaf& LeafOf(uint32_t hi) const { return leaves_[slot_[hi]]; }
  iterator ToMutable(const_iterator it) { return iterator(this, it.hi_, it.pos_); }
  // The leaf of `hi` has just become empty: give it back.
  void Free(uint32_t hi) {
    Leaf& l = leaves_[slot_[hi]];
    if (l.entries.capacity() > kKeptCapacity) std::vector<value_type>().swap(l.entries);
    summary_.Clear(hi);
    free_.push_back(slot_[hi]);
  }
  // The first entry whose key is > key (strict) or >= key.
  const_iterator Bound(uint16_t key, bool strict) const {
    const uint32_t hi = key >> 8, lo = key & 255;
    if (summary_.Has(hi)) {
      const Leaf& l = LeafOf(hi);
      const uint32_t pos = l.present.RankBelow(lo) + (strict && l.present.Has(lo) ? 1 : 0);
      if (pos < l.entries.size()) return const_iterator(this, hi, pos);
    }
    return const_iterator(this, summary_.Next(hi + 1), 0);
  }

  Bits summary_;  // bit hi: the leaf of high byte hi holds entries
  // slot_[hi]: that leaf's index in leaves_ (meaningful if it holds entries).
  std::array<uint8_t, 256> slot_{};
  std::vector<Leaf> leaves_;   // in no order: a new leaf shifts no other
  std::vector<uint8_t> free_;  // indices of the empty leaves, for reuse
  size_t size_ = 0;
};

}  // namespace portpool

#endif  // PORTPOOL_PORT_MAP_H_
