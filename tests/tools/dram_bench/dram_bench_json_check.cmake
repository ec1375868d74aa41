# Included by tests/common/cli_run.cmake for dram-bench --json tests: stdout (${out}) must be exactly
# one JSON object (nothing before or after it) holding the report's keys; JSON_ENGINE and
# JSON_REQUESTS, if defined, must match.
# One object: stdout starts with '{' and ends with '}', and the pretty-printed top level opens
# and closes exactly once (nested objects are indented).
if(NOT out MATCHES "^{\n.*\n}\n?$")
  message(SEND_ERROR "stdout is not a single JSON object")
endif()
string(REGEX MATCHALL "(^|\n){" opens "${out}")
string(REGEX MATCHALL "\n}" closes "${out}")
list(LENGTH opens n_open)
list(LENGTH closes n_close)
if(NOT n_open EQUAL 1 OR NOT n_close EQUAL 1)
  message(SEND_ERROR "stdout holds ${n_open} top-level JSON objects, expected 1")
endif()
string(JSON type ERROR_VARIABLE json_error TYPE "${out}")
if(json_error OR NOT type STREQUAL "OBJECT")
  message(SEND_ERROR "stdout does not parse as a JSON object: ${json_error}")
else()
  # Nested keys as parent.child.
  foreach(key engine mode requests reads writes bytes bandwidth_gbs peak_bandwidth_gbs percent_of_peak
              row_hits row_misses row_conflicts row_hit_rate requests_per_wall_second config workload
              read_latency_ns.mean read_latency_ns.p50 read_latency_ns.p90 read_latency_ns.p99
              read_latency_ns.max commands.ACT commands.PRE commands.RD commands.WR commands.REF)
    string(REPLACE "." ";" path "${key}")
    string(JSON v ERROR_VARIABLE e GET "${out}" ${path})
    if(e)
      message(SEND_ERROR "key '${key}' missing: ${e}")
    endif()
  endforeach()
  if(DEFINED JSON_ENGINE)
    string(JSON engine GET "${out}" engine)
    if(NOT engine STREQUAL JSON_ENGINE)
      message(SEND_ERROR "engine is '${engine}', expected '${JSON_ENGINE}'")
    endif()
  endif()
  if(DEFINED JSON_REQUESTS)
    string(JSON n GET "${out}" requests)
    if(NOT n EQUAL JSON_REQUESTS)
      message(SEND_ERROR "requests is ${n}, expected ${JSON_REQUESTS}")
    endif()
  endif()
endif()
