// Linked into every program and test of a -DTPU_SANITIZE=ON build except the fuzz targets
// (cmake/sanitize.cmake).
//
// LeakSanitizer finds live pointers by scanning the heap, globals and the threads' stacks, but
// not the coroutine stacks SystemC's SC_THREADs run on (mmap'ed by QuickThreads). A thread still
// waiting when the simulation ends is never unwound, so everything its locals own (vectors,
// strings, generic payloads) is reported as leaked in almost every simulation test. Suppressing
// by stack does not work: libsystemc and libstdc++ have no frame pointers, so ASan's fast unwinder
// often stops before the coroutine frame. Leak checking is therefore off in these programs;
// ASan's memory errors and UBSan stay on. The fuzz targets, which run no SystemC threads, keep it.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
