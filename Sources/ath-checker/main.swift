print("ath-checker: not built yet")
