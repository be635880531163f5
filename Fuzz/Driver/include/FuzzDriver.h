// The libFuzzer driver, entered from each fuzz target's own entry point.
//
// SwiftPM links an executable whose module is testable with `main` aliased
// to `<module>_main`, so libFuzzer's own `main` is never linked in: each
// target defines that symbol and hands libFuzzer its test function here.
#include <stddef.h>
#include <stdint.h>

typedef int (*AthFuzzTest)(const uint8_t *data, size_t size);

/// libFuzzer's driver (compiler-rt): parses the flags in argv and runs `test`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, AthFuzzTest test);

/// Runs libFuzzer with the process's arguments on `test`.
int ath_fuzz_run(int argc, char **argv, AthFuzzTest test);
