// SmallVec (engine/small_vector.hpp): shapes, strides, edges and a node's outputs live in it. Its
// inline elements share their bytes with the heap pointer, and the capacity says which is in use,
// so these check each way in and out of the inline storage.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include <paragrad/engine/small_vector.hpp>

using paragrad::SmallVec;

namespace {
// Counts live objects, so a leaked or doubly destroyed element shows.
struct Counted {
  static int alive;
  std::string text;
  explicit Counted(std::string t) : text(std::move(t)) { ++alive; }
  Counted(const Counted& o) : text(o.text) { ++alive; }
  Counted(Counted&& o) noexcept : text(std::move(o.text)) { ++alive; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) = default;
  ~Counted() { --alive; }
  bool operator==(const Counted& o) const { return text == o.text; }
};
int Counted::alive = 0;

std::string word(int i) { return "element number " + std::to_string(i); }  // not SSO-short

template <size_t N>
SmallVec<Counted, N> filled(int n) {
  SmallVec<Counted, N> v;
  for (int i = 0; i < n; ++i) v.emplace_back(word(i));
  return v;
}
template <size_t N>
void check_holds(const SmallVec<Counted, N>& v, int n) {
  REQUIRE(v.size() == size_t(n));
  for (int i = 0; i < n; ++i) CHECK(v[size_t(i)].text == word(i));
}
}  // namespace

TEST_CASE("SmallVec costs its inline elements and 8 bytes", "[small_vector]") {
  CHECK(sizeof(SmallVec<int64_t, 5>) == 5 * sizeof(int64_t) + 8);
  CHECK(sizeof(SmallVec<void*, 2>) == 2 * sizeof(void*) + 8);
  CHECK(sizeof(SmallVec<bool, 1>) >= sizeof(void*) + 8);  // room for the heap pointer
}

TEST_CASE("SmallVec keeps N inline and moves to the heap beyond", "[small_vector]") {
  Counted::alive = 0;
  {
    auto v = filled<3>(3);
    CHECK(v.capacity() == 3);
    const Counted* inline_first = v.data();
    check_holds(v, 3);
    v.emplace_back(word(3));
    CHECK(v.capacity() == 6);
    CHECK(v.data() != inline_first);
    check_holds(v, 4);
    for (int i = 4; i < 40; ++i) v.emplace_back(word(i));
    check_holds(v, 40);
    CHECK(Counted::alive == 40);
    v.resize(2, Counted("x"));
    check_holds(v, 2);
    v.clear();
    CHECK(v.empty());
    CHECK(Counted::alive == 0);
  }
  CHECK(Counted::alive == 0);
}

TEST_CASE("SmallVec copies and moves, inline and on the heap", "[small_vector]") {
  Counted::alive = 0;
  for (int n : {0, 1, 2, 5}) {
    CAPTURE(n);
    auto a = filled<2>(n);
    SmallVec<Counted, 2> b(a);  // copy
    check_holds(b, n);
    check_holds(a, n);
    SmallVec<Counted, 2> c(std::move(a));  // move: a is left empty and usable
    check_holds(c, n);
    CHECK(a.empty());
    a.emplace_back(word(0));
    check_holds(a, 1);

    auto d = filled<2>(4);
    d = c;  // copy-assign over heap storage
    check_holds(d, n);
    auto e = filled<2>(1);
    e = std::move(d);  // move-assign over inline storage
    check_holds(e, n);
    CHECK(d.empty());
    auto f = filled<2>(7);
    f = std::move(e);  // move-assign over heap storage
    check_holds(f, n);
    auto& same = f;
    f = std::move(same);  // self-move keeps the elements
    check_holds(f, n);
  }
  CHECK(Counted::alive == 0);
}

TEST_CASE("SmallVec push_back of its own element across a reallocation", "[small_vector]") {
  Counted::alive = 0;
  {
    auto v = filled<2>(2);
    v.push_back(v[0]);  // full: the argument lives in the storage being replaced
    REQUIRE(v.size() == 3);
    CHECK(v[0].text == word(0));
    CHECK(v[1].text == word(1));
    CHECK(v[2].text == word(0));
    v.push_back(v[1]);
    v.push_back(v[3]);  // full again, now on the heap
    CHECK(v.size() == 5);
    CHECK(v[4].text == word(1));
  }
  CHECK(Counted::alive == 0);
}

TEST_CASE("SmallVec insert, erase and compare", "[small_vector]") {
  SmallVec<int64_t, 2> v{1, 2, 3};
  v.insert(0, 0);
  v.insert(4, 4);
  CHECK(v == SmallVec<int64_t, 2>{0, 1, 2, 3, 4});
  v.erase(2);
  CHECK(v == SmallVec<int64_t, 2>{0, 1, 3, 4});
  CHECK(v != SmallVec<int64_t, 2>{0, 1, 3});
  SmallVec<int64_t, 2> w(v.begin(), v.end());
  CHECK(w == v);
  v.reserve(100);
  CHECK(v.capacity() == 100);
  CHECK(v == w);
  // A vector compared with itself (an op checking a result's shape against its operand's own),
  // inline and on the heap, and with a copy that then changes.
  CHECK(v == v);
  CHECK_FALSE(v != v);
  SmallVec<int64_t, 2> x{7};
  CHECK(x == x);
  SmallVec<int64_t, 2> y = x;
  y[0] = 8;
  CHECK_FALSE(x == y);
}

TEST_CASE("SmallVec of a trivially copyable type copies and moves, inline and on the heap",
          "[small_vector]") {
  // Shapes and strides take the fixed-size copy of the inline bytes (small_vector.hpp).
  for (int n : {0, 1, 2, 3, 6}) {
    CAPTURE(n);
    SmallVec<int64_t, 3> a;
    for (int i = 0; i < n; ++i) a.push_back(10 * i + 1);
    SmallVec<int64_t, 3> b(a);  // copy
    REQUIRE(b.size() == size_t(n));
    CHECK(b == a);
    if (n > 0) {
      b[0] = -7;  // the copy is its own
      CHECK(a[0] == 1);
    }
    SmallVec<int64_t, 3> c(std::move(a));  // move: a is left empty and usable
    REQUIRE(c.size() == size_t(n));
    for (int i = 0; i < n; ++i) CHECK(c[size_t(i)] == 10 * i + 1);
    CHECK(a.empty());
    a.push_back(5);
    CHECK(a == SmallVec<int64_t, 3>{5});
    c.push_back(99);  // growing a copy or a moved-to vector keeps its elements
    CHECK(c.size() == size_t(n + 1));
    CHECK(c.back() == 99);
    for (int i = 0; i < n; ++i) CHECK(c[size_t(i)] == 10 * i + 1);
  }
}
