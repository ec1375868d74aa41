#include "sequencer/functional_unit.h"

namespace tpu {

FunctionalUnit::FunctionalUnit(sc_core::sc_module_name name, Unit unit, const ArchConfig& cfg)
    : sc_module(name), instr_in("instr_in"), seq("seq"), cfg_(cfg), unit_(unit), period_(cfg.clock_period()),
      account_({"idle", "busy", "stall"}) {}

Dispatch FunctionalUnit::next() {
  set_state(kIdle);
  opcode_ = kNoOpcode;
  Dispatch d = instr_in->read();
  opcode_ = static_cast<int>(d.instr.op);
  tag_ = d.tag;
  if (!d.waits.empty()) {
    set_state(kStall);
    for (const auto& w : d.waits) seq->wait_for(w);
  }
  wait_clock_edge(period_);
  set_state(kBusy);
  ++instructions_;
  return d;
}

void FunctionalUnit::finish() {
  seq->complete(unit_);
  opcode_ = kNoOpcode;
  set_state(kIdle);
}

void FunctionalUnit::trace(VcdWriter& vcd, const std::string& prefix) const {
  opcode_.trace(vcd, prefix + ".opcode");
  state_.trace(vcd, prefix + ".state");
}

nlohmann::json FunctionalUnit::report() const {
  return {{"instructions", instructions_}, {"cycles", account_.to_json(period_)}};
}

}  // namespace tpu
