print("ath")
