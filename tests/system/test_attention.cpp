// Attention end to end (traces/attention_small: Q K^T over a KV cache, a causal per-head host
// Softmax, P V): the golden outputs of scripts/tpu_ref.py, and each matmul's WriteWeights time
// against the host model and the PCIe link model: the register reads, the interrupt's delivery,
// building the tiles, and one PCIe write per weight tile (its bytes at the link's bandwidth plus its
// latency, then the weight memory's write, bounded by its peak bandwidth). One simulation per test
// case (process).
#include <gtest/gtest.h>

#include <algorithm>

#include "common/test_util.h"
#include "config/config.h"
#include "manifest/network.h"
#include "runtime/host_model.h"
#include "runtime/simulation.h"

namespace tpu {
namespace {

const std::string kRoot = TPU_TLM_SOURCE_DIR;

void expect_attention(const std::string& config) {
  init_time_resolution();
  const ArchConfig cfg = load_config(kRoot + "/configs/" + config);
  const Network net = load_network(kRoot + "/traces/attention_small/workload.yaml");
  const RunResult r = run_simulation(cfg, net, RunOptions());
  EXPECT_EQ(r.compared, 20u * 24);
  EXPECT_EQ(r.mismatches, 0u);
  const nlohmann::json& ops = r.stats["host"]["operations"];
  ASSERT_EQ(ops.size(), 3u);  // scores (WriteWeights), probs (Softmax), context (WriteWeights)
  const HostModel m;
  const double R = cfg.mxu.rows, C = cfg.mxu.cols, bw = cfg.pcie.bandwidth_bytes_per_s;
  const double link_s = cfg.pcie.latency_ns * 1e-9;
  const double reg_s = 4.0 / bw + link_s;
  // b: the 7 cached + 20 new keys (or values) of 36 channels; the weight tiles a's input tiles x
  // the output tiles that share a head (network.h's block-diagonal weights).
  const auto tiles = [&](double a_ch, double heads, double m_ch) {
    const double k = a_ch / heads, n = m_ch / heads;
    int count = 0;
    for (int i = 0; i * R < a_ch; ++i)
      for (int j = 0; j * C < m_ch; ++j)
        for (int g = 0; g < heads; ++g)
          if (std::max(i * R, g * k) < std::min({(i + 1) * R, (g + 1) * k, a_ch}) &&
              std::max(j * C, g * n) < std::min({(j + 1) * C, (g + 1) * n, m_ch})) {
            ++count;
            break;
          }
    return count;
  };
  const struct {
    const char* layer;
    double a_ch, m_ch;
  } want[] = {{"scores", 36, 81}, {"context", 81, 36}};
  for (size_t w = 0; w < 2; ++w) {
    const nlohmann::json& op = ops[w == 0 ? 0 : 2];
    SCOPED_TRACE(want[w].layer);
    EXPECT_EQ(op["layer"], want[w].layer);
    EXPECT_EQ(op["op"], "WriteWeights");
    EXPECT_EQ(op["elements"].get<uint64_t>(), 27u * 36);
    const int n_tiles = tiles(want[w].a_ch, 3, want[w].m_ch);
    const double tile_bytes = R * C;
    const double build_s =
        (27.0 * 36 * m.write_weights_cycles_per_byte + n_tiles * tile_bytes / m.zero_fill_bytes_per_cycle) / m.clock_hz;
    EXPECT_NEAR(op["compute_ns"].get<double>() * 1e-9, build_s, 1e-12);
    // STATUS, interrupt, HOST_OP, build, the tiles one by one, RESUME; each tile's write into the
    // weight memory comes on top of its link time: at least its bytes at the channels' peak
    // bandwidth, and here at most twice that plus 1 us (row misses, refresh) per tile.
    const double dram_s = tile_bytes / (cfg.dram.channels * cfg.dram.channel_bandwidth_bytes_per_s());
    const double floor_s = 3 * reg_s + m.interrupt_latency_ns * 1e-9 + build_s + n_tiles * (tile_bytes / bw + link_s);
    const double wait_s = op["wait_ns"].get<double>() * 1e-9;
    EXPECT_GE(wait_s, floor_s + n_tiles * dram_s - 1e-12);
    EXPECT_LE(wait_s, floor_s + n_tiles * (2 * dram_s + 1e-6));
  }
}

TEST(Attention, SmallNetworkOnSmallConfig) { expect_attention("small.yaml"); }

TEST(Attention, SmallNetworkOnTpuV1) { expect_attention("tpu_v1.yaml"); }

}  // namespace
}  // namespace tpu
