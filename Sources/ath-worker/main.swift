print("ath-worker: not built yet")
