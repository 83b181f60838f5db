// An ordered map keyed by a port number (uint16_t): what a pool keeps its
// blocks in (PortPool::Blocks).
//
// Why not absl::btree_map: at tens of thousands of blocks a btree lookup is a
// chain of ~5 dependent cache misses, and the checker and the simulator look
// blocks up in no particular order. Keys of 16 bits allow a two-level radix
// index instead: the high byte selects a leaf through a 256-bit summary (the
// leaf's place among the non-empty leaves is a popcount), the low byte
// selects the entry through the leaf's 256-bit presence bitmap (again a
// popcount). So find, lower_bound and upper_bound cost two dependent reads
// and a few word operations at any size, and the block before a port (--it)
// is one step more. Leaves hold their entries packed in key order, which
// keeps memory near the 32 bytes of an entry whatever the insertion order
// (a btree's half-full nodes cost more), and allocates nothing up front: a
// fresh machine of the fuzz campaigns pays for what it holds.
//
// The interface is the subset of std::map's that the model uses. As with
// absl::btree_map, inserting or erasing invalidates every iterator and
// pointer into the map, except the iterator erase returns. An entry's key
// (`first`) must not be changed through an iterator.
#ifndef PORTPOOL_PORT_MAP_H_
#define PORTPOOL_PORT_MAP_H_

#include <algorithm>
#include <array>
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
    leaves_.clear();
    summary_ = {};
    size_ = 0;
  }

  iterator begin() { return iterator(this, 0, 0); }
  iterator end() { return iterator(this, Leaves(), 0); }
  const_iterator begin() const { return const_iterator(this, 0, 0); }
  const_iterator end() const { return const_iterator(this, Leaves(), 0); }

  iterator find(uint16_t key) { return ToMutable(std::as_const(*this).find(key)); }
  const_iterator find(uint16_t key) const {
    const uint32_t hi = key >> 8, lo = key & 255;
    if (!summary_.Has(hi)) return end();
    const uint32_t leaf = summary_.RankBelow(hi);
    const Leaf& l = leaves_[leaf];
    if (!l.present.Has(lo)) return end();
    return const_iterator(this, leaf, l.present.RankBelow(lo));
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
    const uint32_t leaf = summary_.RankBelow(hi);
    if (!summary_.Has(hi)) {
      // A fresh leaf takes the buffer the last emptied one left, so that a
      // small pool's create and delete of a lone block do not allocate.
      leaves_.insert(leaves_.begin() + leaf, Leaf{{}, std::move(spare_)});
      spare_.clear();
      summary_.Set(hi);
    }
    Leaf& l = leaves_[leaf];
    const uint32_t pos = l.present.RankBelow(lo);
    if (l.present.Has(lo)) return {iterator(this, leaf, pos), false};
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
    return {iterator(this, leaf, pos), true};
  }
  template <typename M>
  std::pair<iterator, bool> insert_or_assign(uint16_t key, M&& value) {
    auto result = try_emplace(key, std::forward<M>(value));
    if (!result.second) result.first->second = std::forward<M>(value);
    return result;
  }

  // Erases the entry at `it`; returns the iterator to the entry after it.
  iterator erase(const_iterator it) {
    Leaf& l = leaves_[it.leaf_];
    const uint16_t key = l.entries[it.pos_].first;
    l.entries.erase(l.entries.begin() + it.pos_);
    l.present.Clear(key & 255);
    --size_;
    if (l.entries.empty()) {
      if (spare_.capacity() == 0) spare_ = std::move(l.entries);
      leaves_.erase(leaves_.begin() + it.leaf_);
      summary_.Clear(key >> 8);
      return iterator(this, it.leaf_, 0);
    }
    if (it.pos_ == l.entries.size()) return iterator(this, it.leaf_ + 1, 0);
    return iterator(this, it.leaf_, it.pos_);
  }
  iterator erase(iterator it) { return erase(const_iterator(it)); }
  size_t erase(uint16_t key) {
    const_iterator it = find(key);
    if (it == end()) return 0;
    erase(it);
    return 1;
  }

  // Erases every entry for which pred(entry) holds; returns how many. Linear
  // in the size (erasing one by one would move each leaf's tail each time).
  template <typename Pred>
  friend size_t erase_if(PortMap& map, Pred pred) {
    const size_t before = map.size_;
    size_t kept_leaves = 0;
    for (size_t i = 0; i < map.leaves_.size(); ++i) {
      Leaf& l = map.leaves_[i];
      const uint32_t hi = l.entries.front().first >> 8;
      map.size_ -= std::erase_if(l.entries, [&](value_type& e) {
        if (!pred(static_cast<const value_type&>(e))) return false;
        l.present.Clear(e.first & 255);
        return true;
      });
      if (l.entries.empty()) {
        map.summary_.Clear(hi);
      } else {
        if (kept_leaves != i) map.leaves_[kept_leaves] = std::move(l);
        ++kept_leaves;
      }
    }
    map.leaves_.resize(kept_leaves);
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
        : map_(other.map_), leaf_(other.leaf_), pos_(other.pos_) {}

    reference operator*() const { return map_->leaves_[leaf_].entries[pos_]; }
    pointer operator->() const { return &**this; }
    Iterator& operator++() {
      if (++pos_ == map_->leaves_[leaf_].entries.size()) ++leaf_, pos_ = 0;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    Iterator& operator--() {
      if (pos_ == 0) {
        --leaf_;
        pos_ = static_cast<uint32_t>(map_->leaves_[leaf_].entries.size());
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
      return a.leaf_ == b.leaf_ && a.pos_ == b.pos_;
    }

   private:
    friend class PortMap;
    using Map = std::conditional_t<kConst, const PortMap, PortMap>;
    Iterator(Map* map, uint32_t leaf, uint32_t pos) : map_(map), leaf_(leaf), pos_(pos) {}

    Map* map_ = nullptr;
    // The entry's leaf (index into leaves_) and its place in the leaf; the
    // end is (leaves_.size(), 0).
    uint32_t leaf_ = 0;
    uint32_t pos_ = 0;
  };

 private:
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
    std::vector<value_type> entries;  // in key order, never empty
  };

  uint32_t Leaves() const { return static_cast<uint32_t>(leaves_.size()); }
  iterator ToMutable(const_iterator it) { return iterator(this, it.leaf_, it.pos_); }
  // The first entry whose key is > key (strict) or >= key.
  const_iterator Bound(uint16_t key, bool strict) const {
    const uint32_t hi = key >> 8, lo = key & 255;
    const uint32_t leaf = summary_.RankBelow(hi);
    if (!summary_.Has(hi)) return const_iterator(this, leaf, 0);
    const Leaf& l = leaves_[leaf];
    const uint32_t pos = l.present.RankBelow(lo) + (strict && l.present.Has(lo) ? 1 : 0);
    if (pos == l.entries.size()) return const_iterator(this, leaf + 1, 0);
    return const_iterator(this, leaf, pos);
  }

  Bits summary_;              // bit hi: leaves_ has the leaf of high byte hi
  std::vector<Leaf> leaves_;  // the non-empty leaves, in key order
  size_t size_ = 0;
  std::vector<value_type> spare_;  // empty; the buffer of the last leaf emptied
};

}  // namespace portpool

#endif  // PORTPOOL_PORT_MAP_H_
