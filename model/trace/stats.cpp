#include "trace/stats.h"

#include <algorithm>
#include <cmath>

namespace tpu {

using sc_core::sc_time;
using sc_core::sc_time_stamp;

uint64_t to_cycles(const sc_time& t, const sc_time& period) { return static_cast<uint64_t>(std::llround(t / period)); }

void wait_clock_edge(const sc_time& period) {
  const sc_time now = sc_time_stamp();
  const double edges = std::ceil(now / period - 1e-9);
  const sc_time edge = period * edges;
  if (edge > now) sc_core::wait(edge - now);
}

StateTimeAccount::StateTimeAccount(std::vector<std::string> names)
    : names_(std::move(names)), totals_(names_.size(), sc_core::SC_ZERO_TIME), since_(sc_time_stamp()) {}

void StateTimeAccount::enter(int state) {
  if (state == state_) return;
  const sc_time now = sc_time_stamp();
  totals_[state_] += now - since_;
  since_ = now;
  state_ = state;
}

sc_time StateTimeAccount::total(int state) const {
  sc_time t = totals_[state];
  if (state == state_) t += sc_time_stamp() - since_;
  return t;
}

nlohmann::json StateTimeAccount::to_json(const sc_time& period) const {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < names_.size(); ++i) j[names_[i]] = to_cycles(total(int(i)), period);
  return j;
}

BandwidthCounter::BandwidthCounter(std::string name, sc_time window)
    : name_(std::move(name)), window_(window), hist_(boost::histogram::make_weighted_histogram(Axis(0, 1))) {}

void BandwidthCounter::record(const sc_time& start, const sc_time& end, uint64_t bytes) {
  total_bytes_ += bytes;
  ++transfers_;
  if (bytes == 0) return;
  // Most transfers (a DRAM burst, a PCIe chunk) fall in one window: found in integer time units,
  // their bytes are summed exactly in pending_bytes_ until a transfer lands in another window.
  const uint64_t w_units = window_.value(), s_units = start.value(), e_units = std::max<uint64_t>(end.value(), s_units);
  const uint64_t last_unit = e_units > s_units ? e_units - 1 : s_units;
  if (s_units >= pending_lo_ && last_unit - pending_lo_ < w_units) {  // the pending window: no division
    pending_bytes_ += bytes;
    return;
  }
  const uint64_t first_units = s_units / w_units, last_units = last_unit / w_units;
  if (first_units == last_units) {
    const auto k = static_cast<int64_t>(first_units);
    flush();
    pending_window_ = k;
    pending_lo_ = first_units * w_units;
    pending_bytes_ += bytes;
    last_window_ = std::max(last_window_, k);
    return;
  }
  const double w = window_.to_seconds();
  const double s = start.to_seconds(), e = std::max(end.to_seconds(), s);
  const auto first = static_cast<int64_t>(std::floor(s / w));
  const auto last = e > s ? static_cast<int64_t>(std::ceil(e / w)) - 1 : first;
  for (int64_t k = first; k <= last; ++k) {  // spread in proportion to the overlap
    const double lo = std::max(s, k * w), hi = std::min(e, (k + 1) * w);
    hist_(k, boost::histogram::weight(bytes * (hi - lo) / (e - s)));
  }
  last_window_ = std::max(last_window_, last);
}

void BandwidthCounter::flush() {
  if (pending_bytes_ != 0) hist_(pending_window_, boost::histogram::weight(double(pending_bytes_)));
  pending_bytes_ = 0;
}

double BandwidthCounter::window_bytes(int64_t k) const {
  const double pending = k == pending_window_ ? double(pending_bytes_) : 0.0;
  const auto& ax = hist_.axis();
  if (k < ax.value(0) || k >= ax.value(ax.size())) return pending;
  return hist_.at(ax.index(k)).value() + pending;
}

nlohmann::json BandwidthCounter::to_json() const {
  nlohmann::json windows = nlohmann::json::array();
  for (int64_t k = 0; k <= last_window_; ++k) windows.push_back(std::llround(window_bytes(k)));
  return {{"bytes", total_bytes_},
          {"transfers", transfers_},
          {"window_ns", window_.to_seconds() * 1e9},
          {"bytes_per_window", windows}};
}

}  // namespace tpu
