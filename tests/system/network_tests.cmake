# Networks (traces/*, format: network) run end to end and must match their golden outputs, which
# scripts/make_networks.py computed with the independent numpy reference scripts/tpu_ref.py.
# tpu-sim exits 3 on any mismatch. Included from tests/tests.cmake after the tpu-sim CLI tests; label
# "networks" (and "cli" through tpu_cli_test).

# network_test(<trace> <config> [TIMEOUT <s>]): runs traces/<trace> on configs/<config>.yaml.
function(network_test trace config)
  cmake_parse_arguments(PARSE_ARGV 2 N "" "TIMEOUT" "")
  if(NOT N_TIMEOUT)
    set(N_TIMEOUT 60)
  endif()
  string(REPLACE "/" "_" id ${trace})
  set(name network.${id}.${config})
  tpu_cli_test(${name} 0 TIMEOUT ${N_TIMEOUT}
    EXPECT "golden +0 mismatches in [1-9][0-9]* int8 outputs" "network of [0-9]+ layers"
    ARGS --config ${PROJECT_SOURCE_DIR}/configs/${config}.yaml
         --workload ${PROJECT_SOURCE_DIR}/traces/${trace}/workload.yaml --layers)
  set_property(TEST ${name} APPEND PROPERTY LABELS networks)
endfunction()

# Every layer type on a 16x16 array and on TPU v1 (same outputs, different tiling).
foreach(trace conv_one conv_small lstm_small)
  network_test(${trace} small)
  network_test(${trace} tpu_v1)
endforeach()
# Non-square arrays: a tall 32x16 and a wide 16x32 (inputs tiled by R = 32 or 16 rows, outputs
# by C = 16 or 32 columns, Activate's lane registers between the widths): the same golden outputs.
foreach(trace conv_one conv_small lstm_small)
  network_test(${trace} small_32x16)
  network_test(${trace} small_16x32)
endforeach()
# Operand formats (scripts/make_operand_formats.py): int16 activations and weights as byte planes
# (the 8 x 16 and 16 x 16 modes) and uint8 tensors, on square, tall and wide arrays.
foreach(trace formats_8x8 formats_8x16 formats_16x16 formats_uint8)
  network_test(${trace} small)
  network_test(${trace} small_32x16)
  network_test(${trace} small_16x32)
  network_test(${trace} tpu_v1)
endforeach()
# The shipped networks on TPU v1 (ResNet-50, BERT-base, a two-layer LSTM, the paper's apps).
network_test(resnet50 tpu_v1 TIMEOUT 120)
network_test(bert_base tpu_v1 TIMEOUT 120)
network_test(lstm tpu_v1 TIMEOUT 120)
foreach(app lstm0 lstm1 cnn0 cnn1)
  network_test(apps/${app} tpu_v1 TIMEOUT 120)
endforeach()

# Other array shapes (docs/array_shapes.md): what did not fit before packed layouts (ResNet-50's
# 224x224x3 input, CNN1's 192-channel stem on 512- and 1024-wide arrays) and the small networks'
# every operator on packed tensors, square and non-square. cnn1 on 1024x1024 (29 s, 1.5 GB) is
# left to scripts/array_shapes.py.
foreach(config tpu_v1_512x512 tpu_v1_1024x1024 tpu_v1_512x128)
  network_test(resnet50 ${config} TIMEOUT 120)
endforeach()
foreach(config tpu_v1_512x512 tpu_v1_512x128)
  network_test(apps/cnn1 ${config} TIMEOUT 120)
endforeach()
foreach(trace conv_one conv_small host_ops_small)
  network_test(${trace} tpu_v1_128x128)
  network_test(${trace} tpu_v1_512x128)
endforeach()

# A network that does not fit: a clear error naming the tensor, the need and the capacity.
tpu_cli_test(network.resnet50_on_small_does_not_fit 1
  EXPECT "tpu-sim: error: network resnet50-v1.5 on config small_16x16" "Unified Buffer rows"
  ARGS --config ${TPU_SMALL} --workload ${PROJECT_SOURCE_DIR}/traces/resnet50/workload.yaml)
# --batch does not apply to networks.
tpu_cli_test(network.batch_is_an_error 1
  EXPECT "runs its 2 samples as one batch"
  ARGS --config ${TPU_SMALL} --workload ${PROJECT_SOURCE_DIR}/traces/conv_small/workload.yaml --batch 4)

