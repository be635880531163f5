#include "FuzzDriver.h"

int ath_fuzz_run(int argc, char **argv, AthFuzzTest test) {
    return LLVMFuzzerRunDriver(&argc, &argv, test);
}
