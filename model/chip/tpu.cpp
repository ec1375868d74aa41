#include "chip/tpu.h"

namespace tpu {

Tpu::Tpu(sc_core::sc_module_name name, const ArchConfig& cfg, sc_core::sc_time window,
         const MxuDatapathFactory& make_datapath)
    : sc_module(name), interrupt("interrupt"), cfg_(cfg), meter(window),
      unified_buffer("unified_buffer", cfg_.ub_rows(), cfg_.mxu.rows),
      accumulators("accumulators", cfg_.accumulators.rows, uint64_t(cfg_.mxu.cols) * 4),
      dram(make_dram("dram", cfg_.dram, window)), host_interface("host_interface", cfg_, window),
      sequencer("sequencer", cfg_), weight_fifo("weight_fifo", cfg_), mxu("mxu", cfg_, make_datapath),
      activation_unit("activation_unit", cfg_),
      queues_(
          "queue", kNumUnits,
          [&](const char* n, size_t) { return new sc_core::sc_fifo<Dispatch>(n, int(cfg_.sequencer.queue_depth)); }),
      mxu_idle_reason_("mxu_idle_reason"), mxu_idle_tag_("mxu_idle_tag") {
  // Data paths (TLM-2.0).
  host_interface.dram_socket.bind(dram->socket);
  host_interface.control_socket.bind(sequencer.control_socket);
  host_interface.ub_socket.bind(unified_buffer.socket);
  weight_fifo.dram_socket.bind(dram->socket);
  mxu.weight_socket.bind(weight_fifo.mxu_socket);
  mxu.ub_socket.bind(unified_buffer.socket);
  mxu.acc_socket.bind(accumulators.socket);
  activation_unit.acc_socket.bind(accumulators.socket);
  activation_unit.ub_socket.bind(unified_buffer.socket);

  // Control: dispatch queues, completion, Table 3 reason, interrupt.
  FunctionalUnit* units[kNumUnits] = {&host_interface, &weight_fifo, &mxu, &activation_unit};
  for (int u = 0; u < kNumUnits; ++u) {
    sequencer.unit_out[u].bind(queues_[u]);
    units[u]->instr_in.bind(queues_[u]);
    units[u]->seq.bind(sequencer);
  }
  sequencer.mxu_idle_reason.bind(mxu_idle_reason_);
  mxu.idle_reason.bind(mxu_idle_reason_);
  sequencer.mxu_idle_tag.bind(mxu_idle_tag_);
  mxu.idle_tag.bind(mxu_idle_tag_);
  sequencer.interrupt.bind(interrupt);

  // Energy: every block charges its actions to the meter.
  unified_buffer.set_meter(&meter, MeteredAction::kUbRead, MeteredAction::kUbWrite);
  accumulators.set_meter(&meter, MeteredAction::kAccRead, MeteredAction::kAccWrite);
  sequencer.set_meter(&meter);
  for (FunctionalUnit* u : units) u->set_meter(&meter);
}

nlohmann::json Tpu::report() const {
  const sc_core::sc_time period = cfg_.clock_period();
  // Bytes moved through b_transport (counted by the memory) plus those an initiator moved by DMI,
  // and the DMI part of them.
  auto memory = [&](const MemoryTarget& m, uint64_t dmi_read = 0, uint64_t dmi_written = 0) {
    return nlohmann::json{{"size_bytes", m.size_bytes()},
                          {"bytes_read", m.bytes_read() + dmi_read},
                          {"bytes_written", m.bytes_written() + dmi_written},
                          {"dmi_bytes_read", dmi_read},
                          {"dmi_bytes_written", dmi_written}};
  };
  return {{"clock_period_ns", period.to_seconds() * 1e9},
          {"sequencer", sequencer.report()},
          {"host_interface", host_interface.report()},
          {"weight_fifo", weight_fifo.report()},
          {"mxu", mxu.report()},
          {"activation_unit", activation_unit.report()},
          {"unified_buffer", memory(unified_buffer, mxu.ub_dmi_bytes_read())},
          {"accumulators", memory(accumulators, mxu.acc_dmi_bytes_read(), mxu.acc_dmi_bytes_written())},
          {"dram", dram->report()}};
}

void Tpu::trace(VcdWriter& vcd) {
  sequencer.trace(vcd, "tpu.sequencer");
  host_interface.trace(vcd, "tpu.host_dma");
  weight_fifo.trace(vcd, "tpu.weight_fifo");
  mxu.trace(vcd, "tpu.mxu");
  activation_unit.trace(vcd, "tpu.activation");
  vcd.trace(mxu_idle_reason_, "tpu.mxu.idle_reason");
  vcd.trace(interrupt, "tpu.interrupt");
  dram->trace(vcd, "tpu.dram");
}

}  // namespace tpu