# A regression check of the reference and the shipped data: tpu_ref.py (which wrote the golden
# outputs) recomputes them from the manifests alone. (The independent check of the model is
# tpu-sim against that golden data, above.) Debian's python3 with numpy and PyYAML, which
# scripts/setup.sh installs.
# TPU_PYTHON and TPU_HAVE_PYTHON come from cmake/requirements.cmake, which says at configure time
# when these tests are left out (and fails under CI).
if(TPU_HAVE_PYTHON)
  foreach(trace conv_one conv_small lstm_small)
    add_test(NAME reference_regression.${trace}
             COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/tpu_ref.py check
                     ${PROJECT_SOURCE_DIR}/traces/${trace}/workload.yaml)
    set_tests_properties(reference_regression.${trace} PROPERTIES LABELS "networks;scripts" TIMEOUT 120)
  endforeach()
  add_test(NAME scripts.tpu_ref_selftest COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_tpu_ref.py)
  set_tests_properties(scripts.tpu_ref_selftest PROPERTIES LABELS scripts TIMEOUT 120)
  # ONNX import: tiny torch models, ConvNeXt's blocks (TestConvNeXt: NHWC Transposes as views, host
  # and on-chip LayerNorm, layer_scale folded) and torchvision ResNet-18 (random weights, 64x64)
  # exported, imported, quantized, and run on the simulator against the reference.
  add_test(NAME scripts.onnx_import COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_onnx_import.py)
  set_tests_properties(scripts.onnx_import PROPERTIES LABELS "scripts;networks;operators" TIMEOUT 600
                       ENVIRONMENT "TPU_SIM=$<TARGET_FILE:tpu-sim>;SC_COPYRIGHT_MESSAGE=DISABLE")
  # A PyTorch-quantized ResNet-18 (scripts/quantized_check.py, 32 x 32, 2 images, per-tensor
  # weights, seed 0) against PyTorch's own quantized kernels (onednn): every logit within 1
  # quantization step (measured: all 2000 equal; before the wide add 81.5% within 1), the simulator
  # bit exact against the reference (docs/model_zoo.md, "PyTorch-quantized ResNet-18"). Other
  # seeds can fall short of 100%: a conv output within ~10^-5 steps of a rounding tie, which
  # PyTorch's float32 requantization rounds the other way, spreads through the random-weight
  # network (seed 1 at 64 x 64: 97.6%). The engine's default per-channel weights are not
  # asserted to 100%: the importer re-quantizes them per tensor (one requant per layer), which
  # moves conv outputs by more than a step (docs/model_zoo.md), so that run asserts the measured
  # bound below (70.35% of the 2000 logits within 1 step, measured with the wide add; a guard
  # against regressions only).
  add_test(NAME scripts.quantized_check.per_tensor
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/quantized_check.py --size 32 --batch 2 --calibration 8
                   --weights per-tensor --min-within-1 1.0 --tpu-sim $<TARGET_FILE:tpu-sim>)
  add_test(NAME scripts.quantized_check.per_channel
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/quantized_check.py --size 32 --batch 2 --calibration 8
                   --weights per-channel --min-within-1 0.70 --tpu-sim $<TARGET_FILE:tpu-sim>)
  set_tests_properties(scripts.quantized_check.per_tensor scripts.quantized_check.per_channel PROPERTIES
                       LABELS "scripts;networks" TIMEOUT 600 ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
  set_tests_properties(scripts.quantized_check.per_tensor PROPERTIES LABELS "scripts;networks;operators")
  # ONNX LSTM/GRU import: tiny torch and onnx.helper recurrent models against PyTorch and a numpy
  # rendering of ONNX's equations, imported and run on the simulator against the reference.
  add_test(NAME scripts.onnx_rnn COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_onnx_rnn.py)
  set_tests_properties(scripts.onnx_rnn PROPERTIES LABELS "scripts;networks;operators" TIMEOUT 600
                       ENVIRONMENT "TPU_SIM=$<TARGET_FILE:tpu-sim>;SC_COPYRIGHT_MESSAGE=DISABLE")
  # Every shipped network, layer by layer: MXU active cycles and the activation unit's busy
  # cycles against the dataflow formulas, Table 3 categories summing to the run; the README's
  # claim on MLP0/MLP1/LSTM0 against the paper's TOPS.
  add_test(NAME scripts.network_timing COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_network_timing.py)
  set_tests_properties(scripts.network_timing PROPERTIES LABELS "scripts;networks" TIMEOUT 300
                       ENVIRONMENT "TPU_SIM=$<TARGET_FILE:tpu-sim>;SC_COPYRIGHT_MESSAGE=DISABLE")
  # A CNN trained on scikit-learn's digits (torch, deterministic, ~10 s of CPU): int8 simulated
  # accuracy against the float model's.
  add_test(NAME scripts.digits_cnn COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_digits_cnn.py)
  set_tests_properties(scripts.digits_cnn PROPERTIES LABELS "scripts;networks" TIMEOUT 300
                       ENVIRONMENT "TPU_SIM=$<TARGET_FILE:tpu-sim>;SC_COPYRIGHT_MESSAGE=DISABLE")
  # The operators of issue 15 (lookup tables, grouped and depthwise conv, Concat/Split/channel
  # shuffle, Pad folding, per-channel broadcast Mul, ReduceMean) in one tiny torch model, exported,
  # imported and run on both configs against the reference; and torchvision's mobilenet_v3_small at 32x32
  # (label "operators": ctest -L operators).
  add_test(NAME scripts.operators COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_operators.py OperatorsTest)
  add_test(NAME scripts.operators_zoo
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_operators.py --zoo ZooTest)
  set_tests_properties(scripts.operators scripts.operators_zoo PROPERTIES LABELS "scripts;networks;operators"
                       TIMEOUT 300 ENVIRONMENT "TPU_SIM=$<TARGET_FILE:tpu-sim>;SC_COPYRIGHT_MESSAGE=DISABLE")
  # Split, Slice, channel shuffle and Concat as Unified Buffer placement (issue 15): small torch
  # models on both configs, 0 mismatches, and which of their copy layers run (--stats).
  add_test(NAME scripts.channel_select COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_channel_select.py)
  set_tests_properties(scripts.channel_select PROPERTIES LABELS "scripts;networks;operators" TIMEOUT 300
                       ENVIRONMENT "TPU_SIM=$<TARGET_FILE:tpu-sim>;SC_COPYRIGHT_MESSAGE=DISABLE")
  # The six-application table runs end to end on both configs: exit 0 or 1 (within the
  # tolerance or not) and the TPU' summary printed; 2 (an error, a golden mismatch) fails.
  add_test(NAME scripts.paper_table
           COMMAND sh -c "out=$(\"$0\" \"$1\" --tpu-sim \"$2\" --stats-dir \"$3\"); rc=$?; echo \"$out\"; \
                          test $rc -le 1 && echo \"$out\" | grep -q 'geometric mean [0-9.]*x' && \
                          echo \"$out\" | grep -q '^mean |error|' && test -s \"$3/table7.csv\""
                   ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/paper_table.py $<TARGET_FILE:tpu-sim>
                   ${CMAKE_BINARY_DIR}/paper_table)
  set_tests_properties(scripts.paper_table PROPERTIES LABELS "scripts;networks" TIMEOUT 300)
  # The generators rewrite the shipped traces byte for byte (tests/system/regenerate_traces.cmake):
  # make_workloads.py's two MLPs, and make_networks.py one network per test so that ctest -j
  # spreads them. Each writes under build/regenerated/ and compares with traces/. Measured on
  # 2 cores shared with other builds (load ~9): the MLPs 33 s, conv_one, conv_small, lstm_small
  # < 1 s each, resnet50 45 s, lstm1 24 s, lstm 91 s, bert_base 116 s, cnn0 138 s, cnn1 413 s;
  # 854 s for all networks in one process; under ctest -j2 beside a build, cnn1 586 s, cnn0
  # 146 s, bert_base 144 s. Timeouts are generous for that reason.
  option(TPU_LONG_TESTS "Also regenerate the slowest networks and the float-trained dense MLP workloads" OFF)
  # make_workloads.py trains the digits MLP in floating point (scikit-learn over the machine's
  # BLAS): on a fresh Debian 12 root its manifest came out different from the shipped one while
  # every data file matched, so its regeneration is opt-in with the long ones below.
  set(_regen_runs "")
  if(TPU_LONG_TESTS)
    set(_regen_runs "workloads:make_workloads:")
  endif()
  # The operand-format networks (scripts/make_operand_formats.py, < 1 s).
  list(APPEND _regen_runs "formats:make_operand_formats:")
  execute_process(COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/make_networks.py --list
                  OUTPUT_VARIABLE _nets OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  string(REPLACE "\n" ";" _nets "${_nets}")
  list(LENGTH _nets _n)
  if(NOT _rc EQUAL 0 OR _n LESS 10)
    message(FATAL_ERROR "scripts/make_networks.py --list failed (exit ${_rc}) or listed fewer than 10 networks: ${_nets}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scripts/make_networks.py)
  # The four slowest (together ~13 min of CPU, cnn1 alone ~7) are part of the suite only with
  # -DTPU_LONG_TESTS=ON, which configure reminds of; the rest keep CI's run well under 30 min.

  set(_long_nets cnn0 cnn1 bert_base lstm)
  foreach(_net IN LISTS _nets)
    if(_net IN_LIST _long_nets AND NOT TPU_LONG_TESTS)
      list(APPEND _left_out ${_net})
      continue()
    endif()
    list(APPEND _regen_runs "${_net}:make_networks:${_net}")
  endforeach()
  if(NOT TPU_LONG_TESTS)
    list(APPEND _left_out "the dense MLP workloads")
  endif()
  if(_left_out)
    string(REPLACE ";" ", " _left_out "${_left_out}")
    message(STATUS "scripts.regenerate_traces: ${_left_out} are regenerated only with -DTPU_LONG_TESTS=ON")
  endif()
  foreach(_run IN LISTS _regen_runs)
    string(REPLACE ":" ";" _run "${_run}")
    list(GET _run 0 _id)
    list(GET _run 1 _generator)
    list(LENGTH _run _n)
    set(_names "")
    if(_n GREATER 2)
      list(GET _run 2 _names)
    endif()
    add_test(NAME scripts.regenerate_traces.${_id}
             COMMAND ${CMAKE_COMMAND} -DPYTHON=${TPU_PYTHON} -DSOURCE=${PROJECT_SOURCE_DIR}
                     -DOUT=${CMAKE_BINARY_DIR}/regenerated/${_id} -DGENERATOR=${_generator} "-DNAMES=${_names}"
                     -P ${PROJECT_SOURCE_DIR}/tests/system/regenerate_traces.cmake)
    set_tests_properties(scripts.regenerate_traces.${_id} PROPERTIES LABELS scripts TIMEOUT 1500)
  endforeach()
  # Table 7 (paper_table.py's error table) against hand-worked values.
  add_test(NAME scripts.paper_table7 COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_paper_table.py)
  set_tests_properties(scripts.paper_table7 PROPERTIES LABELS scripts TIMEOUT 60)
  # The energy scripts (Accelergy export, plot) on a real run; the export's counts are the counters.
  add_test(NAME scripts.energy COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_energy_scripts.py
                                       $<TARGET_FILE:tpu-sim> ${CMAKE_BINARY_DIR}/energy_scripts)
  set_tests_properties(scripts.energy PROPERTIES LABELS scripts TIMEOUT 120 ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endif()

# Where the CPU lacks VNNI, oneDNN's int8 GEMM saturates int16 pair sums, so the analytic MXU
# multiplies with a plain loop instead; ONEDNN_MAX_CPU_ISA=AVX2 forces that path here and the
# results must stay bit exact.
foreach(trace resnet50 conv_small)
  set(name network.${trace}.tpu_v1_without_vnni)
  tpu_cli_test(${name} 0 TIMEOUT 120
    EXPECT "golden +0 mismatches in [1-9][0-9]* int8 outputs" "MXU model analytic \\(loop\\)"
    ARGS --config ${TPU_V1} --workload ${PROJECT_SOURCE_DIR}/traces/${trace}/workload.yaml)
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT ONEDNN_MAX_CPU_ISA=AVX2)
  set_property(TEST ${name} APPEND PROPERTY LABELS networks)
endforeach()

# Host fallback (Interrupt_Host, manifest/host_op.h): LayerNorm and Softmax computed by the host
# CPU between MXU layers, on both configs, and the reference's regression check of its golden data.
foreach(config small tpu_v1)
  network_test(host_ops_small ${config})
endforeach()
if(TPU_HAVE_PYTHON)
  add_test(NAME reference_regression.host_ops_small
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/tpu_ref.py check
                   ${PROJECT_SOURCE_DIR}/traces/host_ops_small/workload.yaml)
  set_tests_properties(reference_regression.host_ops_small PROPERTIES LABELS "networks;scripts" TIMEOUT 120)
endif()

# Attention (issue 15 item 3): matmul layers of two activations (the host writes b into the
# weight memory at an Interrupt_Host, WriteWeights; the MXU multiplies), a KV cache concatenated
# with the new keys, a causal per-head host Softmax; on square and non-square arrays (heads of 12
# channels straddle the 16-channel tiles), and the reference's regression check.
foreach(config small tpu_v1 small_32x16 small_16x32)
  network_test(attention_small ${config})
endforeach()
if(TPU_HAVE_PYTHON)
  add_test(NAME reference_regression.attention_small
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/tpu_ref.py check
                   ${PROJECT_SOURCE_DIR}/traces/attention_small/workload.yaml)
  set_tests_properties(reference_regression.attention_small PROPERTIES LABELS "networks;scripts" TIMEOUT 120)
  # The same attention at batch 2 (each sample's own K and V: one WriteWeights per sample): the
  # reference per sample, 0 mismatches on two configs, host operations and MXU cycles scaling.
  add_test(NAME scripts.batched_attention
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_batched_attention.py)
  set_tests_properties(scripts.batched_attention PROPERTIES LABELS "networks;scripts" TIMEOUT 300
                       ENVIRONMENT "TPU_SIM=$<TARGET_FILE:tpu-sim>;SC_COPYRIGHT_MESSAGE=DISABLE")
  # BERT and GPT-2 (prompt and one decode step with its KV cache) at small shapes (2 layers, hidden
  # 64, 4 heads, FFN 128, 16 tokens): torch with seeded weights -> ONNX -> onnx_to_network.py ->
  # tpu-sim; fails unless each runs with 0 golden mismatches and the importer's float interpreter
  # matches torch (the full-size runs are in docs/model_zoo.md, "Transformers").
  add_test(NAME scripts.transformers_small
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/transformers.py
                   ${CMAKE_CURRENT_BINARY_DIR}/transformers_small --layers 2 --hidden 64 --heads 4 --ffn 128
                   --seq 16 --calibration 2 --tpu-sim $<TARGET_FILE:tpu-sim> --config ${TPU_V1})
  set_tests_properties(scripts.transformers_small PROPERTIES LABELS "networks;scripts;operators" TIMEOUT 300
                       PASS_REGULAR_EXPRESSION "all models: 0 golden mismatches")
  # The same BERT and GPT-2 at batch 2: two sequences, each attending over its own K and V (one
  # WriteWeights per sample and matmul).
  add_test(NAME scripts.transformers_small_batch2
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/transformers.py
                   ${CMAKE_CURRENT_BINARY_DIR}/transformers_small_batch2 --models bert,gpt2 --batch 2 --layers 2
                   --hidden 64 --heads 4 --ffn 128 --seq 16 --calibration 2 --tpu-sim $<TARGET_FILE:tpu-sim>
                   --config ${TPU_V1})
  set_tests_properties(scripts.transformers_small_batch2 PROPERTIES LABELS "networks;scripts" TIMEOUT 300
                       PASS_REGULAR_EXPRESSION "all models: 0 golden mismatches")
  # A small torchvision VisionTransformer (2 layers, hidden 64, 4 heads, 17 tokens): torch with seeded
  # weights -> ONNX -> onnx_to_network.py -> tpu-sim with 0 golden mismatches, the float interpreter
  # against torch, the manifest's ViT mapping (vit_b_16 at 224: docs/model_zoo.md).
  add_test(NAME scripts.vit_small
           COMMAND ${TPU_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/test_vit.py --tpu-sim $<TARGET_FILE:tpu-sim>)
  set_tests_properties(scripts.vit_small PROPERTIES LABELS "networks;scripts;operators" TIMEOUT 300)
endif()
