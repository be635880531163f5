// Placeholder until the benchmark harness lands.
print("athbench")
